"""A single Chinese character finds the documents whose words contain it."""

from __future__ import annotations

from search.model import SearchRequest


def test_a_single_cjk_character_matches(corpus_searcher):
    resp = corpus_searcher.search(SearchRequest(q="碳", expand=False))
    assert resp.total >= 1
    top = resp.hits[0]
    assert top.meta["language"] == "zh"
    marked = [t for p in top.passages for t, hit in p.segments if hit]
    assert marked and set(marked) == {"碳"}  # the character itself, not the bigrams it starts


def test_the_character_finds_what_its_words_find(corpus_searcher):
    one = corpus_searcher.search(SearchRequest(q="碳", expand=False, limit=100))
    word = corpus_searcher.search(SearchRequest(q="碳排放", expand=False, limit=100))
    assert {h.id for h in word.hits} <= {h.id for h in one.hits}
    assert corpus_searcher.count(SearchRequest(q="title:碳", expand=False)) >= 1


def test_the_character_is_marked_wherever_it_stands():
    from search.text.analysis import match_spans

    text = "全国碳排放权交易市场，低碳发展。"
    assert [text[a:b] for a, b in match_spans(text, "zh", set(), {"碳"})] == ["碳", "碳"]
    other = "İstanbul 碳市场"  # İ lower-cases longer: the word-by-word path
    assert [other[a:b] for a, b in match_spans(other, "zh", set(), {"碳"})] == ["碳"]


def test_a_character_beside_a_word_is_searched_and_marked(corpus_searcher, client):
    """碳 排放 ("carbon emissions" typed with a space) mixes a single
    character with a word's bigrams: marking the character where no bigram
    starts raised TypeError, and the search answered 500."""
    resp = corpus_searcher.search(SearchRequest(q="碳 排放", limit=5, passages=3))
    assert resp.total >= 1
    marked = {t for h in resp.hits for p in h.passages for t, hit in p.segments if hit}
    assert "碳" in marked and any("排放" in t for t in marked)
    for path in ("/?q=碳+排放", "/api/search?q=碳+排放", "/?q=权+交易"):
        assert client.get(path).status_code == 200, path


def test_overlapping_terms_are_marked_as_one_stretch():
    from search.text.analysis import match_spans

    text = "碳市场的碳排放和交易"
    spans = match_spans(text, "zh", set(), {"碳", "碳排", "排放", "放和"})
    assert [text[a:b] for a, b in spans] == ["碳", "碳排放和"]
    assert [text[a:b] for a, b in match_spans(text, "zh", set(), {"交易"})] == ["交易"]
