"""What a search that found nothing offers instead: the suggestion and the
ways out (each filter removed, with what it would find; the glossary and
exact switches; the search tips), and a plain statement of what was searched.

Only the page of a zero-result search builds this, so the counts it shows
(one quick count per way out) cost nothing elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask import url_for

from search.model import SearchRequest, SearchResponse
from search.query import Searcher
from search.vocab.facets import FACETS, FILTER_FACETS

from .. import urls
from .labels import label_of
from .links import search_url


@dataclass
class WayOut:
    text: str
    url: str
    count: int | None = None  # documents it would find, where known


@dataclass
class NoResults:
    query: str  # as typed
    interpreted: str | None  # how it was read, when that differs
    filters: list[str]  # "Jurisdiction: European Union", "Year: 2020–2024"
    suggestion: WayOut | None
    removals: list[WayOut]  # the search without one filter each (those that find something)
    without_filters: WayOut | None  # without all of them (two or more), if that finds something
    switches: list[WayOut] = field(default_factory=list)  # glossary and exact, if they help
    tips_url: str = ""
    browse_url: str = ""


def _years(req: SearchRequest) -> str | None:
    a, b = req.year_from, req.year_to
    if a is None and b is None:
        return None
    if a == b:
        return str(a)
    return f"{a}–{b}" if a is not None and b is not None else (f"from {a}" if a is not None else f"until {b}")


def no_results(searcher: Searcher, resp: SearchResponse, state: urls.Pairs) -> NoResults:
    """The ways out of the zero-result search ``resp`` (whose URL state is ``state``)."""
    req = resp.request
    filters: list[str] = []
    removals: list[WayOut] = []
    for name in FILTER_FACETS:
        for v in req.filters.get(name, []):
            label = f"{FACETS[name].label}: {label_of(name, v)}"
            filters.append(label)
            rest = {k: [x for x in vals if not (k == name and x == v)] for k, vals in req.filters.items()}
            count = searcher.count(replace(req, filters={k: vals for k, vals in rest.items() if vals}))
            removals.append(WayOut(f"without {label}", search_url(urls.with_removed(state, name, v)), count))
    years = _years(req)
    if years:
        filters.append(f"Year: {years}")
        count = searcher.count(replace(req, year_from=None, year_to=None))
        removals.append(WayOut(f"without Year: {years}", search_url(urls.without(state, ["year_from", "year_to"])), count))
    without = None
    if len(removals) >= 2:
        count = searcher.count(replace(req, filters={}, year_from=None, year_to=None))
        without = WayOut("without any filter", search_url(urls.without(state, [*FILTER_FACETS, "year_from", "year_to"])), count)
    suggestion = None
    if resp.suggestion:
        suggestion = WayOut(resp.suggestion, search_url(urls.with_replaced(state, "q", resp.suggestion)), searcher.count(replace(req, q=resp.suggestion)))
    switches = []
    if req.q.strip():
        if not req.expand:
            switches.append(WayOut("Also search glossary synonyms and abbreviations", search_url(urls.with_removed(state, "expand")), searcher.count(replace(req, expand=True))))
        if req.exact:
            switches.append(WayOut("Also match other word forms", search_url(urls.with_removed(state, "exact")), searcher.count(replace(req, exact=False))))
    interpreted = resp.interpreted if resp.interpreted and resp.interpreted not in (req.q, "*") else None
    # A way out that finds nothing either is not one.
    return NoResults(
        query=req.q,
        interpreted=interpreted,
        filters=filters,
        suggestion=suggestion,
        removals=[w for w in removals if w.count],
        without_filters=without if without and without.count else None,
        switches=[w for w in switches if w.count],
        tips_url=url_for("pages.help"),
        browse_url=search_url([]),
    )
