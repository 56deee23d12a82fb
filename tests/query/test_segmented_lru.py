"""The answer cache keeps what is asked for again through a stream of
queries asked once (a segmented LRU)."""

from __future__ import annotations

from search.lru import SegmentedLRU, SizedLRU
from search.model import SearchRequest
from search.query.searcher import Searcher


def _one_offs(cache: SizedLRU, n: int, size: int = 20) -> None:
    for i in range(n):
        cache.put(("once", i), "x" * size)


def test_an_entry_asked_for_again_outlives_a_stream_of_one_offs():
    plain, segmented = SizedLRU(100, len), SegmentedLRU(100, len)
    for cache in (plain, segmented):
        cache.put("popular", "p" * 20)
        assert cache.get("popular")
        _one_offs(cache, 50)
        assert cache.bytes <= cache.budget
    assert plain.get("popular") is None  # a plain LRU lost it to the stream
    assert segmented.get("popular") == "p" * 20
    assert segmented.get(("once", 49)) and segmented.get(("once", 0)) is None


def test_the_protected_part_keeps_to_its_share_and_the_rest_goes_first():
    cache = SegmentedLRU(100, len, protected=0.5)
    for key in "abcd":
        cache.put(key, key * 20)
        assert cache.get(key)
    # Only 50 bytes may be protected: a and b went back on probation, where
    # the next room is made.
    assert cache.protected_bytes == 40 and set(cache._protected) == {"c", "d"}
    cache.put("e", "e" * 20)
    cache.put("f", "f" * 20)
    assert cache.bytes <= 100
    assert cache.get("c") and cache.get("d") and cache.get("f")
    assert cache.get("a") is None


def test_a_new_entry_gets_its_chance_and_the_budget_holds():
    cache = SegmentedLRU(100, len)
    for key in "abcde":
        cache.put(key, key * 20)
        cache.get(key)  # all protected (80 bytes), then e on probation
    cache.put("new", "n" * 30)  # room is made among the protected, not by dropping it
    assert cache.get("new") == "n" * 30 and cache.bytes <= 100
    assert "e" in cache._protected
    cache.put("e", "E" * 10)  # a protected key put again is replaced, on probation
    assert "e" not in cache._protected and "e" in cache._items and cache.get("e") == "E" * 10
    assert cache.bytes == sum(size for _, size in [*cache._items.values(), *cache._protected.values()])
    assert cache.protected_bytes == sum(size for _, size in cache._protected.values())
    cache.resize(25)
    assert cache.bytes <= 25
    cache.clear()
    assert len(cache) == 0 and cache.bytes == cache.protected_bytes == 0


def test_a_popular_answer_survives_many_distinct_searches(index_dir):
    with Searcher(index_dir) as s:
        s.state()
        popular = SearchRequest(q="market stability reserve")
        s.search(popular)
        s.search(popular)  # asked for again
        budget = s._responses.bytes * 3  # room for about three answers
        s._responses.resize(budget)
        for q in ("aviation", "auctioning", "benchmarks", "cement", "offsets", "leakage", "verification", "hydrogen"):
            s.search(SearchRequest(q=q))
            assert s._responses.bytes <= budget
        assert any(popular.q in repr(key) for key in s._responses._protected)


def test_caches_shared_by_threads_keep_their_entries_and_their_count():
    """Six threads on one cache (without its lock: KeyError, and bytes
    counted that no entry held)."""
    import random
    import sys
    import threading

    def hammer(cache: SizedLRU, seed: int, errors: list[str]) -> None:
        rnd = random.Random(seed)
        try:
            for _ in range(20_000):
                key = rnd.randrange(40)
                if rnd.random() < 0.5:
                    cache.get(key)
                else:
                    cache.put(key, "x" * rnd.randrange(1, 30))
        except Exception as e:  # reported below
            errors.append(repr(e))

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often
    try:
        for cache in (SizedLRU(200, len), SegmentedLRU(200, len)):
            errors: list[str] = []
            threads = [threading.Thread(target=hammer, args=(cache, i, errors)) for i in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert errors == []
            protected = dict(getattr(cache, "_protected", {}))
            held = [size for _, size in [*cache._items.values(), *protected.values()]]
            assert cache.bytes == sum(held) <= 200
            assert getattr(cache, "protected_bytes", 0) == sum(size for _, size in protected.values())
    finally:
        sys.setswitchinterval(switch)
