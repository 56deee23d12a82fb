"""A serving worker's caches fit what its index leaves of the memory budget."""

from __future__ import annotations

from search import config
from search.lru import SizedLRU
from search.model import SearchRequest
from search.query.searcher import Searcher

MB = 1 << 20

# The benchmark's large and xlarge indexes: page records and documents.
LARGE = (99_135, 2_699)
XLARGE = (1_016_333, 29_313)


def _page_caches(b: config.CacheBudgets) -> int:
    return sum(getattr(b, k) for k in config.PAGE_CACHES)


def test_an_index_of_100000_pages_leaves_the_caches_their_shares():
    plain = config.cache_budgets()
    assert config.cache_budgets(index=config.index_mb(*LARGE)) == plain
    total = sum(vars(plain).values())
    assert abs(total - config.SERVING_WORKER_MB * config.CACHE_SHARE * MB) < 10


def test_at_1000000_pages_the_page_caches_shrink_and_the_answers_keep_theirs():
    plain = config.cache_budgets()
    big = config.cache_budgets(index=config.index_mb(*XLARGE))
    assert 90 < config.index_mb(*XLARGE) < 100  # what a worker measured: 95 MB
    # The index and a search's reserve leave nothing: the page caches keep
    # their floor, split in their usual proportions.
    assert abs(_page_caches(big) - config.MIN_PAGE_CACHES_MB * MB) < 10
    assert abs(big.postings / big.leaves - plain.postings / plain.leaves) < 1e-6
    assert (big.responses, big.passages, big.suggestions) == (plain.responses, plain.passages, plain.suggestions)
    # The mix's answers at 1,000,000 pages took 9 MB: they still fit.
    assert big.responses > 9 * MB


def test_the_page_caches_never_grow_with_the_index():
    sizes = [_page_caches(config.cache_budgets(index=config.index_mb(r, r // 35))) for r in range(0, 2_000_001, 50_000)]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] > sizes[-1] == _page_caches(config.cache_budgets(index=10_000.0))


def test_a_smaller_budget_lets_the_least_recently_used_go():
    lru = SizedLRU(100, len)
    for key in "abcd":
        lru.put(key, "x" * 25)
    lru.get("a")  # b is now the least recently used
    lru.resize(60)
    assert lru.bytes == 50 and lru.get("b") is None and lru.get("c") is None
    assert lru.get("a") and lru.get("d")
    lru.resize(0)
    assert len(lru) == 0 and lru.bytes == 0


def test_a_searcher_sizes_its_caches_by_the_index_it_opened(index_dir):
    with Searcher(index_dir) as s:
        gen = s.state()
        snap = gen.snap
        want = config.cache_budgets(index=config.index_mb(snap.n_records, snap.n_docs))
        assert snap.cache_budgets() == want
        assert snap._cache.budget == want.postings
        assert gen.evaluator._leaf_cache.budget == want.leaves
        assert s._results.budget == want.results


def test_a_searcher_on_a_large_index_keeps_small_page_caches(index_dir, monkeypatch):
    """The sample corpus made to weigh what 1,000,000 pages do."""
    monkeypatch.setattr(config, "INDEX_DOC_BYTES", 100 * MB)
    with Searcher(index_dir) as s:
        gen = s.state()
        caches = (gen.snap._cache.budget, gen.evaluator._leaf_cache.budget, s._results.budget)
        assert abs(sum(caches) - config.MIN_PAGE_CACHES_MB * MB) < 10
        assert s._responses.budget == config.cache_budgets().responses
        assert s.search(SearchRequest(q="market stability reserve")).total > 0


def test_an_entry_larger_than_the_budget_is_returned_not_kept_when_asked():
    """An evaluated query larger than its cache's budget (a long question
    at 1,000,000 pages) is not held until the next one comes."""
    keeps = SizedLRU(100, len)
    assert keeps.put("big", "x" * 150) == "x" * 150
    assert keeps.get("big") and keeps.bytes == 150  # kept alone: a posting list read twice in a search
    strict = SizedLRU(100, len, oversize=False)
    strict.put("small", "x" * 40)
    assert strict.put("big", "x" * 150) == "x" * 150
    assert strict.get("big") is None and strict.get("small") and strict.bytes == 40
    assert strict.get_or_compute("big", lambda: "y" * 150) == "y" * 150 and len(strict) == 1


def test_a_searchers_evaluated_queries_and_leaves_keep_within_their_budgets(index_dir, monkeypatch):
    # The sample corpus weighs as a huge index, with page caches of a few
    # hundred bytes: every evaluated query and most leaves are larger.
    monkeypatch.setattr(config, "INDEX_DOC_BYTES", 100 * MB)
    monkeypatch.setattr(config, "MIN_PAGE_CACHES_MB", 0.0005)
    with Searcher(index_dir) as s:
        gen = s.state()
        for q in ("market stability reserve", "free allocation benchmarks cement", "aviation emissions"):
            assert s.search(SearchRequest(q=q)).total > 0
            assert s._results.bytes <= s._results.budget
            assert gen.evaluator._leaf_cache.bytes <= gen.evaluator._leaf_cache.budget
        assert len(s._results) == 0  # none fitted, none was kept


def test_the_passage_cache_counts_what_its_passages_hold(index_dir):
    """Its measure is close to the memory tracemalloc sees it free (it
    counted a third of it: at 1,000,000 pages an 8.5 MB budget held 30 MB)."""
    import gc
    import tracemalloc

    with Searcher(index_dir) as s:
        s.state()
        tracemalloc.start()
        try:
            for q in ("market stability reserve", "free allocation benchmarks cement", "aviation emissions",
                      "碳排放权交易", "Emissionshandel", "what are the rules for free allocation of emission allowances"):
                s._responses.clear()  # the passages are made again, not the answer reused
                s.search(SearchRequest(q=q, limit=10, passages=3))
            s._responses.clear()  # the last answer shares its passages' texts
            gc.collect()
            held = tracemalloc.get_traced_memory()[0]
            counted, n = s._passages.bytes, len(s._passages)
            segs = sum(len(p.segments) for p, _ in s._passages._items.values())
            s._passages.clear()
            gc.collect()
            freed = held - tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    assert n > 30
    assert 0.85 * freed <= counted <= 1.2 * freed, (counted, freed, n, segs)


def test_terms_give_one_shared_key_until_they_grow():
    from search.query.evaluate import Terms

    t = Terms(stems={"alloc"}, exacts={"free"})
    first = t.key()
    assert t.key() is first  # every passage of a query shares it
    t.stems.add("benchmark")
    assert t.key() != first and "benchmark" in t.key()[0]


def test_the_answer_cache_counts_what_its_answers_hold(index_dir):
    """Counted from its parts (hits, facet values, versions, passages), an
    answer's size is near what tracemalloc sees it free."""
    import gc
    import tracemalloc

    queries = ("market stability reserve", "free allocation benchmarks cement", "aviation emissions", "",
               "Emissionshandel", "what are the rules for free allocation of emission allowances")
    with Searcher(index_dir) as s:
        s.state()
        tracemalloc.start()
        try:
            counted = freed = 0
            for q in queries:
                for facet_limit in (None, 5):
                    s._passages.clear()  # the answer alone holds its passages
                    s.search(SearchRequest(q=q, limit=10, passages=3, facet_limit=facet_limit))
                    gc.collect()
                    held = tracemalloc.get_traced_memory()[0]
                    counted += s._responses.bytes
                    s._responses.clear()
                    s._passages.clear()
                    gc.collect()
                    freed += held - tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    assert 0.8 * freed <= counted <= 1.5 * freed, (counted, freed)
