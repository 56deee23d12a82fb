"""The knowledge panel: one emissions trading system's key facts, shown
when a search has exactly one jurisdiction chosen.

Facts come from the jurisdictions data file (``search/data/jurisdictions.yaml``)
through :func:`search.vocab.jurisdictions.load`; this module only picks, orders and
labels them for display, and counts the system's documents. The panel also
links the jurisdiction's system pages (the knowledge hub) and shows a small
price line of its system, so it stays a compact strip above the results with
the facts folded away in a ``<details>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from markupsafe import Markup

from search.hub import charts, tracker
from search.hub import prices as hub_prices
from search.model import SearchRequest, SearchResponse
from search.query import Searcher
from search.vocab import systems as systems_mod
from search.vocab.systems import FACT_LABELS as SYSTEM_FACT_LABELS

from .. import urls
from .hubdata import price_store_path
from .links import search_url
from .systems import system_url


#: Facts shown as rows, in this order, with their labels (the system
#: pages' own, after the system's name); others follow.
FACT_LABELS: dict[str, str] = {"system": "System", **SYSTEM_FACT_LABELS}
#: Facts not shown as rows (they have their own place, or are bookkeeping).
NOT_ROWS = {"summary", "source", "provenance"}


@dataclass
class Link:
    text: str
    url: str


@dataclass
class Fact:
    label: str
    text: str = ""
    links: list[Link] = field(default_factory=list)


@dataclass
class Panel:
    id: str
    name: str
    region: str
    level: str
    status: str | None
    summary: str | None
    facts: list[Fact]
    source_url: str | None
    provenance: str | None
    matching: int
    in_library: int
    library_url: str
    parent: Link | None = None
    systems: list[Link] = field(default_factory=list)  # the knowledge hub's pages of its systems
    sparkline: Markup | None = None  # the latest five years of its system's price
    price: str | None = None  # "NZ$ 54.00 on 2026-07-03 (secondary market)"


def _safe_url(value: Any) -> str | None:
    """Only web links: a data file must not be able to inject ``javascript:``."""
    s = str(value or "").strip()
    return s if s.startswith(("https://", "http://")) else None


def _price_strip(jid: str) -> tuple[list[Link], Markup | None, str | None]:
    """The jurisdiction's system pages, and a sparkline of its most telling price series
    (market before auction before annual reference prices, then the most recent)."""
    reg = systems_mod.load()
    systems = reg.for_jurisdiction(jid)
    links = [Link(s.name, system_url(s.id)) for s in systems]
    book = hub_prices.book(price_store_path())
    order = list(hub_prices.KINDS)
    best = None
    for s in systems:
        for x in tracker.series_for(book, reg, s.id):
            if not x.series.points:
                continue
            rank = (-order.index(x.series.kind), x.series.last[0])
            if best is None or rank > best[0]:
                best = (rank, x)
    if best is None:
        return links, None, None
    x = best[1]
    d, v = x.series.last
    text = f"{charts.currency_label(x.series.currency)} {v:,.2f} on {d.isoformat()} ({x.series.kind_label.lower()})"
    return links, Markup(charts.sparkline(x.series, label=x.label)), text


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def panel(searcher: Searcher, resp: SearchResponse, state: urls.Pairs) -> Panel | None:
    """The panel of the one jurisdiction chosen, or None."""
    chosen = resp.request.filters.get("jurisdiction", [])
    if len(chosen) != 1:
        return None
    jid = chosen[0]
    return panel_for(
        jid,
        matching=resp.total,
        in_library=searcher.count(SearchRequest(filters={"jurisdiction": [jid]})),
        select_url=lambda other: search_url(urls.with_replaced(state, "jurisdiction", other)),
        library_url=search_url([("jurisdiction", jid)]),
    )


def panel_for(
    jid: str,
    *,
    matching: int,
    in_library: int,
    select_url: Callable[[str], str],
    library_url: str,
) -> Panel | None:
    """The panel of jurisdiction ``jid``, or None if the registry does not know it.

    :param select_url: the search URL with another jurisdiction chosen instead
        (for linked systems and the parent).
    """
    from search.vocab.jurisdictions import load

    reg = load()
    j = reg.get(jid)
    if j is None:
        return None
    facts = dict(j.facts or {})
    rows: list[Fact] = []
    keys = [k for k in FACT_LABELS if k in facts] + [k for k in facts if k not in FACT_LABELS and k not in NOT_ROWS]
    for key in keys:
        value = facts[key]
        if value in (None, "", []):
            continue
        label = FACT_LABELS.get(key) or key.replace("_", " ").capitalize()
        if key == "linked":
            links = []
            for other in value:
                o = reg.get(other)
                links.append(Link(o.name if o else str(other), select_url(str(other))))
            rows.append(Fact(label, links=links))
        else:
            rows.append(Fact(label, _text(value)))
    parent = None
    if j.parent:
        p = reg.get(j.parent)
        if p is not None:
            parent = Link(p.name, select_url(p.id))
    system_links, spark, price = _price_strip(jid)
    return Panel(
        id=j.id,
        name=j.name,
        region=j.region,
        level=j.level,
        status=facts.get("status"),
        summary=(str(facts["summary"]).strip() if facts.get("summary") else None),
        facts=rows,
        source_url=_safe_url(facts.get("source")),
        provenance=(str(facts["provenance"]) if facts.get("provenance") else None),
        matching=matching,
        in_library=in_library,
        library_url=library_url,
        parent=parent,
        systems=system_links,
        sparkline=spark,
        price=price,
    )
