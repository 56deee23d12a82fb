"""The search a document was opened from: back to the results, previous and next.

A result link carries the search's whole state (its canonical query string,
:func:`~webui.params.state_pairs`) and the result's position ``n``, as
Blacklight's search context does but without a server session: the
document page rebuilds the search from its own URL, finds the neighbours
at ``n - 1`` and ``n + 1``, and links back to the result page holding
``n``, at that result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from search.model import SearchRequest
from search.query import Searcher

from .. import urls
from ..params import POSITION, position, state_pairs
from .links import doc_url, limits, search_url


def result_pairs(state: urls.Pairs, n: int | None) -> urls.Pairs:
    """What a result link carries: the search state and the result's position."""
    return list(state) + ([(POSITION, str(n))] if n else [])


def results_url(state: urls.Pairs, n: int | None, limit: int) -> str:
    """The result page holding result ``n`` of the search ``state``, at that result."""
    if not n:
        return search_url(state)
    page = (n - 1) // max(1, limit) + 1
    return search_url(state + ([("page", str(page))] if page > 1 else [])) + f"#hit-{n}"


@dataclass
class Neighbour:
    url: str
    title: str


@dataclass
class SearchContext:
    """Where a document stands in the search it was opened from."""

    state: urls.Pairs  # the search's canonical query string
    pairs: urls.Pairs  # what this document's own links carry (state and position)
    back_url: str  # the result page, at this result
    position: int | None = None  # 1-based, when the document is still there
    total: int = 0
    prev: Neighbour | None = None
    next: Neighbour | None = None


def search_context(searcher: Searcher, doc_id: str, req: SearchRequest, args: Iterable[tuple[str, str]]) -> SearchContext:
    """The search ``req`` (parsed from the document URL) around document ``doc_id``.

    Previous and next are offered only when the document is still at
    position ``n`` (a reindex may have moved it): a stale position keeps
    the way back but links no neighbours.
    """
    state = state_pairs(req, limits().default_limit)
    n = position(args)
    back = results_url(state, n, req.limit)
    if n is None:
        return SearchContext(state, list(state), back)
    start = max(0, n - 2)
    ids, total = searcher.ids_at(req, start, n + 1 - start)
    here = n - 1 - start
    if here >= len(ids) or ids[here] != doc_id:
        # Opened from a result's "versions": back to that result, no neighbours.
        if here < len(ids) and _same_work(searcher, ids[here], doc_id):
            return SearchContext(state, list(state), back)
        return SearchContext(state, list(state), search_url(state))
    ctx = SearchContext(state, result_pairs(state, n), back, n, total)
    if here > 0:
        ctx.prev = _neighbour(searcher, ids[here - 1], state, n - 1)
    if here + 1 < len(ids):
        ctx.next = _neighbour(searcher, ids[here + 1], state, n + 1)
    return ctx


def _same_work(searcher: Searcher, a: str, b: str) -> bool:
    fa = (searcher.document(a) or {}).get("family")
    return bool(fa) and fa == (searcher.document(b) or {}).get("family")


def _neighbour(searcher: Searcher, doc_id: str, state: urls.Pairs, n: int) -> Neighbour:
    info = searcher.document(doc_id) or {}
    return Neighbour(doc_url(doc_id, result_pairs(state, n)), str(info.get("title") or doc_id))
