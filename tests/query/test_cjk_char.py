"""A single Chinese character finds the documents whose words contain it."""

from __future__ import annotations

from search.model import SearchRequest


def test_a_single_cjk_character_matches(corpus_searcher):
    resp = corpus_searcher.search(SearchRequest(q="碳", expand=False))
    assert resp.total >= 1
    top = resp.hits[0]
    assert top.meta["language"] == "zh"
    marked = "".join(t for p in top.passages for t, hit in p.segments if hit)
    assert "碳" in marked


def test_the_character_finds_what_its_words_find(corpus_searcher):
    one = corpus_searcher.search(SearchRequest(q="碳", expand=False, limit=100))
    word = corpus_searcher.search(SearchRequest(q="碳排放", expand=False, limit=100))
    assert {h.id for h in word.hits} <= {h.id for h in one.hits}
    assert corpus_searcher.count(SearchRequest(q="title:碳", expand=False)) >= 1
