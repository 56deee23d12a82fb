"""Adding, replacing and deleting documents, committed in batches.

A document is one header record (title, metadata, facet values) and one
record per non-blank page, all carrying the document's id in ``doc`` so one
deletion removes them together. Records go into a :class:`SegmentBuilder`;
a commit writes that segment, marks deletions in the existing segments and
writes a new table of contents, atomically.
"""

from __future__ import annotations

import shutil
import threading
from typing import Any

from .. import config
from ..heap import release_free_memory
from ..model import Document, IndexTerms
from .bulk import SegmentBuilder, encode_terms
from .commit import commit_segments
from .merge import merge_all, merge_small
from .positions import encode_positional
from ..vocab.facets import FACETS
from .schema import HEADER_PAGE
from .checksums import remove_unpublished
from .store import Store
from .whoosh_format import INDEXNAME, remove_files, remove_unreferenced


#: Segments beyond this are merged, smallest first, at the end of an ingest.
MAX_SEGMENTS = 10


def header_info(doc: Document, dn: int, terms: IndexTerms, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    info = doc.metadata()
    info["dn"] = dn
    info["lens"] = {"title": len(terms.title), "meta": len(terms.meta), "author": len(terms.author)}
    if extra:
        info.update(extra)
    return info


class DocWriter:
    """Writes documents into a store in batches; use as a context manager.

    ``commit()`` makes everything so far durable and visible to searchers;
    leaving the ``with`` block commits, an exception cancels the batch in
    progress (earlier batches stay committed).
    """

    def __init__(self, store: Store):
        self.store = store
        self._builder: SegmentBuilder | None = None
        self._deletes: list[tuple[str, str]] = []
        self.pending = 0  # records added since the last commit
        self.pending_chars = 0  # characters of page text among them
        self.pending_postings = 0  # (term, page) pairs among them: what a batch's memory follows
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        #: The phrases this store counts whole: workers count a page's
        #: (:func:`search.ingest.process.page_terms`), titles are counted here.
        self.phrases = store.phrases()
        # Read once, here: a new batch starts while the last one may be
        # committing in the background, replacing the table of contents.
        self._schema = store.whoosh.schema

    def _b(self) -> SegmentBuilder:
        if self._builder is None:
            self._builder = SegmentBuilder(self.store.storage, INDEXNAME, self._schema)
        return self._builder

    def delete(self, doc_id: str) -> None:
        """Remove a document: its header and every page (at the next commit)."""
        self._deletes.append(("doc", doc_id))

    def delete_header(self, doc_id: str) -> None:
        self._deletes.append(("key", f"d:{doc_id}"))

    def add_header(self, doc: Document, terms: IndexTerms, dn: int, extra: dict[str, Any] | None = None) -> None:
        key = f"d:{doc.id}"
        info = header_info(doc, dn, terms, extra)
        ids = {"key": [key], "doc": [doc.id]}
        ids.update({f.field: v for f in FACETS.values() if f.field and (v := f.values_of(info))})
        self._b().add_record(
            stored={"key": key, "doc": doc.id, "info": info},
            columns={"dn": dn, "pg": HEADER_PAGE, "ln": len(terms.title)},
            ids=ids,
            counted={
                "title": encode_terms(terms.title),
                "meta": encode_terms(terms.meta),
                "author": encode_terms(terms.author),
                "title_ph": self.phrases.count(terms.title_exact),
            },
            positional={"title_x": encode_positional(terms.title_exact)},
        )
        self.pending += 1

    def add(self, doc: Document, terms: IndexTerms, dn: int, extra: dict[str, Any] | None = None) -> None:
        """Add a whole document (call :meth:`delete` first when replacing)."""
        if terms.pages and terms.phrases != self.phrases.fingerprint:
            # A page without its phrases counted would be missing from
            # every search for them: refused, never written.
            raise ValueError(f"{doc.id}: pages counted with another phrase vocabulary than the store's")
        self.add_header(doc, terms, dn, extra)
        b = self._b()
        for page in terms.pages:
            key = f"p:{doc.id}:{page.number}"
            b.add_record(
                stored={"key": key, "doc": doc.id, "text": doc.pages[page.number - 1]},
                columns={"dn": dn, "pg": page.number, "ln": page.length},
                ids={"key": [key], "doc": [doc.id]},
                counted={"content": page.content, "phrases": page.phrases},
                positional={"exact": page.exact},
            )
            self.pending_chars += len(doc.pages[page.number - 1])
            self.pending_postings += len(page.content[0]) + len(page.exact[0]) + len(page.phrases[0])
        self.pending += len(terms.pages)

    def commit(self, *, merge: bool = False, background: bool = False) -> None:
        """Make the batch durable; with ``merge`` keep the segment count bounded.

        With ``background`` the segment is written by a thread while the
        caller goes on adding documents (to a new batch): ingest keeps the
        extraction workers fed instead of stalling for seconds per commit.
        Commits still happen one at a time, in order; :meth:`wait` (or the
        next commit) re-raises a failure of the background one.
        """
        self.wait()
        builder, self._builder = self._builder, None
        deletes, self._deletes = self._deletes, []
        self.pending = self.pending_chars = self.pending_postings = 0
        if background:
            # Handed over in a box the thread empties: a thread's own
            # arguments live until it ends, and the batch must be freed
            # before the heap is trimmed.
            self._thread = threading.Thread(target=self._commit_in_thread, args=([builder], deletes), daemon=True)
            self._thread.start()
        else:
            self._write(builder, deletes)
            del builder
            if merge:
                tidy(self.store)
            release_free_memory()

    def _write(self, builder: SegmentBuilder | None, deletes: list[tuple[str, str]]) -> None:
        try:
            new = [builder.finish()] if builder is not None and len(builder) else []
            if builder is not None and not new:
                builder.cancel()
            if new or deletes:
                commit_segments(self.store, new, deletes)
        except BaseException:
            # A full disk: the commit did not happen; its half-written files
            # must not keep the disk full (only this segment's: the next
            # batch may be being written beside it).
            if builder is not None:
                builder.cancel()
                remove_files(self.store.storage, builder.segment_id())
            raise

    def _commit_in_thread(self, box: list[SegmentBuilder | None], deletes: list[tuple[str, str]]) -> None:
        try:
            self._write(box.pop(), deletes)
        except BaseException as e:  # re-raised in the caller's thread by wait()
            self._error = e
        # The batch is gone: give its memory back, or this thread's arena
        # keeps it (half of a 1M-page ingest's main process).
        release_free_memory()

    def wait(self) -> None:
        """Wait for a background commit; re-raise its failure."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def cancel(self) -> None:
        """Drop the batch in progress (a background commit still completes)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._error = None
        if self._builder is not None:
            self._builder.cancel()
        self._builder = None
        self._deletes = []
        self.pending = self.pending_chars = self.pending_postings = 0

    def __enter__(self) -> "DocWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit(merge=True)
        else:
            self.cancel()


def tidy(store: Store, max_segments: int = MAX_SEGMENTS, max_records: int = config.MERGE_MAX_RECORDS) -> None:
    """Merge the smallest segments when there are too many, in merges of
    bounded size (hold the ingest lock)."""
    merge_small(store, max_segments, max_records)


def optimize(store: Store) -> bool:
    """Merge the whole index into one segment (hold the ingest lock).

    Every term a search reads is looked up once per segment: at 100,000
    pages the cold search mix is 10-15% faster on one segment than on the
    eight an ingest leaves, for about 50 CPU-seconds of merging per 100,000
    pages (scripts/bench, 2026-12-01). Results do not change.
    """
    return merge_all(store, config.OPTIMIZE_MAX_RECORDS)


def clear_temp(store: Store) -> None:
    """Remove what a killed or failed writer left behind: temporary
    folders, unfinished tables of contents and segment files no commit
    refers to (hold the ingest lock)."""
    for p in store.path.glob("*.tmp"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
    remove_unreferenced(store.storage, INDEXNAME)
    remove_unpublished(store)
