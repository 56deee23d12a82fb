"""A system's documents through the real searcher over the sample corpus index."""

from __future__ import annotations

from search.hub.library import system_library
from search.model import SearchRequest


def test_system_library_matches_the_filtered_search(index_dir):
    from search.query.searcher import Searcher

    s = Searcher(index_dir)
    try:
        lib = system_library(s, ["EU"], n=3)
        direct = s.search(SearchRequest(filters={"jurisdiction": ["EU"]}, limit=1))
        assert lib.total == direct.total > 0
        assert 0 < len(lib.latest) <= 3
        years = [d.year for d in lib.latest if d.year]
        assert years == sorted(years, reverse=True)
        assert sum(n for _, n in lib.by_year) <= lib.total
        assert [y for y, _ in lib.by_year] == sorted(y for y, _ in lib.by_year)
        assert all(d.type == "legislation" for d in lib.legislation)
        assert system_library(s, []).total == 0
    finally:
        s.close()
