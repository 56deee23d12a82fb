"""One searcher shared by threads answers as it does alone (it says it is
thread-safe for reads; the development server runs requests in threads).
Without locks, its caches raised KeyError and Whoosh's shared file objects
gave threads each other's bytes."""

from __future__ import annotations

import sys
import threading
import traceback

from search.model import SearchRequest
from search.query.searcher import Searcher

QUERIES = ("market stability reserve", "free allocation benchmarks cement", "aviation emissions", "Emissionshandel",
           "碳排放权交易", "\"emissions trading\"", "allowances NOT aviation", "verif*", "", "auction OR auctioning",
           "alowances", "allocat* benchmark*")


def test_threads_sharing_a_searcher_with_small_caches_get_the_answers_it_gives_alone(index_dir):
    with Searcher(index_dir) as s:
        alone = {q: (r.total, [h.id for h in r.hits]) for q in QUERIES for r in [s.search(SearchRequest(q=q))]}
        # Caches of a few entries: every thread's searches push out the others'.
        for cache in (s._responses, s._passages, s._results, s.state().evaluator._leaf_cache, s.state().snap._cache):
            cache.resize(max(1, cache.bytes // 8))
        s.clear_caches()
        errors: list[str] = []
        got: list[tuple[str, int, list[str]]] = []

        def work(offset: int) -> None:
            try:
                for i in range(3 * len(QUERIES)):
                    q = QUERIES[(i + offset) % len(QUERIES)]
                    r = s.search(SearchRequest(q=q))
                    got.append((q, r.total, [h.id for h in r.hits]))
            except Exception as e:  # reported below
                errors.append(traceback.format_exc())

        switch = sys.getswitchinterval()
        sys.setswitchinterval(1e-5)
        try:
            threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(switch)
    assert errors == [], errors[0] if errors else ""
    assert len(got) == 4 * 3 * len(QUERIES)
    assert all((total, ids) == alone[q] for q, total, ids in got)
