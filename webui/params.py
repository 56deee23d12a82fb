"""Query-string parameters ⇄ :class:`~search.model.SearchRequest`.

Parsing is forgiving: a bad value (``page=abc``, ``limit=-5``,
``year_from=xyz``) is clamped or ignored and a note says so, so a hand-edited
URL never fails. :func:`state_pairs` goes the other way and gives the
canonical query string of a request, from which every link on a page is
derived. Pure functions, no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from search.model import DEFAULT_SORT, SORTS, SearchRequest
from search.vocab.facets import FILTER_FACETS

from .urls import Pairs

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
YEAR_MIN, YEAR_MAX = 1000, 2999
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Limits:
    """What the app accepts (from its settings)."""

    default_limit: int = 10
    max_limit: int = 100
    max_query: int = 1000
    passages: int = 3


@dataclass
class Parsed:
    request: SearchRequest
    notes: list[str] = field(default_factory=list)


def _first(pairs: list[tuple[str, str]], name: str) -> str | None:
    for k, v in pairs:
        if k == name and v.strip():
            return v.strip()
    return None


def _int(raw: str) -> int | None:
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _flag(pairs: list[tuple[str, str]], name: str, default: bool, notes: list[str]) -> bool:
    raw = _first(pairs, name)
    if raw is None:
        return default
    low = raw.lower()
    if low in TRUE:
        return True
    if low in FALSE:
        return False
    notes.append(f"“{name}={raw}” is not understood (use 1 or 0): ignored.")
    return default


def _year(pairs: list[tuple[str, str]], name: str, notes: list[str]) -> int | None:
    raw = _first(pairs, name)
    if raw is None:
        return None
    y = _int(raw)
    if y is None or not YEAR_MIN <= y <= YEAR_MAX:
        notes.append(f"“{raw}” is not a year: the {'start' if name == 'year_from' else 'end'} year was ignored.")
        return None
    return y


def parse_args(args: Iterable[tuple[str, str]], limits: Limits | None = None) -> Parsed:
    """A search request from query-string pairs, plus notes on what was changed."""
    lim = limits or Limits()
    pairs = [(str(k), str(v)) for k, v in args]
    notes: list[str] = []

    q = " ".join(_CONTROL.sub(" ", v) for k, v in pairs if k == "q").strip()
    if len(q) > lim.max_query:
        q = q[: lim.max_query]
        notes.append(f"The query was cut to {lim.max_query} characters.")

    filters: dict[str, list[str]] = {}
    for name in FILTER_FACETS:
        values = list(dict.fromkeys(v.strip() for k, v in pairs if k == name and v.strip()))
        if values:
            filters[name] = values

    year_from = _year(pairs, "year_from", notes)
    year_to = _year(pairs, "year_to", notes)
    if year_from is not None and year_to is not None and year_from > year_to:
        notes.append(f"Years {year_from}–{year_to} were swapped into {year_to}–{year_from}.")
        year_from, year_to = year_to, year_from

    sort = (_first(pairs, "sort") or DEFAULT_SORT).lower()
    if sort not in SORTS:
        notes.append(f"Unknown sort order “{_first(pairs, 'sort')}”: sorted by {SORTS[DEFAULT_SORT].lower()}.")
        sort = DEFAULT_SORT

    limit = lim.default_limit
    raw = _first(pairs, "limit")
    if raw is not None:
        n = _int(raw)
        if n is None or n < 1:
            notes.append(f"“{raw}” results per page is not possible: showing {lim.default_limit}.")
        elif n > lim.max_limit:
            notes.append(f"At most {lim.max_limit} results per page: showing {lim.max_limit}.")
            limit = lim.max_limit
        else:
            limit = n

    page = 1
    raw = _first(pairs, "page")
    if raw is not None:
        n = _int(raw)
        if n is None or n < 1:
            notes.append(f"“{raw}” is not a page number: showing page 1.")
        else:
            page = min(n, 10_000)

    exact = _flag(pairs, "exact", False, notes)
    expand = _flag(pairs, "expand", True, notes)
    all_versions = _versions(pairs, notes)
    req = SearchRequest(
        q=q,
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        page=page,
        limit=limit,
        exact=exact,
        expand=expand,
        passages=lim.passages,
        all_versions=all_versions,
    )
    return Parsed(req, notes)


#: ``versions=all`` lists every version of a work; the default lists a work once.
VERSIONS = "versions"


def _versions(pairs: list[tuple[str, str]], notes: list[str]) -> bool:
    raw = _first(pairs, VERSIONS)
    if raw is None or raw.lower() in ("family", "one", "newest"):
        return False
    if raw.lower() == "all":
        return True
    notes.append(f"“{VERSIONS}={raw}” is not understood (use versions=all to list every version): ignored.")
    return False


def state_pairs(req: SearchRequest, default_limit: int = 10) -> Pairs:
    """The canonical query string of a request, without the page number.

    Defaults are left out so equal searches have equal URLs.
    """
    out: Pairs = []
    if req.q:
        out.append(("q", req.q))
    for name in FILTER_FACETS:
        out += [(name, v) for v in req.filters.get(name, [])]
    if req.year_from is not None:
        out.append(("year_from", str(req.year_from)))
    if req.year_to is not None:
        out.append(("year_to", str(req.year_to)))
    if req.sort != DEFAULT_SORT:
        out.append(("sort", req.sort))
    if req.limit != default_limit:
        out.append(("limit", str(req.limit)))
    if req.exact:
        out.append(("exact", "1"))
    if not req.expand:
        out.append(("expand", "0"))
    if req.all_versions:
        out.append((VERSIONS, "all"))
    return out


#: The URL parameter giving a result's place in the search a document was
#: opened from (1-based, over all pages): the search's own parameters travel
#: with it, so "back to the results" and previous/next need no server session.
POSITION = "n"


def position(args: Iterable[tuple[str, str]]) -> int | None:
    """The result position ``n`` of a document URL (None when absent or not a number)."""
    raw = _first([(str(k), str(v)) for k, v in args], POSITION)
    n = _int(raw) if raw is not None else None
    return n if n is not None and 1 <= n <= 1_000_000 else None


#: How the sidebar lists one facet's values (a view setting, not part of
#: the search): ``facet_find.publisher=diw`` narrows the list,
#: ``facet_order.publisher=az`` orders it A–Z. JavaScript does both in
#: place; these make them work without it.
FACET_FIND = "facet_find."
FACET_ORDER = "facet_order."
MAX_FACET_FIND = 100


@dataclass
class FacetListing:
    find: dict[str, str] = field(default_factory=dict)
    order: dict[str, str] = field(default_factory=dict)

    def pairs(self) -> Pairs:
        """These settings as query-string pairs (kept by the sidebar's own links)."""
        return [(FACET_FIND + k, v) for k, v in self.find.items()] + [(FACET_ORDER + k, v) for k, v in self.order.items()]


def facet_listing(args: Iterable[tuple[str, str]], orders: Iterable[str]) -> FacetListing:
    """The sidebar's list settings from the query string; unknown facets and
    orders are ignored."""
    out = FacetListing()
    allowed = set(orders) - {"count"}  # the default is left out of URLs
    for k, v in args:
        k, v = str(k), " ".join(_CONTROL.sub(" ", str(v)).split())[:MAX_FACET_FIND]
        if k.startswith(FACET_FIND) and k[len(FACET_FIND) :] in FILTER_FACETS and v:
            out.find[k[len(FACET_FIND) :]] = v
        elif k.startswith(FACET_ORDER) and k[len(FACET_ORDER) :] in FILTER_FACETS and v in allowed:
            out.order[k[len(FACET_ORDER) :]] = v
    return out


def query_pairs(req: SearchRequest) -> Pairs:
    """Just what a document page needs to find the same words: q, exact, expand."""
    out: Pairs = [("q", req.q)] if req.q else []
    if req.exact:
        out.append(("exact", "1"))
    if not req.expand:
        out.append(("expand", "0"))
    return out
