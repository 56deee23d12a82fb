"""In-process search latency: etslib beside SQLite FTS5 and tantivy.

etslib runs through ``Searcher.search`` (the code path of the web page and
``/api/search``) with 10 results, 3 passages per hit and every facet
value. *Cold* is the first run of a query with the searcher's in-process
caches emptied (query results, evaluated leaves, decoded postings; the
index stays open, as in a running server); *warm* repeats the same
request at once. The references have no result caches; each runs the same
request once per round.

etslib runs cold twice: with glossary expansion (the web page's default:
"allowances" also searches 18 equivalents such as 配额 and
"emission permit") and with the query as typed, which is the work the
references do (they have no glossary). The ratio targets compare the
latter; both are reported.

Rounds interleave the engines query by query (etslib cold, etslib warm,
FTS5, tantivy), after one unmeasured warm-up round, so a noisy machine
slows all of them alike. Percentiles are over every (query, round) sample.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, Callable

from .common import latency_summary, log
from .queries import Query


def clear_caches(searcher: Any) -> str:
    """Empty etslib's in-process caches; returns how it was done."""
    fn = getattr(searcher, "clear_caches", None)
    if callable(fn):
        fn()
        return "Searcher.clear_caches()"
    # Until Searcher.clear_caches() exists: the three caches by name.
    getattr(searcher, "_results", {}).clear()
    st = getattr(searcher, "_state", None)
    if st is not None:
        getattr(st.evaluator, "_leaf_cache", {}).clear()
        getattr(st.snap, "_cache", {}).clear()
    return "private attributes: Searcher._results, Evaluator._leaf_cache, Snapshot._cache"


def request_for(q: Query, *, expand: bool = True):
    from search.model import SearchRequest

    return SearchRequest(q=q.q, filters=q.filter_dict, year_from=q.year_from, year_to=q.year_to, sort=q.sort,
                         page=q.page, limit=10, passages=3, facet_limit=None, expand=expand)


def run(index: Path, queries: list[Query], *, rounds: int, fts_db: Path | None, tantivy_dir: Path | None,
        skipped_refs: dict[str, str]) -> dict[str, Any]:
    """Latencies of every engine on the same queries (milliseconds)."""
    from search.query.searcher import Searcher

    t0 = time.perf_counter()
    searcher = Searcher(index)
    searcher.state()
    open_s = time.perf_counter() - t0

    engines: dict[str, Callable[[Query], dict[str, Any]]] = {}
    closers = []
    how = clear_caches(searcher)

    def etslib_cold(q: Query) -> dict[str, Any]:
        clear_caches(searcher)
        return _etslib_result(searcher.search(request_for(q)))

    def etslib_cold_typed(q: Query) -> dict[str, Any]:
        clear_caches(searcher)
        return _etslib_result(searcher.search(request_for(q, expand=False)))

    def etslib_warm(q: Query) -> dict[str, Any]:
        return _etslib_result(searcher.search(request_for(q)))

    # Warm repeats the glossary-on request just run cold, so it goes next.
    engines["etslib_cold"] = etslib_cold
    engines["etslib_warm"] = etslib_warm
    engines["etslib_cold_typed"] = etslib_cold_typed
    if fts_db is not None:
        from .fts5 import Fts5Engine

        fe = Fts5Engine(fts_db)
        engines["fts5"] = fe.search
        closers.append(fe.close)
    if tantivy_dir is not None:
        from .tantivy_ref import TantivyEngine

        te = TantivyEngine(tantivy_dir)
        engines["tantivy"] = te.search
        closers.append(te.close)

    samples: dict[str, list[float]] = {name: [] for name in engines}
    per_query: dict[str, dict[str, list[float]]] = {q.label(): {name: [] for name in engines} for q in queries}
    totals: dict[str, dict[str, int]] = {q.label(): {} for q in queries}
    errors: list[str] = []
    log(f"search: {len(queries)} queries × {rounds} rounds × {len(engines)} engines (+1 warm-up round)")
    for rnd in range(rounds + 1):
        for q in queries:
            for name, fn in engines.items():
                t1 = time.perf_counter()
                try:
                    res = fn(q)
                except Exception as e:
                    errors.append(f"{name}: {q.label()}: {type(e).__name__}: {e}")
                    continue
                ms = (time.perf_counter() - t1) * 1000
                if rnd == 0:
                    totals[q.label()][name] = res["total"]
                    continue
                samples[name].append(ms)
                per_query[q.label()][name].append(ms)
    for close in closers:
        close()
    searcher.close()

    out: dict[str, Any] = {
        "queries": len(queries),
        "rounds": rounds,
        "request": "limit=10, passages=3, facet_limit=None (all six facets, every value); etslib_cold and etslib_warm with "
                   "glossary expansion (the web default), etslib_cold_typed without (the query as typed, as the references run it)",
        "cold_means": how,
        "searcher_open_seconds": round(open_s, 3),
        "engines": {name: latency_summary(ms) for name, ms in samples.items()},
        "methods": {
            "etslib": "Searcher.search(SearchRequest(..., limit=10, passages=3, facet_limit=None, expand=True|False)); "
                      "cold: caches emptied before the call",
            "fts5": "matches into a temp table (bm25, title weight 5), six GROUP BY facet counts each without its own filter, "
                    "COUNT, a page of 10 with jurisdictions/topics, then per hit the 3 best pages (rowid range) with snippet()",
            "tantivy": "BM25 top 10 (or date order) with count, terms aggregations on fast fields (one request for the unselected "
                       "facets, one per selected facet and the year), per hit the 3 best pages with SnippetGenerator",
            "translation": "the etslib query rewritten by benchlib.queries (stopwords dropped, long questions as OR, CJK as "
                           "character phrases); no glossary expansion in the references",
        },
        "errors": errors,
        "per_query": [
            {"query": label, "kind": q.kind, "median_ms": {n: round(statistics.median(v), 3) for n, v in per_query[label].items() if v},
             "total": totals[label]}
            for q in queries for label in [q.label()]
        ],
    }
    for name, reason in skipped_refs.items():
        out["engines"][name] = {"skipped": reason}
    for engine in ("etslib_cold", "etslib_cold_typed"):
        by_kind: dict[str, list[float]] = {}
        for row in out["per_query"]:
            if engine in row["median_ms"]:
                by_kind.setdefault(row["kind"], []).append(row["median_ms"][engine])
        out[f"{engine}_median_by_kind_ms"] = {k: round(statistics.median(v), 2) for k, v in by_kind.items()}
    return out


def _etslib_result(resp: Any) -> dict[str, Any]:
    return {"total": resp.total, "hits": resp.hits, "facets": resp.facets}
