"""'All N matching pages': pages that match the query, not pages holding
any one of its words (issue 9)."""

from __future__ import annotations

import pytest

from search.model import SearchRequest
from search.query.searcher import Searcher


@pytest.fixture(scope="module")
def sample(index_dir):
    with Searcher(index_dir) as s:
        yield s


def _has(text: str, *stems: str) -> bool:
    low = text.lower()
    return all(s in low for s in stems)


def test_matching_pages_hold_every_word(sample):
    req = SearchRequest(q="allocation benchmark", expand=False, limit=10)
    resp = sample.search(req)
    assert resp.hits
    fewer = False
    for hit in resp.hits:
        texts = sample.page_texts(hit.id)
        listed = sample.document_pages(hit.id, req, limit=1000)
        # The document page lists the pages the hit counts, each with both words.
        assert hit.matched_pages == len(listed)
        assert all(_has(texts[p.page - 1], "alloc", "benchmark") for p in listed)
        either = sum(1 for t in texts if _has(t, "alloc") or _has(t, "benchmark"))
        fewer = fewer or hit.matched_pages < either
    assert fewer  # not the pages holding any one word


def test_or_query_counts_pages_with_either_word(sample):
    req = SearchRequest(q="aviation OR maritime", expand=False, limit=5)
    for hit in sample.search(req).hits:
        listed = sample.document_pages(hit.id, req, limit=1000)
        assert hit.matched_pages == len(listed) > 0
        texts = sample.page_texts(hit.id)
        assert all(_has(texts[p.page - 1], "aviat") or _has(texts[p.page - 1], "maritim") for p in listed)


def test_words_only_in_metadata_do_not_empty_the_pages(sample):
    # "Germany" is in the German laws' metadata (their jurisdiction), not their text.
    req = SearchRequest(q="Germany Emissionshandel", expand=False, limit=5)
    hits = [h for h in sample.search(req).hits if h.meta["language"] == "de"]
    assert hits and all(h.matched_pages > 0 for h in hits)
