"""Adding, replacing and deleting documents, committed in batches.

A document is one header record (title, metadata, facet values) and one
record per non-blank page, all carrying the document's id in ``doc`` so one
``delete_by_term`` removes them together.
"""

from __future__ import annotations

import logging
from typing import Any

from whoosh.reading import SegmentReader
from whoosh.writing import NO_MERGE, SegmentWriter

from ..model import Document, IndexTerms
from .schema import FACET_FIELDS, HEADER_PAGE
from .store import IndexBusy, Store

log = logging.getLogger("etslib.index")

#: Segments beyond this are merged, smallest first, at the end of an ingest.
MAX_SEGMENTS = 8


def facet_values(doc: Document) -> dict[str, list[str]]:
    """The facet values a document carries, by facet name."""
    return {
        "jurisdiction": list(doc.jurisdictions),
        "type": [doc.type] if doc.type else [],
        "topic": list(doc.topics),
        "language": [doc.language] if doc.language else [],
        "publisher": [doc.publisher] if doc.publisher else [],
        "year": [str(doc.year)] if doc.year else [],
    }


def header_info(doc: Document, dn: int, terms: IndexTerms, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    info = doc.metadata()
    info["dn"] = dn
    info["lens"] = {"title": len(terms.title), "meta": len(terms.meta), "author": len(terms.author)}
    if extra:
        info.update(extra)
    return info


def tiered_merge(max_segments: int):
    """A merge policy keeping at most ``max_segments`` segments.

    Whoosh's MERGE_SMALL can decide to rewrite most of the index in one
    commit; this merges only the smallest segments, and only when there are
    too many, so the cost of a commit stays proportional to what it added.
    """

    def policy(writer, segments):
        if len(segments) <= max_segments:
            return segments
        ordered = sorted(segments, key=lambda s: s.doc_count())
        n_merge = len(segments) - max_segments + 1
        merge, keep = ordered[:n_merge], ordered[n_merge:]
        for seg in merge:
            reader = SegmentReader(writer.storage, writer.schema, seg)
            writer.add_reader(reader)
            reader.close()
        return keep

    return policy


class DocWriter:
    """Writes documents into a store in batches; use as a context manager.

    ``commit()`` makes everything so far durable and visible to searchers;
    leaving the ``with`` block commits, an exception cancels the batch in
    progress (earlier batches stay committed).
    """

    def __init__(self, store: Store, *, limitmb: int = 256):
        self.store = store
        self.limitmb = limitmb
        self._w: SegmentWriter | None = None
        self.pending = 0  # records added since the last commit

    def _writer(self) -> SegmentWriter:
        if self._w is None:
            from whoosh.index import LockError

            try:
                self._w = self.store.whoosh.writer(limitmb=self.limitmb, compound=False)
            except LockError as e:
                raise IndexBusy(f"another process is writing {self.store.path}") from e
        return self._w

    def delete(self, doc_id: str) -> None:
        """Remove a document: its header and every page."""
        self._writer().delete_by_term("doc", doc_id)

    def delete_header(self, doc_id: str) -> None:
        self._writer().delete_by_term("key", f"d:{doc_id}")

    def add_header(self, doc: Document, terms: IndexTerms, dn: int, extra: dict[str, Any] | None = None) -> None:
        facets = {FACET_FIELDS[k]: v for k, v in facet_values(doc).items() if v}
        self._writer().add_document(
            key=f"d:{doc.id}",
            doc=doc.id,
            dn=dn,
            pg=HEADER_PAGE,
            ln=len(terms.title),
            title=terms.title,
            title_x=terms.title_exact,
            meta=terms.meta,
            author=terms.author,
            info=header_info(doc, dn, terms, extra),
            **facets,
        )
        self.pending += 1

    def add(self, doc: Document, terms: IndexTerms, dn: int, extra: dict[str, Any] | None = None) -> None:
        """Add a whole document (call :meth:`delete` first when replacing)."""
        self.add_header(doc, terms, dn, extra)
        w = self._writer()
        for number, stemmed, exact in terms.pages:
            w.add_document(
                key=f"p:{doc.id}:{number}",
                doc=doc.id,
                dn=dn,
                pg=number,
                ln=len(stemmed),
                content=stemmed,
                exact=exact,
                text=doc.pages[number - 1],
            )
        self.pending += len(terms.pages)

    def commit(self, *, merge: bool = False) -> None:
        """Make the batch durable; with ``merge`` keep the segment count bounded."""
        if self._w is None:
            return
        w, self._w = self._w, None
        w.commit(mergetype=tiered_merge(MAX_SEGMENTS) if merge else NO_MERGE)
        self.pending = 0

    def cancel(self) -> None:
        if self._w is not None:
            w, self._w = self._w, None
            w.cancel()
            self.pending = 0

    def __enter__(self) -> "DocWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit(merge=True)
        else:
            self.cancel()


def tidy(store: Store, max_segments: int = MAX_SEGMENTS) -> None:
    """Merge small segments when there are too many (no new documents)."""
    ix = store.whoosh
    segments = ix._segments()
    if len(segments) <= max_segments:
        return
    w = ix.writer(compound=False)
    w.commit(mergetype=tiered_merge(max_segments))
