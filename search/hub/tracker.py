"""What the hub's pages show, computed from the registry and the price book.

* :func:`filter_systems`: the map's filters (status, region, sector, has
  documents in the library);
* :func:`system_rows`: the map's table twin (system, status, start, coverage,
  latest price);
* :func:`series_for`: a system's price series, its linked market's included;
* :func:`compare`: the price tracker's selection, in native currencies or in
  US$ where the source gives US$, one chart per currency, with the series
  left out and why;
* :func:`latest_prices`: the latest price of every system with prices.

Pure functions over plain data; the web views turn them into pages and JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from ..vocab.systems import STATUSES, System, Systems
from .prices import KINDS, PriceBook, Series

CURRENCY_MODES = {"native": "Each source's own currency", "usd": "US$ (only where the source gives US$)"}


@dataclass(frozen=True)
class SystemSeries:
    series: Series
    system: str  # the system the page or selection is about
    via: str | None  # the linked market whose series this is (wci for California), else None
    label: str

    def to_json(self) -> dict:
        return {**self.series.to_json(), "label": self.label, "via": self.via, "for_system": self.system}


@dataclass(frozen=True)
class Latest:
    system: str
    name: str
    date: dt.date
    price: float
    currency: str
    kind: str
    instrument: str
    period: str
    source: str
    licence: str

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def to_json(self) -> dict:
        return {"system": self.system, "name": self.name, "date": self.date.isoformat(), "price": self.price,
                "currency": self.currency, "kind": self.kind, "instrument": self.instrument, "period": self.period,
                "source": self.source, "licence": self.licence}


def _short(s: System) -> str:
    return s.name


def series_for(book: PriceBook, reg: Systems, sid: str) -> list[SystemSeries]:
    """The series of system ``sid``, then those of its linked market (labelled "via ...")."""
    s = reg.get(sid)
    if s is None:
        return []
    out = [SystemSeries(x, sid, None, f"{_short(s)}: {x.instrument}") for x in book.for_system(sid)]
    if s.parent:
        p = reg.get(s.parent)
        for x in book.for_system(s.parent):
            out.append(SystemSeries(x, sid, s.parent, f"{_short(p)}: {x.instrument}"))
    return out


def latest_of(series: Iterable[Series]) -> tuple[Series, dt.date, float] | None:
    """The most recent point among ``series`` (a tie prefers market, then auction, prices)."""
    best = None
    order = list(KINDS)
    for s in series:
        if not s.points:
            continue
        d, v = s.points[-1]
        rank = (d, -order.index(s.kind) if s.kind in order else -9)
        if best is None or rank > best[0]:
            best = (rank, s, d, v)
    return (best[1], best[2], best[3]) if best else None


def latest_prices(book: PriceBook, reg: Systems) -> list[Latest]:
    """One row per system with prices of its own: its latest price, by system name."""
    rows = []
    for s in reg.all():
        hit = latest_of(book.for_system(s.id))
        if hit:
            x, d, v = hit
            rows.append(Latest(s.id, s.name, d, v, x.currency, x.kind, x.instrument, x.period, x.source, x.licence))
    return sorted(rows, key=lambda r: r.name.lower())


@dataclass(frozen=True)
class Row:
    """One line of the map's table twin."""

    system: System
    latest: Latest | None
    documents: int | None  # documents in the library tagged with the system's jurisdictions (None: not counted)

    def to_json(self) -> dict:
        s = self.system
        cov = s.facts.get("coverage")
        return {"id": s.id, "name": s.name, "status": s.status, "region": s.region, "start": s.start,
                "coverage": cov.value if cov else None, "sectors": list(s.sector_ids),
                "latest_price": self.latest.to_json() if self.latest else None, "documents": self.documents}


def system_rows(systems: Sequence[System], book: PriceBook, reg: Systems,
                documents: Mapping[str, int] | None = None) -> list[Row]:
    """The table twin of the map for ``systems``, in the order given.

    :param documents: documents in the library per system id, if counted.
    """
    latest = {r.system: r for r in latest_prices(book, reg)}
    return [Row(s, latest.get(s.id), documents.get(s.id) if documents is not None else None) for s in systems]


def filter_systems(reg: Systems, *, status: Iterable[str] = (), region: Iterable[str] = (), sector: Iterable[str] = (),
                   has_documents: bool | None = None, documents: Mapping[str, int] | None = None) -> list[System]:
    """Systems matching every given filter (values within one filter are alternatives)."""
    st, rg, sc = set(status), set(region), set(sector)
    out = []
    for s in reg.all():
        if st and s.status not in st:
            continue
        if rg and s.region not in rg:
            continue
        if sc and not sc & set(s.sector_ids):
            continue
        if has_documents is not None and documents is not None:
            if (documents.get(s.id, 0) > 0) != has_documents:
                continue
        out.append(s)
    return out


@dataclass(frozen=True)
class Excluded:
    label: str
    currency: str
    reason: str


@dataclass
class Comparison:
    currency_mode: str
    start: dt.date | None
    end: dt.date | None
    charts: list[tuple[str, list[SystemSeries]]] = field(default_factory=list)  # (currency, series)
    excluded: list[Excluded] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        found = {x.series.kind for _, ss in self.charts for x in ss}
        return [k for k in KINDS if k in found]

    @property
    def mixed_kinds(self) -> bool:
        return len(self.kinds) > 1


def compare(book: PriceBook, reg: Systems, system_ids: Sequence[str], *, start: dt.date | None = None,
            end: dt.date | None = None, currency_mode: str = "native") -> Comparison:
    """The tracker's chart(s) for ``system_ids`` between ``start`` and ``end``.

    ``native``: every series in the currency its source gives, one chart per
    currency. ``usd``: only the series whose source gives US$ (the others are
    listed in ``excluded``: no exchange rate is ever applied).
    """
    if currency_mode not in CURRENCY_MODES:
        raise ValueError(f"currency must be one of {list(CURRENCY_MODES)}")
    cmp = Comparison(currency_mode, start, end)
    by_currency: dict[str, list[SystemSeries]] = {}
    seen: set[tuple] = set()
    for sid in system_ids:
        for x in series_for(book, reg, sid):
            if x.series.key in seen:
                continue  # WCI's auction once, whether California, Québec or WCI was chosen
            seen.add(x.series.key)
            if not x.series.between(start, end).points:
                cmp.excluded.append(Excluded(x.label, x.series.currency, "no prices in the chosen dates"))
                continue
            if currency_mode == "usd" and x.series.currency != "USD":
                cmp.excluded.append(Excluded(x.label, x.series.currency,
                                             f"the source gives {x.series.currency} only; no exchange rate is applied"))
                continue
            by_currency.setdefault(x.series.currency, []).append(x)
    cmp.charts = sorted(by_currency.items(), key=lambda kv: (kv[0] != "USD", kv[0]))
    return cmp


def status_counts(systems: Iterable[System]) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for s in systems:
        counts[s.status] = counts.get(s.status, 0) + 1
    return counts
