"""Freed memory goes back to the system: after a batch, and on request."""

from __future__ import annotations

import gc
import sys
import time
import weakref

import pytest

from search.heap import HeapTrim, release_free_memory
from search.model import Extracted, SearchRequest


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


def _wait_for(cond, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return cond()


def test_busy_work_trims_at_most_once_per_busy_seconds():
    """Under load a worker trims after a search only when the last such trim
    is busy_seconds old: what it gives back the next search faults in again."""
    calls = []
    heap = HeapTrim(busy_seconds=0.3, idle_seconds=3600.0, trim=lambda: calls.append(1))
    heap.worked()  # just made: the last trim counts from now
    assert calls == []
    time.sleep(0.35)
    heap.worked()
    heap.worked()
    assert calls == [1] and heap.busy_trims == 1 and heap.trims == 0
    time.sleep(0.35)
    heap.worked()
    assert len(calls) == 2
    heap.close()
    heap.thread.join(5)
    assert not heap.thread.is_alive() and len(calls) == 2  # closed: no idle trim


def test_idle_trim_waits_for_a_quiet_moment_then_trims_once():
    calls = []
    idle = HeapTrim(busy_seconds=3600.0, idle_seconds=1.0, trim=lambda: calls.append(time.monotonic()))
    start = time.monotonic()
    for _ in range(10):  # busy: work every 50 ms, never a second's quiet
        idle.worked()
        time.sleep(0.05)
    last = time.monotonic()
    assert calls == []
    assert _wait_for(lambda: len(calls) == 1)
    assert calls[0] - last >= 0.9 and calls[0] - start >= 1.4
    time.sleep(1.2)
    assert len(calls) == 1  # nothing worked since: no second trim
    idle.worked()
    assert _wait_for(lambda: len(calls) == 2)
    assert idle.trims == 2
    idle.worked()
    idle.close()  # before the second of quiet: the thread ends without trimming
    idle.thread.join(5)
    assert not idle.thread.is_alive() and len(calls) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim is Linux's")
def test_idle_trim_gives_a_bursts_garbage_back():
    idle = HeapTrim(busy_seconds=3600.0, idle_seconds=0.2)
    blocks = [bytes(4000) + bytes([i % 256]) for i in range(25_000)]
    kept = blocks[::50]
    del blocks
    gc.collect()
    before = _rss_mb()
    idle.worked()
    assert _wait_for(lambda: idle.trims == 1)
    assert before - _rss_mb() > 50
    assert len(kept) == 500


def test_a_server_worker_leaves_its_index_out_of_full_collections_and_still_frees_old_generations(tmp_path):
    """A gunicorn worker's app freezes what it holds once warmed up; a
    newer generation replaces the frozen one, which is freed by its
    reference counts alone (a frozen cycle would never be)."""
    from tests.conftest import CORPUS, build_index
    from webui.server import _App
    from webui.state import close, get_searcher

    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in {".txt", ".md"})
    build_index(files[:-1], tmp_path / "ix")
    try:
        app = _App({}, tmp_path / "ix").load()  # what each worker runs
        with app.app_context():
            searcher = get_searcher()
            assert gc.get_freeze_count() > 1000
            old = weakref.ref(searcher.state().snap)
            build_index(files, tmp_path / "ix")  # a new generation, published
            gc.disable()
            try:
                assert searcher.state().snap is not old()
                assert old() is None  # gone without a collection
            finally:
                gc.enable()
            assert searcher.search(SearchRequest(q="emissions")).total > 0
            close(app)
    finally:
        gc.unfreeze()


def test_a_searcher_of_a_one_off_command_freezes_nothing(index_dir):
    from search.query.searcher import Searcher

    before = gc.get_freeze_count()
    with Searcher(index_dir) as s:
        s.warm_up()
    assert gc.get_freeze_count() == before
