"""The search page (``/``) and its JSON twin (``/api/search``).

:func:`run_search` turns the query string into one search, clamped to the
last page when asked past the end; :func:`search_page` builds what the page
shows from it and :func:`search_json` the twin (the contract shared with
``etslib search --json``, plus paging).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable

from flask import current_app, url_for

from search.model import SORTS, SearchRequest, SearchResponse
from search.query import VALUE_ORDERS, Searcher, response_json
from search.vocab.facets import FILTER_FACETS

from .. import urls
from ..params import facet_listing, parse_args, state_pairs
from .facets import Chip, FacetView, chips, facet_views
from .context import result_pairs
from .forgiving import forgiving
from .histogram import Histogram, histogram
from .hits import HitView, hit_view
from .links import absolute, api_search_url, limits, search_url
from .noresults import NoResults, no_results
from .pagination import Pagination, pagination
from .panel import Panel, panel


@dataclass
class SearchResult:
    """One search, as both the page and its twin show it."""

    response: SearchResponse  # notes include those about the parameters
    state: urls.Pairs  # the canonical query string, without the page

    @property
    def request(self) -> SearchRequest:
        """The request as run: clamped, filters as the index spells them ("eu" → "EU")."""
        return self.response.request


def run_search(searcher: Searcher, args: Iterable[tuple[str, str]]) -> SearchResult:
    """The search the query-string pairs ask for (one search, however odd the parameters)."""
    cfg = current_app.config
    parsed = parse_args(args, limits())
    req = replace(parsed.request, facet_limit=int(cfg["FACET_LIMIT"]))
    notes = list(parsed.notes)
    resp, _ = forgiving(lambda r: searcher.search(r, clamp_page=True), req, notes)
    resp.notes = notes + list(resp.notes)
    return SearchResult(resp, state_pairs(resp.request, int(cfg["DEFAULT_LIMIT"])))


def search_json(result: SearchResult) -> dict[str, Any]:
    """``response_json`` (the contract shared with ``etslib search --json``) plus paging."""
    out = response_json(result.response)
    p = pagination(result.request, result.response.total, result.state, api_search_url)
    out.update(
        first_result=p.first,
        last_result=p.last,
        next_url=absolute(p.next_url) if p.next_url else None,
        previous_url=absolute(p.prev_url) if p.prev_url else None,
    )
    return out


@dataclass
class SearchLinks:
    """Where the page's controls lead: the same search changed one way, or exported."""

    json: str
    csv: str
    bibtex: str
    ris: str
    atom: str
    clear: str  # without any filter
    suggestion: str | None  # the "did you mean" query
    no_expand: str
    expand: str
    stemmed: str  # without "exact"
    new_search: str
    start_over: str | None  # no query, no filters (None when there are none)
    apply_filters: str  # the sidebar's no-JavaScript submit: back at the filters
    apply_years: str
    all_versions: str | None = None  # every version of each work listed (when some are folded)
    one_version: str | None = None  # back to one result a work (when every version is listed)


@dataclass
class SearchPage:
    response: SearchResponse
    request: SearchRequest
    pagination: Pagination
    browse: bool  # no query: the library listed
    newest_default: bool  # listed newest first because there is nothing to rank by
    hits: list[HitView]
    facets: list[FacetView]
    chips: list[Chip]
    histogram: Histogram | None
    panel: Panel | None  # the one jurisdiction chosen
    sorts: dict[str, str]
    page_sizes: list[int]
    links: SearchLinks
    no_results: NoResults | None  # what a search that found nothing offers instead
    here: str = "/"  # this page's URL (where its reading-list buttons come back to)

    @property
    def show_filters(self) -> bool:
        """The sidebar has something to offer: values to tick, or a year range in use."""
        if not self.response.total:
            return False
        return bool(self.histogram) or any(not f.empty for f in self.facets)


def search_page(searcher: Searcher, result: SearchResult, args: list[tuple[str, str]] | None = None) -> SearchPage:
    """Everything the search page shows, with its links."""
    cfg = current_app.config
    resp, req, state = result.response, result.request, result.state
    page_pair = [("page", str(req.page))] if req.page > 1 else []
    first = (req.page - 1) * req.limit + 1
    return SearchPage(
        response=resp,
        request=req,
        pagination=pagination(req, resp.total, state, search_url),
        browse=not req.q.strip(),
        # a query with nothing searchable left is listed like a browse
        newest_default=resp.sort == "newest" and req.sort == "relevance",
        # Each result carries the whole search and its place in it (see .context).
        hits=[hit_view(h, result_pairs(state, first + i)) for i, h in enumerate(resp.hits)],
        facets=facet_views(resp, state, int(cfg["FACET_TOP"]), facet_listing(args or [], VALUE_ORDERS)),
        chips=chips(req, state),
        histogram=histogram(resp, state),
        panel=panel(searcher, resp, state),
        sorts=SORTS,
        page_sizes=sorted(set(int(n) for n in cfg["PAGE_SIZES"]) | {req.limit}),
        links=SearchLinks(
            json=api_search_url(state + page_pair),
            csv=urls.url(url_for("exports.search_csv"), state),
            bibtex=urls.url(url_for("exports.search_bibtex"), state),
            ris=urls.url(url_for("exports.search_ris"), state),
            atom=urls.url(url_for("exports.search_atom"), urls.without(state, ["sort", "limit"])),
            clear=search_url(urls.without(state, [*FILTER_FACETS, "year_from", "year_to"])),
            suggestion=search_url(urls.with_replaced(state, "q", resp.suggestion)) if resp.suggestion else None,
            no_expand=search_url(urls.with_replaced(state, "expand", "0")),
            expand=search_url(urls.with_removed(state, "expand")),
            stemmed=search_url(urls.with_removed(state, "exact")),
            new_search=search_url([]),
            start_over=search_url([]) if state else None,
            apply_filters=search_url([]) + "#filters",
            apply_years=search_url([]) + "#facet-year",
            all_versions=search_url(urls.with_replaced(state, "versions", "all"))
            if resp.documents > resp.total and not req.all_versions
            else None,
            one_version=search_url(urls.with_removed(state, "versions")) if req.all_versions else None,
        ),
        no_results=None if resp.total else no_results(searcher, resp, state),
        here=search_url(state + page_pair),
    )
