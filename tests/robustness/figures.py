"""Counting the robustness cases: tried, survived, lost, and the measures
each area reports (times, memory, latency percentiles)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

#: ``ETSLIB_ROBUSTNESS=large``: the larger counts.
LARGE = os.environ.get("ETSLIB_ROBUSTNESS", "").lower() == "large"


def scale(default: int, large: int) -> int:
    return large if LARGE else default


@dataclass
class Row:
    tried: int = 0
    survived: int = 0
    lost: list[str] = field(default_factory=list)
    measures: dict[str, str] = field(default_factory=dict)


class Figures:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self._lock = threading.Lock()

    def row(self, area: str) -> Row:
        with self._lock:
            return self.rows.setdefault(area, Row())

    def case(self, area: str, ok: bool, what: str = "") -> bool:
        """Count one case; returns ``ok`` so callers can collect losses."""
        r = self.row(area)
        with self._lock:
            r.tried += 1
            if ok:
                r.survived += 1
            else:
                r.lost.append(what)
        return ok

    def measure(self, area: str, name: str, value: str) -> None:
        self.row(area).measures[name] = value

    def lost(self, area: str) -> list[str]:
        return list(self.row(area).lost)

    def table(self) -> list[str]:
        width = max(len(a) for a in self.rows)
        out = [f"{'area':<{width}}  {'tried':>6} {'survived':>8} {'lost':>5}  measures"]
        for area, r in self.rows.items():
            m = "; ".join(f"{k} {v}" for k, v in r.measures.items())
            out.append(f"{area:<{width}}  {r.tried:>6} {r.survived:>8} {len(r.lost):>5}  {m}")
            for what in r.lost[:10]:
                out.append(f"{'':<{width}}    lost: {what}")
        return out


FIGURES = Figures()
