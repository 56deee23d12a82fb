"""The map of systems (``/systems``), its table twin and filters, and its JSON twin.

State is the query string: ``status``, ``region``, ``sector`` (each
repeatable, values within one are alternatives), ``docs`` (``yes``/``no``:
has documents in the library) and ``view`` (world, europe, north-america,
east-asia). The map and the table show the same systems, in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from markupsafe import Markup

from search.hub import geo, tracker, worldmap
from search.vocab import jurisdictions
from search.vocab.systems import SECTOR_LABELS, STATUSES

from .. import urls
from .hubdata import HubData
from .links import search_url

FILTERS = ("status", "region", "sector", "docs")
DOCS_VALUES = {"yes": "Has documents in the library", "no": "No documents in the library yet"}


@dataclass
class FilterValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str  # the page with this value toggled


@dataclass
class FilterGroup:
    name: str
    label: str
    values: list[FilterValue]


@dataclass
class ViewLink:
    id: str
    label: str
    url: str
    current: bool


@dataclass
class TableRow:
    id: str
    name: str
    url: str
    status: str
    region: str
    start: int | None
    coverage: str | None
    price: str | None  # "NZ$ 54.20"
    price_date: str | None
    price_kind: str | None
    documents: int | None
    documents_url: str | None


@dataclass
class SystemsPage:
    map_svg: Markup
    map_bytes: int
    view: str
    views: list[ViewLink]
    filters: list[FilterGroup]
    selected: list[tuple[str, str, str]]  # (filter label, value label, url without it)
    clear_url: str
    rows: list[TableRow]
    total: int
    status_counts: dict[str, int]
    json_url: str
    documents_known: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class SystemsData:
    hub: HubData
    state: urls.Pairs
    selected: dict[str, list[str]]
    systems: list[Any]  # the filtered systems, registry order
    view: geo.View


def _state(args: urls.Pairs) -> tuple[urls.Pairs, dict[str, list[str]], str]:
    allowed = {"status": set(STATUSES), "sector": set(SECTOR_LABELS), "docs": set(DOCS_VALUES)}
    state: urls.Pairs = []
    sel: dict[str, list[str]] = {k: [] for k in FILTERS}
    view = "world"
    for k, v in urls.clean(args):
        if k == "view" and v in geo.VIEWS:
            view = v
        elif k in sel and (k not in allowed or v in allowed[k]) and v not in sel[k]:
            sel[k].append(v)
        else:
            continue
        state.append((k, v))
    if len(sel["docs"]) > 1:  # yes and no: no filter
        sel["docs"] = []
    return state, sel, view


def _filter(hub: HubData, sel: dict[str, list[str]], skip: str | None = None) -> list:
    docs = sel["docs"][0] if sel["docs"] and skip != "docs" else None
    return tracker.filter_systems(
        hub.reg,
        status=sel["status"] if skip != "status" else (),
        region=sel["region"] if skip != "region" else (),
        sector=sel["sector"] if skip != "sector" else (),
        has_documents=None if docs is None or hub.documents is None else docs == "yes",
        documents=hub.documents,
    )


def systems_data(hub: HubData, args: urls.Pairs) -> SystemsData:
    state, sel, view = _state(args)
    return SystemsData(hub, state, sel, _filter(hub, sel), geo.VIEWS[view])


def system_url(sid: str) -> str:
    return url_for("hub.system", system_id=sid)


def _page_url(pairs: urls.Pairs) -> str:
    return urls.url(url_for("hub.systems"), pairs)


def _filters(data: SystemsData) -> list[FilterGroup]:
    hub, sel = data.hub, data.selected
    groups = []
    options = {
        "status": [(s, s.capitalize()) for s in STATUSES],
        "region": [(r, r) for r in jurisdictions.load().regions()],
        "sector": list(SECTOR_LABELS.items()),
        "docs": list(DOCS_VALUES.items()) if hub.documents is not None else [],
    }
    labels = {"status": "Status", "region": "Region", "sector": "Sector covered", "docs": "In the library"}
    for name in FILTERS:
        pool = _filter(hub, sel, skip=name)
        values = []
        for value, label in options[name]:
            if name == "status":
                n = sum(1 for s in pool if s.status == value)
            elif name == "region":
                n = sum(1 for s in pool if s.region == value)
            elif name == "sector":
                n = sum(1 for s in pool if value in s.sector_ids)
            else:
                n = sum(1 for s in pool if (hub.documents.get(s.id, 0) > 0) == (value == "yes"))
            chosen = value in sel[name]
            if n or chosen:
                values.append(FilterValue(value, label, n, chosen, _page_url(urls.toggled(data.state, name, value))))
        if values:
            groups.append(FilterGroup(name, labels[name], values))
    return groups


def _price_text(latest) -> tuple[str | None, str | None, str | None]:
    if latest is None:
        return None, None, None
    from search.hub.charts import currency_label

    return f"{currency_label(latest.currency)} {latest.price:,.2f}", latest.date.isoformat(), latest.kind_label


def systems_page(data: SystemsData) -> SystemsPage:
    hub = data.hub
    shown = {s.id for s in data.systems}
    result = worldmap.render_map(hub.reg.all(), system_url, view=data.view, shown=shown)
    rows = []
    for r in tracker.system_rows(data.systems, hub.book, hub.reg, hub.documents):
        s = r.system
        cov = s.facts.get("coverage")
        price, date, kind = _price_text(r.latest)
        docs_url = None
        if s.jurisdictions:
            docs_url = search_url([("jurisdiction", j) for j in s.jurisdictions])
        rows.append(TableRow(s.id, s.name, system_url(s.id), s.status, s.region, s.start,
                             cov.value if cov else None, price, date, kind, r.documents, docs_url))
    labels = {"status": "Status", "region": "Region", "sector": "Sector", "docs": "Library"}
    value_labels = {**SECTOR_LABELS, **DOCS_VALUES}
    selected = [(labels[k], value_labels.get(v, v), _page_url(urls.with_removed(data.state, k, v)))
                for k, v in data.state if k in FILTERS]
    views = [ViewLink(v.id, v.label, _page_url(urls.with_replaced(data.state, "view", None if v.id == "world" else v.id)),
                      v.id == data.view.id) for v in geo.VIEWS.values()]
    notes = []
    if hub.documents is None:
        notes.append("The library's index is not available, so document counts and the library filter are missing.")
    return SystemsPage(
        map_svg=Markup(result.svg),
        map_bytes=len(result.svg.encode()),
        view=data.view.id,
        views=views,
        filters=_filters(data),
        selected=selected,
        clear_url=_page_url([(k, v) for k, v in data.state if k == "view"]),
        rows=rows,
        total=len(hub.reg.all()),
        status_counts=tracker.status_counts(data.systems),
        json_url=urls.url(url_for("hub.api_systems"), data.state),
        documents_known=hub.documents is not None,
        notes=notes,
    )


def systems_json(data: SystemsData) -> dict[str, Any]:
    """``/api/systems``: the same systems as the page's map and table, with every fact and its source."""
    rows = tracker.system_rows(data.systems, data.hub.book, data.hub.reg, data.hub.documents)
    return {
        "filters": {k: v for k, v in data.selected.items() if v},
        "total": len(data.hub.reg.all()),
        "count": len(rows),
        "systems": [{**r.to_json(), "url": system_url(r.system.id), "facts": r.system.to_json()["facts"],
                     "missing": list(r.system.missing)} for r in rows],
    }
