"""The relevance failures of issue 10, each on the real documents of the shared
corpus (real-ets/, climate-policy/, more-ets/): long questions, Chinese
sentences, stemming across languages, the glossary's eagerness, words
standing together, and the page and passage a hit shows.

The queries are written for these tests (not the judged set's), and each
check is a property a researcher would notice, not a score."""

from __future__ import annotations

import re

import pytest

from search.model import SearchRequest
from search.query.parse import And, Or, Phrase, Word
from search.query.searcher import Searcher

pytestmark = pytest.mark.shared

FOLDERS = ("real-ets", "climate-policy", "more-ets")


@pytest.fixture(scope="module")
def searcher(shared_corpus, tmp_path_factory):
    from tests.conftest import build_index

    dest = tmp_path_factory.mktemp("relevance-index")
    report = build_index([shared_corpus / f for f in FOLDERS], dest)
    assert report["counts"]["failed"] == 0, report["failures"]
    with Searcher(dest) as s:
        yield s


def _name(hit) -> str:
    return hit.meta["path"].rsplit("/", 1)[-1]


def _marked(hit) -> list[str]:
    return [t.lower() for p in hit.passages for t, m in p.segments if m]


def _nodes(node):
    yield node
    for c in getattr(node, "children", ()):
        yield from _nodes(c)


# -- long questions ---------------------------------------------------------------------


def test_a_long_question_finds_the_reports_that_answer_it_without_every_word(searcher):
    q = "how does the company test the resilience of its portfolio against climate scenarios"
    resp = searcher.search(SearchRequest(q=q, limit=10))
    top3 = [_name(h) for h in resp.hits[:3]]
    assert any(n.startswith(("BHP_", "Rio_Tinto_")) for n in top3), top3
    # Most words, not all: more documents than hold every word, and the note says so.
    assert any(re.search(r"at least \d+ of (them|\d+ words)", n) for n in resp.notes), resp.notes
    plan = searcher.plan(SearchRequest(q=q))
    words = [n for n in _nodes(plan.node) if isinstance(n, Word)]
    assert resp.total > 5 and len(words) >= 5


def test_minimum_should_match_keeps_a_document_lacking_one_word(searcher):
    # Seven content words: documents with five or six of them still match.
    q = "free allocation benchmark values cement clinker installations revision"
    full = searcher.search(SearchRequest(q=q, limit=50, passages=0))
    every = searcher.search(SearchRequest(q=" AND ".join(q.split()), limit=50, passages=0))
    assert full.total > every.total


# -- Chinese typed as a sentence -----------------------------------------------------------


@pytest.mark.parametrize("expand", [True, False])
def test_a_chinese_question_finds_the_regulation(searcher, expand):
    resp = searcher.search(SearchRequest(q="重点排放单位应当如何清缴配额", limit=5, expand=expand))
    assert resp.total > 0
    assert resp.hits[0].meta["language"] == "zh"
    assert any("Read as the words" in n for n in resp.notes)
    # The passage shows the question's words, not its function words.
    marked = "".join(_marked(resp.hits[0]))
    assert "清缴" in marked and "如何" not in marked and "应当" not in marked


def test_a_chinese_keyword_still_finds_its_bigrams_in_place(searcher):
    resp = searcher.search(SearchRequest(q="配额", limit=3, expand=False))
    assert resp.total >= 1 and resp.hits[0].meta["language"] == "zh"


# -- stemming by language --------------------------------------------------------------------


def test_a_stem_of_another_language_does_not_match(searcher):
    # German Snowball stems "dividend" like English "divided": that must not count.
    resp = searcher.search(SearchRequest(q="climate dividend", limit=20, expand=False))
    assert resp.hits and _name(resp.hits[0]).startswith("DIW_")
    for h in resp.hits:
        assert not any(w.startswith("divid") and not w.startswith("dividend") for w in _marked(h)), (_name(h), _marked(h))


def test_internal_is_not_international(searcher):
    resp = searcher.search(SearchRequest(q="internal carbon price", limit=10, expand=False))
    marked = [w for h in resp.hits for w in _marked(h)]
    assert "internal" in marked
    assert not any(w.startswith("international") for w in marked)
    nat = searcher.search(SearchRequest(q="nation", limit=20, passages=3, expand=False))
    assert not any(w.startswith("national") for h in nat.hits for w in _marked(h))


