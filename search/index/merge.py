"""Merging segments in bulk.

Whoosh merges by handing every posting of every segment through its
writer one at a time; at the end of a 100,000-page ingest that took about
a third of the run. Here a merge copies per-document data record by record
through Whoosh's own readers and writers, then takes each field's terms
from all the segments in term order, reads each posting list a block at a
time (:func:`~.whoosh_format.decode_blocks`), renumbers it with numpy and
writes it at once (:meth:`SegmentBuilder.finish_streamed`).
"""

from __future__ import annotations

import heapq

import numpy as np

from .bulk import SegmentBuilder, _gather
from .commit import writer_lock
from .schema import PackedValues, Positions
from .store import Store
from .whoosh_format import (
    decode_blocks,
    field_names,
    field_terms,
    open_segment,
    posting_bytes,
    posting_extent,
    read_int_column,
    read_lengths,
    read_toc,
    segments_of,
    terms_of,
)
from .checksums import publish


def _postings(reader, terminfo, positional: bool):
    """(ids, counts, values) of one term in one segment; values (positional
    fields only) as one bytes object and each posting's length."""
    if terminfo.is_inlined():
        ids, weights, values = terminfo.inlined_postings()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), _packed(values) if positional else None
    offset, length = posting_extent(terminfo)
    raw = posting_bytes(terms_of(reader), offset, length)
    ids_parts, w_parts, blobs, lens = [], [], [], []
    for ids, w, vals in decode_blocks(raw, positional):
        ids_parts.append(ids)
        w_parts.append(w)
        if positional:
            blob, n = _packed(vals)
            blobs.append(blob)
            lens.append(n)
    values = (b"".join(blobs), np.concatenate(lens)) if positional else None
    return np.concatenate(ids_parts), np.concatenate(w_parts).astype(np.float64), values


def _packed(vals) -> tuple[bytes, np.ndarray]:
    """A block's values (:class:`PackedValues`, or Whoosh's tuple of bytes)
    as one bytes object and each value's length: no Python object per
    posting (splitting them was a sixth of a merge's time)."""
    if isinstance(vals, PackedValues):
        ends = np.frombuffer(vals.ends, dtype="<u4").astype(np.int64)
        end = int(ends[-1]) if len(ends) else 0
        return (vals.blob if len(vals.blob) == end else vals.blob[:end]), np.diff(ends, prepend=0)
    vals = list(vals)
    return b"".join(vals), np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))


def _kept(values: tuple[bytes, np.ndarray], keep: np.ndarray) -> tuple[bytes, np.ndarray]:
    blob, lens = values
    starts = np.cumsum(lens) - lens
    return _gather(np.frombuffer(blob, dtype=np.uint8), starts[keep], lens[keep]), lens[keep]


def merge_segments(store: Store, segments: list) -> object:
    """Write one segment holding the live records of ``segments``, in order.

    Records are copied first; then each field's terms are merged across
    the segments in term order and written one at a time
    (:meth:`SegmentBuilder.finish_streamed`), so a merge holds one term's
    postings, not the whole merged segment's (4.1 GB to merge 100,000 pages
    when they were collected first).
    """
    ix = store.whoosh
    schema = ix.schema
    builder = SegmentBuilder(store.storage, ix.indexname, schema)
    scorable = [name for name, f in schema.items() if f.scorable]
    columns = [name for name, f in schema.items() if f.column_type is not None]
    defaults = {c: schema[c].column_type.default_value() for c in columns}
    readers: list = []
    renumbers: list[np.ndarray] = []
    try:
        for seg in segments:
            reader = open_segment(store.storage, schema, seg)
            readers.append(reader)
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
            renumbers.append(renumber)
        names = sorted({f for r in readers for f in field_names(r) if f in schema})
        positional = {name: isinstance(schema[name].format, Positions) for name in names}
        return builder.finish_streamed(
            (name, positional[name], _merged_terms(readers, renumbers, name, positional[name])) for name in names
        )
    finally:
        for reader in readers:
            reader.close()


def _merged_terms(readers: list, renumbers: list[np.ndarray], field: str, positional: bool):
    """``(term bytes, record numbers, counts, values)`` of ``field`` across
    the segments, in term order, renumbered into the merged segment
    (records deleted left out, terms left with none skipped)."""
    def stream(i: int, reader):
        for tbytes, ti in field_terms(reader, field):
            yield tbytes, i, ti

    streams = [stream(i, reader) for i, reader in enumerate(readers)]
    current: bytes | None = None
    parts: list[tuple[np.ndarray, np.ndarray, tuple[bytes, np.ndarray] | None]] = []
    # Equal terms come in segment order, so record numbers stay ascending.
    for tbytes, i, ti in heapq.merge(*streams, key=lambda item: (item[0], item[1])):
        if tbytes != current:
            if parts:
                yield _joined(current, parts, positional)
            current, parts = tbytes, []
        ids, weights, values = _postings(readers[i], ti, positional)
        new = renumbers[i][ids]
        keep = new >= 0
        if keep.all():
            parts.append((new, weights, values))
        elif keep.any():
            parts.append((new[keep], weights[keep], _kept(values, keep) if positional else None))
    if parts:
        yield _joined(current, parts, positional)


def _joined(tbytes: bytes, parts: list, positional: bool) -> tuple[bytes, np.ndarray, np.ndarray, tuple[bytes, np.ndarray] | None]:
    if len(parts) == 1:
        ids, counts, values = parts[0]
        return tbytes, ids, counts.astype(np.uint32), values
    ids = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts]).astype(np.uint32)
    values = (b"".join(p[2][0] for p in parts), np.concatenate([p[2][1] for p in parts])) if positional else None
    return tbytes, ids, counts, values


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
