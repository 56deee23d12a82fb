"""Running requests against the live index: the one entry point shared by
the command line, the web pages and their JSON twins.

:class:`Searcher` is a facade. It keeps what belongs to one index
generation (:class:`~.generation.Generation`, rebuilt when
:class:`~search.index.live.LiveIndex` hands out a newer snapshot) and the
caches; every request goes through one :func:`~.plan.make_plan` step, and
the roles live in their own modules: :mod:`.rank`, :mod:`.hits`,
:mod:`.facets`, :mod:`.suggest`, :mod:`.related`, :mod:`.documents`,
:mod:`.stats`.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterator

from .. import config
from ..heap import HeapTrim, freeze_long_lived, release_free_memory
from ..index import IndexProblem, IndexRoot, Snapshot
from ..index.live import LiveIndex
from ..lru import SegmentedLRU, SizedLRU
from ..model import Hit, Passage, SearchRequest, SearchResponse
from . import budget, documents, suggest
from .contract import stats_json
from .evaluate import Params, Terms
from .facets import facet_counts
from .generation import Generation
from .hits import hit_meta, page_hits, passage_bytes, passage_cache, versions_of
from .plan import Plan, make_plan
from .rank import export_rows, final_scores, ranked
from .related import related
from .stats import IndexStats, index_stats


class Searcher:
    """Searches the index at ``root``; thread-safe for reads."""

    def __init__(
        self,
        root: str | Path | IndexRoot,
        params: Params | None = None,
        *,
        glossary=None,
        snapshot_class: Callable[..., Snapshot] = Snapshot,  # tests swap in a reader built on Whoosh's matchers
        freeze: bool = False,
    ):
        """:param freeze: a long-lived process (a server worker) whose index
            generations are left out of the garbage collector's full passes
            (:func:`search.heap.freeze_long_lived`) once opened."""
        self.root = root if isinstance(root, IndexRoot) else IndexRoot(root)
        self.params = params or Params()
        # A searcher's snapshots are lean (metadata a search never reads is
        # left out of memory; document() reads it from the index).
        self._live = LiveIndex(self.root, functools.partial(snapshot_class, lean=True))
        self._glossary = glossary
        self._gen: Generation | None = None
        self._lock = threading.Lock()
        budgets = config.cache_budgets()
        # Evaluated queries by (generation, tree, switches): see make_plan.
        # An evaluated query larger than the budget is not kept: at
        # 1,000,000 pages a long question's (21 MB) stayed until the next
        # query came, above the 4 MB the budget gives there.
        self._results = SizedLRU(budgets.results, lambda r: r[0].nbytes(), oversize=False)
        self._suggestions = SizedLRU(budgets.suggestions, lambda s: 100 + 2 * len(s))
        self._passages = passage_cache(budgets.passages)
        # Whole answers by (generation, request): a popular query, a page
        # reload or the JSON twin of a page just shown costs a lookup.
        # Segmented, so queries asked once do not push out popular ones:
        # replaying streams of real 1,000,000-page answers through 17 MB,
        # hits went from 0.23, 0.46, 0.69 to 0.33, 0.54, 0.74 for queries
        # drawn from 3,000 by Zipf's law (s = 0.8, 1, 1.2).
        self._responses = SegmentedLRU(budgets.responses, lambda entry: entry[1])  # (answer, its size)
        # A search at 1,000,000 pages frees tens of MB of arrays that the C
        # heap would keep (a worker after 12 searches: 329 MB, 223 once
        # trimmed, in 2.3 ms).
        self._heap = HeapTrim(trim=release_free_memory)
        self._freeze = freeze

    # -- lifecycle --------------------------------------------------------------

    def state(self) -> Generation:
        """The live generation, rebuilt when ingest has published a newer one."""
        snap = self._live.snapshot()
        gen = self._gen
        if gen is not None and gen.snap is snap:
            return gen
        with self._lock:
            gen = self._gen
            if gen is None or gen.snap is not snap:
                gen = self._gen = Generation.of(snap, self.params)
                self._results.clear()
                self._results.resize(snap.cache_budgets().results)  # an index's size sets it
                self._responses.clear()
                if self._freeze:
                    freeze_long_lived()
                # Reading every document's metadata left much freed memory
                # that the C heap would otherwise keep.
                release_free_memory()
            return gen

    def clear_caches(self) -> None:
        """Forget every cached result, posting list and passage (benchmarks
        measure cold searches this way); the index stays open."""
        self._results.clear()
        self._suggestions.clear()
        self._passages.clear()
        self._responses.clear()
        if self._gen is not None:
            self._gen.evaluator.clear_cache()
            self._gen.snap.clear_cache()

    def warm_up(self) -> None:
        """Load the index arrays and the data files now, not on the first
        request (a server worker calls this once at start)."""
        from ..text.segment import warm_up as load_segmenter
        from ..vocab.jurisdictions import load as load_jurisdictions

        self.glossary.find("emissions trading")
        load_jurisdictions()
        load_segmenter()
        try:
            self.search(SearchRequest(q="emissions trading", limit=1))
        except IndexProblem:
            pass  # no index yet: the first request says so
        if self._freeze:
            freeze_long_lived()  # what the first search loaded too

    def close(self) -> None:
        self._heap.close()
        self._live.close()
        self._gen = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def glossary(self):
        if self._glossary is None:
            from ..vocab.glossary import load

            self._glossary = load()
        return self._glossary

    # -- planning and searching -------------------------------------------------

    def plan(self, req: SearchRequest) -> Plan:
        """The request read and evaluated (see :mod:`.plan`)."""
        return self._plan(self.state(), req)

    def _plan(self, gen: Generation, req: SearchRequest, *, filters_resolved: bool = False) -> Plan:
        # Every plan runs under the request's time budget (one is opened
        # here when the caller has none; an inner one keeps the earlier end).
        with budget.limit():
            return self._make_plan(gen, req, filters_resolved)

    def _make_plan(self, gen: Generation, req: SearchRequest, filters_resolved: bool) -> Plan:
        return make_plan(gen, req, glossary=lambda: self.glossary, results=self._results, filters_resolved=filters_resolved)

    def search(self, req: SearchRequest, *, clamp_page: bool = False) -> SearchResponse:
        """One page of results with facets, notes and a suggestion.

        :param clamp_page: a page past the end gives the last page and a
            note (the web pages); otherwise it is empty (the command line).
        """
        t0 = time.perf_counter()
        gen = self.state()
        key = (gen.snap.generation, clamp_page, repr(req))
        entry = self._responses.get(key)
        if entry is not None:
            cached = entry[0]
            # A copy: callers set fields of their answer (notes).
            return replace(cached, notes=list(cached.notes), elapsed_ms=(time.perf_counter() - t0) * 1000)
        with budget.limit():
            resp = self._search(gen, req, clamp_page)
        # An answer cut short by the time budget depends on the moment, not the query.
        if not resp.timed_out_facets and budget.NOTE not in resp.notes:
            size = _response_bytes(resp)
            if size <= self._responses.budget // 16:
                self._responses.put(key, (replace(resp, notes=list(resp.notes)), size))
        self._heap.worked()
        return resp

    def _search(self, gen: Generation, req: SearchRequest, clamp_page: bool) -> SearchResponse:
        with gen.evaluator.request():  # the pages shown match from the leaves evaluated
            return self._answer(gen, req, clamp_page)

    def _answer(self, gen: Generation, req: SearchRequest, clamp_page: bool) -> SearchResponse:
        t0 = time.perf_counter()
        plan = self._plan(gen, req)
        req = plan.request
        notes = list(plan.notes)
        pages = max(1, -(-plan.total // req.limit))
        if clamp_page and plan.total and req.page > pages:
            notes.insert(0, f"There are only {pages} page{'s' if pages > 1 else ''} of results: showing the last one.")
            req = replace(req, page=pages)
        final = final_scores(gen, plan, self.params)
        start = (req.page - 1) * req.limit
        rows = ranked(gen, plan, final, need=req.page * req.limit)[start : start + req.limit]
        return SearchResponse(
            total=plan.total,
            hits=page_hits(gen, plan, final, rows, self._passages),
            facets=facet_counts(gen.table, plan, req.facet_limit),
            request=req,
            notes=notes,
            expansions=plan.expansions,
            suggestion=suggest.suggestion(gen.snap, plan, lambda alt: self._plan(gen, alt, filters_resolved=True), self._suggestions),
            interpreted=plan.interpreted,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
            generation=gen.snap.generation,
            sort=plan.sort,
            documents=plan.documents,
        )

    def count(self, req: SearchRequest) -> int:
        """How many works match (documents, with ``all_versions``): no
        ranking, facets or passages."""
        return self.plan(req).total

    def ids_at(self, req: SearchRequest, start: int, count: int) -> tuple[list[str], int]:
        """The ids of results ``start`` to ``start + count`` (0-based, in
        result order; fewer at the end) and the total: a document page's
        neighbours in the search it was opened from."""
        gen = self.state()
        plan = self._plan(gen, req)
        start = max(0, start)
        if count <= 0 or start >= plan.total:
            return [], plan.total
        final = final_scores(gen, plan, self.params)
        rows = ranked(gen, plan, final, need=start + count)[start : start + count]
        return [gen.snap.infos[r]["id"] for r in rows.tolist()], plan.total

    def iter_matching(self, req: SearchRequest) -> Iterator[dict[str, Any]]:
        """Every match's metadata and score, in result order (for exports):
        one a work, its newest matching version, unless ``all_versions``."""
        gen = self.state()
        plan = self._plan(gen, req)
        final = final_scores(gen, plan, self.params)
        for row in export_rows(gen, plan, final).tolist():
            meta = hit_meta(gen.snap.full_info(row))
            meta["score"] = float(final[row])
            yield meta

    # -- documents --------------------------------------------------------------

    def document(self, doc_id: str) -> dict[str, Any] | None:
        gen = self.state()
        row = gen.row_of(doc_id)
        return None if row is None else dict(gen.snap.full_info(row))

    def versions(self, doc_id: str) -> list[dict[str, Any]]:
        """Every version of a document's work (its family, itself included),
        newest first; empty for a document alone or unknown."""
        gen = self.state()
        row = gen.row_of(doc_id)
        return [] if row is None else versions_of(gen, row, include_self=True)

    def documents(self) -> list[dict[str, Any]]:
        """Every indexed document's stored metadata, in index order, read
        from the index (a searcher keeps only what searching needs): for
        the staff pages and the CLI. At 1,000,000 pages (29,313 documents)
        this took 4.3 s on a busy machine, against well under one for
        metadata held in memory."""
        snap = self.state().snap
        return [dict(snap.full_info(row)) for row in range(snap.n_docs)]

    def page_texts(self, doc_id: str) -> list[str] | None:
        """A document's text page by page (blank pages as ""), or None."""
        gen = self.state()
        row = gen.row_of(doc_id)
        return None if row is None else documents.page_texts(gen, row)

    def marked_texts(self, doc_id: str, req: SearchRequest) -> list[list[tuple[str, bool]]] | None:
        """A document's pages as segments ``(text, is_match)`` with the
        query's words marked (none without a query), or None if unknown."""
        gen = self.state()
        row = gen.row_of(doc_id)
        if row is None:
            return None
        terms = self._plan(gen, replace(req, filters={}, year_from=None, year_to=None)).terms if req.q.strip() else Terms()
        return documents.marked_pages(gen, row, terms)

    def document_pages(self, doc_id: str, req: SearchRequest, limit: int = 50) -> list[Passage]:
        """The pages of one document that match a query, best first (the
        request's filters and years do not apply within a document)."""
        gen = self.state()
        row = gen.row_of(doc_id)
        if row is None or not req.q.strip():
            return []
        plan = self._plan(gen, replace(req, filters={}, year_from=None, year_to=None))
        return documents.matching_pages(gen, plan, row, limit, self._passages)

    def related(self, doc_id: str, n: int = 5) -> list[Hit]:
        """More like this: documents sharing the most distinctive title and topic words."""
        gen = self.state()
        row = gen.row_of(doc_id)
        return [] if row is None else related(gen, row, n)

    # -- the index as a whole ---------------------------------------------------

    def index_stats(self) -> IndexStats:
        return index_stats(self.state())

    def stats(self) -> dict[str, Any]:
        """:meth:`index_stats` as ``etslib stats --json`` prints it."""
        return stats_json(self.index_stats())


def _response_bytes(resp: SearchResponse) -> int:
    """About what an answer holds in memory, counted from its parts.

    Pickling it to measure took 0.4-0.9 ms a search (3% of a cold one at
    100,000 pages). The constants were fitted with tracemalloc on 184 answers at
    100,000 and 1,000,000 pages (the mix, distinct queries, the web page's
    facet limit): each came within 0.88-1.27 of its real size, the totals
    within 3%. Its passages count in full, although the passage cache
    shares them while it keeps them.
    """
    n = _ANSWER_BYTES + _FACET_VALUE_BYTES * sum(len(values) for values in resp.facets.values())
    for hit in resp.hits:
        n += _META_KEY_BYTES * len(hit.meta) + sum(len(v) for v in hit.meta.values() if isinstance(v, str))
        n += _VERSION_BYTES * len(hit.versions) + sum(passage_bytes(p) for p in hit.passages)
    return n


_ANSWER_BYTES = 3_000
_FACET_VALUE_BYTES = 200
_META_KEY_BYTES = 120
_VERSION_BYTES = 330
