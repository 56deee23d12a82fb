"""Committing to a store: one atomic table-of-contents write under the write lock."""

from __future__ import annotations

from .errors import IndexBusy
from .store import Store
from .checksums import publish
from .whoosh_format import open_segment, read_toc


def writer_lock(store: Store):
    """Whoosh's write lock of a store (the ingest lock already keeps other processes out)."""
    lock = store.whoosh.lock("WRITELOCK")
    if not lock.acquire():
        raise IndexBusy(f"another process is writing {store.path}")
    return lock


def commit_segments(store: Store, new_segments: list, deletes: list[tuple[str, str]]) -> None:
    """One atomic commit: mark ``deletes`` (field, term) in the existing
    segments, add ``new_segments``, write the next table of contents."""
    ix = store.whoosh
    lock = writer_lock(store)
    try:
        toc = read_toc(ix)
        segments = list(toc.segments)
        if deletes:
            for seg in segments:
                reader = open_segment(store.storage, toc.schema, seg)
                try:
                    for field, term in deletes:
                        if (field, term) in reader:
                            for docnum in reader.postings(field, term).all_ids():
                                seg.delete_document(docnum)
                finally:
                    reader.close()
        # A segment whose records are all deleted is dropped.
        segments = [s for s in segments if s.doc_count() > 0] + list(new_segments)
        publish(store, toc.schema, segments, toc.generation + 1)
    finally:
        lock.release()
