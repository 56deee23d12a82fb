"""The knowledge hub's data sources and licences (``data/hub/sources.yaml``).

The "About the data" page lists them; every price series names its source
and licence itself, and every system fact its source and date.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..text.datafile import DATA_DIR, DataFileError, entry_error, read_yaml, require_mapping

SOURCES_PATH = DATA_DIR / "hub" / "sources.yaml"
_REQUIRED = ("id", "title", "publisher", "licence", "attribution", "what")
_KEYS = {*_REQUIRED, "url", "licence_url", "files", "retrieved", "caveats"}


@dataclass(frozen=True)
class DataSource:
    id: str
    title: str
    publisher: str
    licence: str
    attribution: str
    what: str
    url: str | None = None
    licence_url: str | None = None
    files: tuple[str, ...] = ()
    retrieved: str | None = None
    caveats: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def parse(path: Path = SOURCES_PATH) -> list[DataSource]:
    data = read_yaml(path)
    out = []
    for i, raw in enumerate(require_mapping(path, data, "sources")):
        if not isinstance(raw, dict):
            raise entry_error(path, i, raw, "expected a mapping")
        unknown = set(raw) - _KEYS
        if unknown:
            raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)}")
        for k in _REQUIRED:
            if not isinstance(raw.get(k), str) or not raw[k].strip():
                raise entry_error(path, i, raw, f"'{k}' is required")
        for k in ("url", "licence_url"):
            if raw.get(k) and not str(raw[k]).startswith("https://"):
                raise entry_error(path, i, raw, f"{k} must be an https address")
        files = raw.get("files") or []
        for f in files:
            if not (DATA_DIR / f).is_file():
                raise entry_error(path, i, raw, f"file {f!r} is not in search/data")
        out.append(DataSource(**{**{k: (str(v).strip() if isinstance(v, str) else v) for k, v in raw.items()},
                                 "files": tuple(files)}))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise DataFileError(f"{path}: duplicate source ids")
    return out


@functools.lru_cache(maxsize=1)
def load() -> list[DataSource]:
    return parse()
