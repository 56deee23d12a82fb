"""About the data (``/about/data``): the knowledge hub's sources, licences and files,
and its JSON twin (``/api/about/data``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.hub import sources
from search.hub.prices import KINDS

from .hubdata import HubData


@dataclass
class SeriesLine:
    system: str
    instrument: str
    kind: str
    currency: str
    first: str
    last: str
    count: int
    licence: str


@dataclass
class DataPage:
    sources: list[sources.DataSource]
    series: list[SeriesLine]
    systems: int
    overrides: int


def data_page(hub: HubData) -> DataPage:
    names = {s.id: s.name for s in hub.reg.all()}
    series = [SeriesLine(names.get(s.system, s.system), s.instrument, KINDS.get(s.kind, s.kind), s.currency,
                         s.first.isoformat(), s.last[0].isoformat(), len(s.points), s.licence) for s in hub.book.series]
    overrides = sum(1 for s in hub.reg.all() for f in s.facts.values() if f.source.id == "override")
    return DataPage(sources.load(), series, len(hub.reg.all()), overrides)


def data_json(page: DataPage) -> dict[str, Any]:
    return {
        "sources": [s.to_json() for s in page.sources],
        "systems": page.systems,
        "overrides": page.overrides,
        "series": [dict(s.__dict__) for s in page.series],
    }
