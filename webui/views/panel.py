"""The knowledge panel: one emissions trading system's key facts, shown
when a search has exactly one jurisdiction chosen.

Facts come from the jurisdictions data file (``search/data/jurisdictions.yaml``)
through :func:`search.vocab.jurisdictions.load`; this module only picks, orders and
labels them for display, and counts the system's documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from search.model import SearchRequest, SearchResponse
from search.query import Searcher

from .. import urls
from .links import search_url


#: Facts shown as rows, in this order, with their labels; others follow.
FACT_LABELS: dict[str, str] = {
    "system": "System",
    "status": "Status",
    "start": "Started",
    "sectors": "Sectors",
    "gases": "Gases",
    "cap": "Cap",
    "allocation": "Allocation",
    "offsets": "Offsets",
    "linked": "Linked with",
}
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


def _safe_url(value: Any) -> str | None:
    """Only web links: a data file must not be able to inject ``javascript:``."""
    s = str(value or "").strip()
    return s if s.startswith(("https://", "http://")) else None


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
    )
