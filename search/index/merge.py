"""Merging segments in bulk.

Whoosh merges by handing every posting of every segment through its
writer one at a time; at the end of a 100,000-page ingest that took about
a third of the run. Here a merge reads each posting list a block at a time
(:func:`~.whoosh_format.decode_blocks`), renumbers it with numpy, and writes the merged
segment with :class:`SegmentBuilder`; per-document data is copied record by
record through Whoosh's own readers and writers.
"""

from __future__ import annotations

import numpy as np

from .bulk import SegmentBuilder
from .commit import writer_lock
from .schema import Positions
from .store import Store
from .whoosh_format import (
    decode_blocks,
    open_segment,
    posting_bytes,
    posting_extent,
    read_int_column,
    read_lengths,
    read_toc,
    segments_of,
    term_items,
    terms_of,
)
from .checksums import publish


def _postings(reader, terminfo, positional: bool):
    """(ids, counts, values) of one term in one segment."""
    if terminfo.is_inlined():
        ids, weights, values = terminfo.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), list(values)
    offset, length = posting_extent(terminfo)
    raw = posting_bytes(terms_of(reader), offset, length)
    ids_parts, w_parts, values = [], [], []
    for ids, w, vals in decode_blocks(raw, positional):
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
    defaults = {c: schema[c].column_type.default_value() for c in columns}
    for seg in segments:
        reader = open_segment(store.storage, schema, seg)
        try:
            n = seg.doc_count_all()
            renumber = np.full(n, -1, dtype=np.int64)
            cols = {c: read_int_column(reader, c, n, defaults[c]) for c in columns}
            lens = {f: read_lengths(reader, f, n) for f in scorable}
            deleted = set(seg.deleted_docs())
            for d in range(n):
                if d in deleted:
                    continue
                renumber[d] = builder.add_raw(
                    reader.stored_fields(d),
                    {c: int(cols[c][d]) for c in columns if cols[c][d] != defaults[c]},
                    {f: int(lens[f][d]) for f in scorable if lens[f][d]},
                )
            for (field, tbytes), terminfo in term_items(reader):
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


def merge_small(store: Store, max_segments: int, max_records: int) -> bool:
    """Merge the smallest segments while there are more than
    ``max_segments``, each merge an atomic commit. A merge builds its
    segment in memory, as an ingest batch does, so none takes in more than
    ``max_records`` records: past that the index keeps more segments (a
    little slower to search) rather than hold one huge merge in memory.
    Whether anything was merged. Hold the ingest lock."""
    merged_any = False
    while True:
        segments = list(segments_of(store.whoosh))
        if len(segments) <= max_segments:
            return merged_any
        ordered = sorted(segments, key=lambda s: s.doc_count_all())
        chosen: list = []
        total = 0
        for seg in ordered[: len(segments) - max_segments + 1]:
            if chosen and total + seg.doc_count_all() > max_records:
                break
            chosen.append(seg)
            total += seg.doc_count_all()
        if len(chosen) < 2:
            return merged_any
        _replace(store, chosen)
        merged_any = True


def _replace(store: Store, chosen: list) -> None:
    """Merge ``chosen`` into one segment that replaces them (one commit)."""
    ix = store.whoosh
    merged = merge_segments(store, chosen)
    lock = writer_lock(store)
    try:
        toc = read_toc(ix)
        names = {s.segment_id() for s in chosen}
        # Deletions marked since this merge read them would be lost: the
        # ingest lock makes this process the only writer, so there are none.
        keep = [s for s in toc.segments if s.segment_id() not in names]
        final = keep + ([merged] if merged.doc_count_all() else [])
        publish(store, toc.schema, final, toc.generation + 1)
    finally:
        lock.release()


def merge_all(store: Store, max_records: int) -> bool:
    """Merge every segment into one, in order (records keep their order, so
    results and their ties are unchanged); one atomic commit. An index of
    more than ``max_records`` records is merged in bounded steps instead
    (:func:`merge_small`), into as few segments as they allow. Hold the
    ingest lock. False when nothing was merged."""
    segments = list(segments_of(store.whoosh))
    if len(segments) <= 1:
        return False
    if sum(s.doc_count_all() for s in segments) > max_records:
        return merge_small(store, 1, max_records)
    _replace(store, segments)
    return True
