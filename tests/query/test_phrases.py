"""Phrases counted whole at ingest (search.text.phrases) find exactly what
their words' positions find, on a real index, and faster paths never
change an answer."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from search.index import DocWriter, IndexRoot, Snapshot
from search.ingest.process import header_terms, index_terms
from search.model import Document, SearchRequest
from search.query.evaluate import Evaluator
from search.query.facets import DocTable
from search.text import analysis
from search.text.phrases import EMPTY, OPEN, PhraseSet, pattern_of
from search.vocab import glossary


def _tokens(text: str) -> list[str]:
    return analysis.analyze(text, "en")[1]


def test_a_pattern_leaves_common_words_open():
    assert pattern_of("free allocation of allowances") == f"free allocation {OPEN}of allowances"
    assert pattern_of("Obergrenze für Emissionen") == f"obergrenze {OPEN}fur emissionen"
    assert pattern_of("allowances") is None  # one word: read from its own postings
    assert pattern_of("of the") is None  # common words only
    assert pattern_of("配额总量") == "配额 额总 总量"  # a CJK term: its bigrams in sequence


def test_counting_compares_the_words_and_not_the_open_slots():
    ps = PhraseSet.of_texts(["cap on emissions", "market stability reserve", "free allocation", "the reserve"])
    text = "The cap on emissions, a cap of emissions; the market stability reserve. Free allocation, free. Market stability"
    terms, counts = ps.count(_tokens(text))
    found = dict(zip(terms, counts))
    # "cap of emissions" counts as "cap on emissions", as a phrase query finds it
    assert found == {"cap on emissions": 2, "market stability reserve": 1, "free allocation": 1, "the reserve": 1}
    # a phrase running past the end of the page is not there
    assert ps.count(_tokens("the market stability")) == ([], [])


def test_a_query_uses_the_counts_only_with_the_same_open_slots():
    ps = PhraseSet.of_texts(["cap on emissions"])
    words = ["cap", "on", "emissions"]
    assert ps.key(words, [1]) == "cap on emissions"
    # an index whose languages do not make "on" a common word compares it:
    # the counts (which did not) would find too much
    assert ps.key(words, []) is None
    assert ps.key(["cap", "emissions"], []) is None  # not in the vocabulary


def test_a_vocabulary_travels_to_workers_by_its_patterns():
    ps = glossary.load().phrases()
    assert len(ps) > 300 and ps.fingerprint
    again = pickle.loads(pickle.dumps(ps))
    assert again == ps and again.fingerprint == ps.fingerprint
    assert len(pickle.dumps(ps)) < 30_000
    assert EMPTY.fingerprint == "" and len(EMPTY) == 0


def _compare(ev: Evaluator, snap: Snapshot, field: str, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    got = ev._phrase_postings(field, words)
    return got.ids.copy(), got.tf.copy()


def test_every_counted_phrase_finds_what_positions_find(corpus_index):
    root, _ = corpus_index
    store = root.open()
    with Snapshot(store) as snap:
        ps = snap.phrases
        assert ps == glossary.load().phrases()  # the store was created with the glossary's phrases
        ev = Evaluator(snap, DocTable(snap.infos))
        fast_paths = pages_found = titles_found = 0
        for pattern in ps.patterns:
            words = [t.removeprefix(OPEN) for t in pattern.split(" ")]
            open_now = [k for k, w in enumerate(words) if analysis.is_stopword(w, ev.langs)]
            fast_paths += ps.key(words, open_now) is not None
            if OPEN not in pattern:  # nothing left open: always read whole
                assert ps.key(words, open_now) is not None, pattern
            for field in ("exact", "title_x"):
                snap.clear_cache()
                fast = _compare(ev, snap, field, words)
                snap.phrases = EMPTY  # as in a store that counts no phrases: positions
                try:
                    snap.clear_cache()
                    slow = _compare(ev, snap, field, words)
                finally:
                    snap.phrases = ps
                assert fast[0].tolist() == slow[0].tolist(), (pattern, field)
                assert fast[1].tolist() == slow[1].tolist(), (pattern, field)
                if field == "exact":
                    pages_found += len(fast[0]) > 0
                else:
                    titles_found += len(fast[0]) > 0
        # Most phrases take the fast path (the rest have common words of
        # languages this index lacks), and the corpus holds many of them.
        assert fast_paths > 0.7 * len(ps), fast_paths
        assert pages_found > 100 and titles_found > 10, (pages_found, titles_found)


def test_a_phrase_compared_in_parts_finds_what_it_finds_at_once(corpus_index, monkeypatch):
    """A phrase's candidates are compared a part at a time when their
    positions are many (PHRASE_CHUNK_BYTES, which bounds a search's memory):
    made tiny here, every glossary phrase finds the same pages, as often."""
    from search.query import evaluate

    root, _ = corpus_index
    with Snapshot(root.open()) as snap:
        snap.phrases = EMPTY  # every phrase from its words' positions
        ev = Evaluator(snap, DocTable(snap.infos))
        compared = parted = 0
        for pattern in glossary.load().phrases().patterns:
            words = [t.removeprefix(OPEN) for t in pattern.split(" ")]
            snap.clear_cache()
            monkeypatch.setattr(evaluate, "PHRASE_CHUNK_BYTES", 1 << 18)
            whole = _compare(ev, snap, "exact", words)
            snap.clear_cache()
            monkeypatch.setattr(evaluate, "PHRASE_CHUNK_BYTES", 24)
            parts = _compare(ev, snap, "exact", words)
            assert whole[0].tolist() == parts[0].tolist(), pattern
            assert whole[1].tolist() == parts[1].tolist(), pattern
            compared += len(whole[0]) > 0
            parted += len(whole[0]) > 3
        assert compared > 100 and parted > 50, (compared, parted)


def test_searches_answer_the_same_with_the_vocabulary_or_without(corpus_searcher):
    st = corpus_searcher.state()
    snap = st.snap
    queries = ['"market stability reserve"', "free allocation", "allowances", '"cap and trade"', "碳排放权交易", "Obergrenze für Emissionen"]
    before = {}
    for q in queries:
        corpus_searcher.clear_caches()
        r = corpus_searcher.search(SearchRequest(q=q, limit=10))
        before[q] = (r.total, [h.id for h in r.hits], [round(h.score, 4) for h in r.hits])
    ps = snap.phrases
    snap.phrases = EMPTY
    try:
        for q in queries:
            corpus_searcher.clear_caches()
            r = corpus_searcher.search(SearchRequest(q=q, limit=10))
            assert (r.total, [h.id for h in r.hits], [round(h.score, 4) for h in r.hits]) == before[q], q
    finally:
        snap.phrases = ps
        corpus_searcher.clear_caches()
    assert before['"market stability reserve"'][0] > 0


def _doc(doc_id: str, title: str, pages: list[str]) -> Document:
    return Document(id=doc_id, path=f"/x/{doc_id}.txt", sha256="0" * 64, size=1, mtime_ns=1, kind="text",
                    title=title, pages=pages, language="en")


def test_the_writer_refuses_pages_counted_with_another_vocabulary(tmp_path):
    root = IndexRoot(tmp_path / "ix")
    ps = PhraseSet.of_texts(["market stability reserve", "cap and trade"])
    store = root.create(phrases=ps)
    root.publish(store)
    assert json.loads((store.path / "etslib.json").read_text("utf-8"))["phrases"] == list(ps.patterns)
    assert store.phrases() == ps
    pages = ["The market stability reserve holds allowances. Market stability reserve rules.", "Cap and trade, cap or trade."]
    doc = _doc("a", "Cap and trade and the market stability reserve", pages)
    w = DocWriter(store)
    with pytest.raises(ValueError, match="another phrase vocabulary"):
        w.add(doc, header_terms(doc, index_terms(pages, "en")), 0)  # counted with none
    w.add(doc, header_terms(doc, index_terms(pages, "en", store.phrases())), 0)
    w.commit()
    with Snapshot(store) as snap:
        msr = snap.postings("phrases", "market stability reserve")
        assert snap.page_num[msr.ids].tolist() == [1] and msr.tf.tolist() == [2.0]
        cat = snap.postings("phrases", "cap and trade")
        assert snap.page_num[cat.ids].tolist() == [2] and cat.tf.tolist() == [2.0]  # "cap or trade": "and" is open
        title = snap.postings("title_ph", "market stability reserve")
        assert snap.page_num[title.ids].tolist() == [0]


def test_status_tells_staff_which_glossary_phrases_wait_for_a_rebuild(tmp_path):
    from search.ingest.status import index_status

    root = IndexRoot(tmp_path / "ix")
    root.publish(root.create(phrases=PhraseSet.of_texts(["market stability reserve"])))
    st = index_status(root)
    assert st.phrases_counted == 1
    assert st.phrases_pending == len(glossary.load().phrases()) - 1  # the glossary's other phrases


def test_a_store_without_a_vocabulary_counts_nothing(tmp_path):
    root = IndexRoot(tmp_path / "ix")
    store = root.create()
    assert store.phrases() == EMPTY
    (store.path / "etslib.json").write_text('{"schema_version": 6}', encoding="utf-8")
    assert store.phrases() == EMPTY