def test_the_form_typed_scores_above_a_stem_only_match(searcher):
    from search.query.evaluate import Params

    plan = searcher.plan(SearchRequest(q="allowances", expand=False))
    assert Params().stem_only_weight < 1
    stricter = Searcher(searcher.root, Params(stem_only_weight=1.0))
    try:
        same = stricter.plan(SearchRequest(q="allowances", expand=False))
        assert (plan.scored.mask == same.scored.mask).all()  # who matches is unchanged
        assert (plan.scored.score != same.scored.score).any()  # how they rank is not
    finally:
        stricter.close()


# -- the glossary -----------------------------------------------------------------------------


def test_an_acronym_with_a_number_must_stand_together(searcher):
    node = searcher.plan(SearchRequest(q="ETS 2")).node
    typed = [n for n in _nodes(node) if isinstance(n, Or) and n.synonyms][0].children[0]
    assert typed == Phrase("ETS 2")
    top = [_name(h) for h in searcher.search(SearchRequest(q="ETS 2", limit=10)).hits]
    assert any(n.startswith("CELEX_32023L0959") for n in top), top


def test_an_ambiguous_acronym_expands_only_in_its_context(searcher):
    alone = searcher.search(SearchRequest(q="NAP", limit=50, passages=0))
    # Without a context word the expansions count only on allocation documents;
    # the adaptation review that says NAP (adaptation plan) is found for the acronym itself.
    for h in alone.hits:
        assert "allocation" in (h.meta["topics"] or []) or _name(h).startswith("SWD_2023_932"), _name(h)
    node = searcher.plan(SearchRequest(q="NAP allocation")).node
    alts = [n for n in _nodes(node) if isinstance(n, Or) and n.synonyms]
    assert alts and not any(isinstance(c, And) and not c.implicit for c in alts[0].children[1:])


def test_expansions_into_other_languages_rank_below_the_words_typed(searcher):
    resp = searcher.search(SearchRequest(q="碳排放权交易", limit=10))
    assert resp.hits[0].meta["language"] == "zh"
    node = searcher.plan(SearchRequest(q="碳排放权交易")).node
    assert isinstance(node, Or) and node.synonyms
    # The other languages' terms weigh less; the words typed, split apart, do not.
    other = [w for c, w in zip(node.children[1:], node.weights[1:]) if not isinstance(c, And)]
    assert node.weights[0] == 1.0 and other and max(other) < 1.0


# -- words standing together --------------------------------------------------------------------


def test_words_standing_together_rank_higher_without_quotes(searcher):
    resp = searcher.search(SearchRequest(q="Social Climate Fund", limit=5, expand=False))
    first = resp.hits[0].passages[0]
    text = " ".join(t for t, _ in first.segments).lower()
    assert "social climate fund" in re.sub(r"\s+", " ", text)
    plan = searcher.plan(SearchRequest(q="Social Climate Fund", expand=False))
    assert len(plan.scored.near) == 2


def test_a_phrase_found_nowhere_is_read_as_its_words(searcher):
    resp = searcher.search(SearchRequest(q='"nationales Emissionshandelssystem"', limit=5))
    assert resp.total > 0 and any("No document has the exact phrase" in n for n in resp.notes)
    assert _name(resp.hits[0]).startswith(("BEHG", "TEHG"))


def test_a_quoted_glossary_term_found_nowhere_falls_back_to_its_equivalents(searcher):
    # No law of the corpus has the phrase as typed; the fuel-ETS ordinances
    # name the system only as "Brennstoffemissionshandelsgesetz" (an equivalent).
    q = '"nationales Emissionshandelssystem"'
    expanded = searcher.search(SearchRequest(q=q, limit=20))
    typed = searcher.search(SearchRequest(q=q, limit=20, expand=False))
    assert any("glossary equivalents" in n for n in expanded.notes)
    names = [_name(h) for h in expanded.hits]
    assert names[0].startswith("BEHG")  # the words typed, standing together, come first
    only_equivalents = {n for n in names if n.startswith(("EBeV", "BEHV", "BECV"))} - {_name(h) for h in typed.hits}
    assert only_equivalents, names


def test_a_quoted_phrase_found_as_typed_is_not_expanded(searcher):
    q = '"market stability reserve"'
    expanded = searcher.search(SearchRequest(q=q, limit=20))
    typed = searcher.search(SearchRequest(q=q, limit=20, expand=False))
    assert expanded.total == typed.total > 0
    assert [h.id for h in expanded.hits] == [h.id for h in typed.hits]
    assert not any("equivalents" in n for n in expanded.notes)


