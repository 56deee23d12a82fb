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
