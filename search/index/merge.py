"""Merging segments in bulk.

Whoosh merges by handing every posting of every segment through its
writer one at a time; at the end of a 100,000-page ingest that took about
a third of the run. Here a merge reads each posting list a block at a time
(the snapshot's decoder), renumbers it with numpy, and writes the merged
segment with :class:`SegmentBuilder`; per-document data is copied record by
record through Whoosh's own readers and writers.
"""

from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

from .bulk import SegmentBuilder
from .schema import Positions
from .snapshot import _decode_blocks, _read_column
from .commit import writer_lock
from .store import Store

_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def _lengths(reader: SegmentReader, field: str, n: int) -> np.ndarray:
    """A field's per-record lengths (Whoosh keeps them as one lossy byte)."""
    perdoc = reader._perdoc
    name = _lenfield(field)
    if not perdoc.has_column(name):
        return np.zeros(n, dtype=np.int64)
    col = perdoc.column_reader(name, LENGTHS_COLUMN)
    raw = np.zeros(n, dtype=np.uint8)
    if col._count:
        raw[: col._count] = np.frombuffer(col._dbfile.get(col._basepos, col._count), dtype=np.uint8)
    return _BYTE_TO_LENGTH[raw]


def _postings(reader: SegmentReader, terminfo, positional: bool):
    """(ids, counts, values) of one term in one segment."""
    if terminfo.is_inlined():
        ids, weights, values = terminfo.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), list(values)
    offset, length = terminfo.extent()
    if isinstance(length, tuple):  # whoosh 2.7.5 decodes the length as a 1-tuple
        length = length[0]
    raw = reader._terms._postfile.get(offset, length)
    ids_parts, w_parts, values = [], [], []
    for ids, w, vals in _decode_blocks(raw, positional):
        ids_parts.append(ids)
        w_parts.append(w)
        if positional:
            values.extend(vals)
    return np.concatenate(ids_parts), np.concatenate(w_parts).astype(np.float64), values


def merge_segments(store: Store, segments: list) -> object:
    """Write one segment holding the live records of ``segments``, in order."""
    ix = store.whoosh
    schema = ix.schema
    builder = SegmentBuilder(store.storage, ix.indexname, schema)
    scorable = [name for name, f in schema.items() if f.scorable]
    columns = [name for name, f in schema.items() if f.column_type is not None]
    for seg in segments:
        reader = SegmentReader(store.storage, schema, seg)
        try:
            n = seg.doc_count_all()
            renumber = np.full(n, -1, dtype=np.int64)
            cols = {c: _read_column(reader, c, n, schema[c].column_type._default) for c in columns}
            lens = {f: _lengths(reader, f, n) for f in scorable}
            deleted = set(seg.deleted_docs())
            for d in range(n):
                if d in deleted:
                    continue
                renumber[d] = builder.add_raw(
                    reader.stored_fields(d),
                    {c: int(cols[c][d]) for c in columns if cols[c][d] != schema[c].column_type._default},
                    {f: int(lens[f][d]) for f in scorable if lens[f][d]},
                )
            for (field, tbytes), terminfo in reader._terms.items():
                if field not in schema:
                    continue
                positional = isinstance(schema[field].format, Positions)
                ids, weights, values = _postings(reader, terminfo, positional)
                new = renumber[ids]
                keep = new >= 0
                if not keep.any():
                    continue
                if positional:
                    values = [v for v, k in zip(values, keep.tolist()) if k]
                builder.add_term(
                    field, tbytes.decode("utf-8"), new[keep], weights[keep].astype(np.uint32), values, positional
                )
        finally:
            reader.close()
    return builder.finish()


def merge_small(store: Store, max_segments: int) -> bool:
    """Merge the smallest segments into one when there are more than
    ``max_segments``; one atomic commit. Hold the ingest lock."""
    ix = store.whoosh
    segments = list(ix._segments())
    if len(segments) <= max_segments:
        return False
    ordered = sorted(segments, key=lambda s: s.doc_count())
    chosen = ordered[: len(segments) - max_segments + 1]
    merged = merge_segments(store, chosen)
    lock = writer_lock(store)
    try:
        toc = ix._read_toc()
        names = {s.segment_id() for s in chosen}
        # Deletions marked since this merge read them would be lost: the
        # ingest lock makes this process the only writer, so there are none.
        keep = [s for s in toc.segments if s.segment_id() not in names]
        generation = toc.generation + 1
        final = keep + ([merged] if merged.doc_count_all() else [])
        TOC(toc.schema, final, generation).write(store.storage, ix.indexname)
        clean_files(store.storage, ix.indexname, generation, final)
    finally:
        lock.release()
    return True