def test_a_chinese_question_reaches_english_pages_through_ets_concepts(searcher):
    # 分配 (allocation) and 排放报告 (emissions report) are concepts of the
    # glossary: the EU texts that answer are found, on the pages about them.
    resp = searcher.search(SearchRequest(q="配额如何分配", limit=10))
    english = [h for h in resp.hits if h.meta["language"] == "en"]
    assert resp.hits[0].meta["language"] == "zh" and english
    assert any(w.startswith("allocat") for h in english[:3] for w in _marked(h))
    resp = searcher.search(SearchRequest(q="重点排放单位的排放报告", limit=10))
    assert any(_name(h).startswith("CELEX_02018R2066") for h in resp.hits)


def test_a_chinese_glossary_term_typed_also_matches_its_words_apart(searcher):
    # 操纵市场 (market manipulation) is one glossary term; the State Council
    # regulation writes 操纵全国碳排放权交易市场, its words apart.
    resp = searcher.search(SearchRequest(q="操纵市场的处罚", limit=5))
    assert resp.hits and _name(resp.hits[0]).startswith("碳排放权交易管理暂行条例")


# -- pages and passages -------------------------------------------------------------------------


def test_the_passage_shows_the_question_not_one_word(searcher):
    resp = searcher.search(SearchRequest(q="monitoring plan tiers approval", limit=5, expand=False))
    for h in resp.hits[:3]:
        stems = {w[:5] for w in _marked(h)}
        assert len(stems) >= 2, (_name(h), _marked(h))


def test_pages_are_ranked_for_the_question_as_a_whole(searcher):
    q = "which scope 3 emission reduction targets has the company set"
    resp = searcher.search(SearchRequest(q=q, limit=5))
    hit = next(h for h in resp.hits if _name(h).startswith(("BHP_", "Rio_Tinto_", "CostCo_")))
    first = {w[:5] for w in _marked(hit) if w[:5] in ("scope", "emiss", "reduc", "targe", "3")}
    assert len(first) >= 3, _marked(hit)


def _pages_of(searcher, name: str, q: str, limit: int = 3) -> list[int]:
    doc = next(d for d in searcher.documents() if d["path"].endswith(name))
    return [p.page for p in searcher.document_pages(doc["id"], SearchRequest(q=q), limit=limit)]


def test_a_glossary_page_does_not_outrank_the_pages_that_discuss_the_question(searcher):
    from search.query.evaluate import Params

    name = "BHP_Climate_Transition_Action_Plan_2021.pdf"
    q = "which greenhouse gas emissions targets and goals does the company report"
    doc = next(d for d in searcher.documents() if d["path"].endswith(name))
    assert 23 in doc["nav_pages"], doc["nav_pages"]  # "Glossary" heads page 23
    with Searcher(searcher.root, params=Params(nav_weight=1.0)) as plain:
        assert _pages_of(plain, name, q)[0] == 23  # every word of the question has its entry
    top = _pages_of(searcher, name, q)
    assert 23 not in top and 8 in top, top  # page 8: the targets and goals themselves


def test_a_contents_page_does_not_outrank_the_pages_that_discuss_the_question(searcher):
    name = "NearZero_WCI-RULES_model_documentation.pdf"
    doc = next(d for d in searcher.documents() if d["path"].endswith(name))
    assert {2, 3, 4} <= set(doc["nav_pages"]), doc["nav_pages"]
    top = _pages_of(searcher, name, "how are offsets retired and what limits apply to offset usage", limit=4)
    assert not {2, 3, 4} & set(top) and 31 in top, top  # 3.6.1 Limits on offset usage


def test_a_document_without_a_page_holding_every_word_still_lists_its_best_pages(searcher):
    # "maritime" and "clinker" are both in the carbon market report, never on one page.
    q = "maritime clinker"
    hit = next(h for h in searcher.search(SearchRequest(q=q, limit=5)).hits if _name(h) == "EC_2024_carbon_market_report_en.pdf")
    assert hit.matched_pages == 0
    pages = [p.page for p in searcher.document_pages(hit.id, SearchRequest(q=q), limit=3)]
    assert pages and pages == [p.page for p in hit.passages]  # the document page shows what the hit showed


def test_a_page_holding_the_question_in_one_paragraph_outranks_a_page_holding_its_words_apart(searcher):
    from search.query.evaluate import Params

    name = "BHP_Climate_Change_Report_2020.pdf"
    q = "how does the company set its internal carbon price"
    # Page 45 continues the glossary (no heading of its own): "Internal Audit
    # and Advisory", "Internal combustion engine", a company here, carbon
    # there. Page 15, the portfolio analysis, prices carbon in its text.
    with Searcher(searcher.root, params=Params(span_window=0)) as whole_page:
        assert _pages_of(whole_page, name, q)[0] == 45
    assert _pages_of(searcher, name, q)[0] == 15
