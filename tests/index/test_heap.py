"""Freed memory goes back to the system: after a batch, and on request."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest

from search.heap import release_free_memory
from search.model import Extracted


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux's")
def test_free_heap_pages_are_given_back():
    # 100 MB of 4 KB blocks (malloc's, not Python's small-object pool), one
    # in 50 kept so that the heap's top cannot shrink on its own.
    blocks = [bytes(4000) + bytes([i % 256]) for i in range(25_000)]
    kept = blocks[::50]
    del blocks
    gc.collect()
    before = _rss_mb()
    assert release_free_memory()
    after = _rss_mb()
    assert before - after > 50, (before, after)
    assert len(kept) == 500


def test_a_background_commit_trims_the_heap_once_its_batch_is_gone(tmp_path, monkeypatch):
    """The thread that writes a batch gives the heap back after it, so it
    must not keep the batch alive when it does (a thread's arguments live
    until it ends)."""
    import search.index.writer as writer_module
    from search.index import DocWriter, IndexRoot, store_counts
    from search.ingest.metadata import derive
    from search.ingest.process import header_terms, page_terms
    from search.model import IndexTerms

    root = IndexRoot(tmp_path / "ix")
    store = root.create()
    root.publish(store)
    w = DocWriter(store)
    pages = ["allowances auctioned in the first period " * 50]
    doc = derive(Extracted(kind="text", pages=pages), str(tmp_path / "a.txt"), sha256="0" * 64, size=1, mtime_ns=1)
    w.add(doc, header_terms(doc, IndexTerms(pages=page_terms(pages, "en"))), 0)
    batch = weakref.ref(w._builder)
    alive_at_trim = []

    def trim() -> bool:
        gc.collect()
        alive_at_trim.append(batch() is not None)
        return True

    monkeypatch.setattr(writer_module, "release_free_memory", trim)
    w.commit(background=True)
    w.wait()
    assert alive_at_trim == [False]
    assert store_counts(root.open()) == (1, 1)  # the document and its page
