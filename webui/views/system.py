"""A system's page (``/systems/<id>``): key facts with sources, prices, the library, relations.

The JSON twin (``/api/systems/<id>``) and the price downloads
(``/systems/<id>/prices.csv`` and ``.json``) are built from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from markupsafe import Markup

from search.hub import charts, tracker
from search.hub.library import SystemLibrary, system_library
from search.hub.prices import KINDS
from search.vocab.systems import FACT_LABELS, System

from .hubdata import HubData, searcher_or_none
from .links import doc_url, search_url
from .systems import system_url


@dataclass
class Link:
    text: str
    url: str
    note: str = ""


@dataclass
class SourceNote:
    label: str
    as_of: str
    url: str | None
    licence: str


@dataclass
class FactRow:
    key: str
    label: str
    text: str
    links: list[Link]
    source: SourceNote
    note: str | None
    others: list[tuple[str, SourceNote]]  # other sources' differing values


@dataclass
class PriceRow:
    label: str
    kind: str
    currency: str
    first: str
    last: str
    latest: str
    count: int
    source: str
    licence: str


@dataclass
class DocLink:
    title: str
    url: str
    year: int | None
    type: str | None


@dataclass
class LibraryBox:
    total: int
    search_url: str
    latest: list[DocLink]
    news: list[DocLink]
    legislation: list[DocLink]
    timeline: Markup
    by_year: list[tuple[int, int]]


@dataclass
class SystemPage:
    id: str
    name: str
    status: str
    region: str
    note: str | None
    facts: list[FactRow]
    missing: list[str]
    parent: Link | None
    children: list[Link]
    members: list[Link]  # member systems of a linked market
    areas_label: str | None  # "European Economic Area (...)"
    areas: list[str]  # the group's member states
    linked: list[Link]
    charts: list[Markup]
    price_rows: list[PriceRow]
    price_csv: str
    price_json: str
    mixed_kinds: bool
    library: LibraryBox | None
    library_note: str | None
    json_url: str
    jurisdictions: list[Link] = field(default_factory=list)


@dataclass
class SystemData:
    hub: HubData
    system: System
    series: list[tracker.SystemSeries]
    library: SystemLibrary | None


def system_data(hub: HubData, sid: str) -> SystemData | None:
    s = hub.reg.get(sid)
    if s is None:
        return None
    lib = None
    searcher = searcher_or_none()
    if searcher is not None and s.jurisdictions:
        try:
            lib = system_library(searcher, s.jurisdictions)
        except Exception:  # an index that cannot answer: the page still shows facts and prices
            lib = None
    return SystemData(hub, s, tracker.series_for(hub.book, hub.reg, sid), lib)


def _source(f) -> SourceNote:
    url = f.source.url if f.source.url and f.source.url.startswith(("https://", "http://")) else None
    return SourceNote(f.source.label, f.source.as_of, url, f.source.licence)


def _fact_rows(data: SystemData) -> list[FactRow]:
    reg = data.hub.reg
    rows = []
    for key in FACT_LABELS:
        f = data.system.facts.get(key)
        if f is None:
            continue
        links = []
        text = f.text()
        if key == "linked":
            links = [Link(reg.get(x).name, system_url(x)) for x in f.value if reg.get(x)]
            text = ""
        elif key == "status":
            text = f.value
        others = []
        for o in f.others:
            if key == "linked":
                val = ", ".join(reg.get(x).name if reg.get(x) else x for x in o.value)
            else:
                val = o.text()
            others.append((val, _source(o)))
        rows.append(FactRow(key, f.label, text, links, _source(f), f.note, others))
    return rows


def _doc_links(docs) -> list[DocLink]:
    return [DocLink(d.title, doc_url(d.id), d.year, d.type) for d in docs]


def system_page(data: SystemData) -> SystemPage:
    s, reg = data.system, data.hub.reg
    parent = Link(reg.get(s.parent).name, system_url(s.parent)) if s.parent and reg.get(s.parent) else None
    children = [Link(c.name, system_url(c.id)) for c in reg.children(s.id)]
    members = [Link(reg.get(m).name, system_url(m)) for m in s.members if reg.get(m)]
    linked = [Link(reg.get(x).name, system_url(x)) for x in s.linked if reg.get(x)]
    chart_svgs = []
    groups = charts.by_currency([x.series for x in data.series])
    labels = {x.series.key: x.label for x in data.series}
    for i, (currency, series) in enumerate(groups.items()):
        c = charts.line_chart(series, labels=[labels[x.key] for x in series], title=f"{s.name}: allowance prices",
                              chart_id=f"chart-{i}")
        chart_svgs.append(Markup(c.svg))
    rows = []
    for x in data.series:
        d, v = x.series.last
        rows.append(PriceRow(labels[x.series.key], KINDS.get(x.series.kind, x.series.kind), x.series.currency,
                             x.series.first.isoformat(), d.isoformat(), f"{charts.currency_label(x.series.currency)} {v:,.2f}",
                             len(x.series.points), x.series.source, x.series.licence))
    library = None
    note = None
    if data.library is not None:
        lib = data.library
        library = LibraryBox(
            total=lib.total,
            search_url=search_url([("jurisdiction", j) for j in s.jurisdictions]),
            latest=_doc_links(lib.latest), news=_doc_links(lib.news), legislation=_doc_links(lib.legislation),
            timeline=Markup(charts.year_bars(lib.by_year, title=f"{s.name}: documents by year")),
            by_year=lib.by_year,
        )
    elif not s.jurisdictions:
        note = "No jurisdiction of the library's registry matches this system yet, so no documents are linked to it."
    else:
        note = "The library's index is not available just now."
    area_label, areas = None, []
    if s.group:
        area_label, areas = s.group.name, [s.group.areas[a] for a in s.group.areas]
    return SystemPage(
        id=s.id, name=s.name, status=s.status, region=s.region, note=s.note,
        facts=_fact_rows(data),
        missing=[FACT_LABELS[k] for k in s.missing],
        parent=parent, children=children, members=members, areas_label=area_label, areas=areas, linked=linked,
        charts=chart_svgs, price_rows=rows,
        price_csv=url_for("hub.system_prices_csv", system_id=s.id),
        price_json=url_for("hub.system_prices_json", system_id=s.id),
        mixed_kinds=len({x.series.kind for x in data.series}) > 1,
        library=library, library_note=note,
        json_url=url_for("hub.api_system", system_id=s.id),
    )


def system_json(data: SystemData) -> dict[str, Any]:
    """``/api/systems/<id>``: the system with every fact's source, its prices and its library."""
    s = data.system
    return {
        **s.to_json(),
        "url": system_url(s.id),
        "children": [c.id for c in data.hub.reg.children(s.id)],
        "prices": [x.to_json() for x in data.series],
        "library": data.library.to_json() if data.library else None,
    }
