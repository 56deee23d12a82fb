"""Writing Whoosh segments in bulk, a block at a time instead of a posting
at a time.

Whoosh's SegmentWriter files every posting through several Python calls
(pool, sort, length lookup, block writer): about 20 µs a posting, 3–6 ms a
page, which made the writer the bottleneck of ingest. Here postings are
collected in flat arrays, sorted with numpy at commit, and written as whole
W3 blocks; per-document data (stored fields, columns, lengths) still goes
through Whoosh's own per-document writer. The files are the same
whoosh-reloaded 2.7.5 "W3" format (encoded by :mod:`.whoosh_format`), read
by Whoosh itself and checked by ``tests/index/test_index_format.py``.
"""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from ..text.phrases import EMPTY as EMPTY_PHRASES, PhraseSet
from .positions import encode_positional
from .schema import PackedValues
from .whoosh_format import TermsWriter, encode_block, encode_inlined_terminfo, new_segment, set_stored_level

#: Postings per block: larger than Whoosh's 128, since nothing here skips
#: blocks and every block costs an unpickle when read (positional blocks of
#: 2048 rather than 512: cold search p50 / p95 at 100,000 pages 6.9 / 28 ->
#: 6.7 / 27 ms, index 1% smaller). Blocks without positions are stored
#: uncompressed, with ids and counts in the narrowest array type: zlib was
#: two thirds of decoding them (11.8 -> 4.5 µs for 512).
BLOCK = 2048
BLOCK_COUNTS = 2048
COMPRESSION = 1  # level 1: twice as fast to write as 3, files ~8% larger
#: Terms in at most this many records keep their postings inside the term
#: dictionary entry (Whoosh's "inlined" postings): most of a vocabulary
#: (numbers, names, rare words) then costs no block, no compression and no
#: seek when read.
INLINE = 4
#: Positional blocks compressed: smaller index, slower phrases (see bench).
COMPRESS_POSITIONS = False
#: Postings turned into Python lists at once when a field is written (a
#: term's are never split): the lists of a whole batch took ~70 bytes a posting.
_CHUNK = 1 << 18
#: zlib level of the stored fields column (Whoosh's default is 3).
STORED_LEVEL = 0


@dataclass
class PageTerms:
    """One page's analysed terms in the form the writer files directly.

    Built in the extraction workers (:func:`encode_page`) so the writer
    process does no counting or position encoding.
    """

    number: int  # 1-based page number
    length: int  # stemmed terms on the page (the BM25 length)
    content: tuple[list[str], list[int]]  # unique stemmed terms, counts
    exact: tuple[list[str], list[int], bytes, list[int]]  # unique exact terms, counts, positions, byte lengths
    phrases: tuple[list[str], list[int]] = ([], [])  # the store's phrases on the page, counts


def encode_page(
    number: int, stemmed: list[str], exact: list[str], length: int | None = None, phrases: PhraseSet = EMPTY_PHRASES
) -> PageTerms:
    """``length`` is the page's length for scoring (default: the stemmed
    terms); ``phrases`` the vocabulary counted whole (the store's)."""
    counts = Counter(stemmed)
    return PageTerms(
        number, len(stemmed) if length is None else length, (list(counts), list(counts.values())), encode_positional(exact),
        phrases.count(exact),
    )


def encode_terms(terms: list[str]) -> tuple[list[str], list[int]]:
    counts = Counter(terms)
    return list(counts), list(counts.values())


class _FieldPostings:
    """Postings of one field: term ids, record numbers, counts (and positions)."""

    def __init__(self, positional: bool):
        self.vocab: dict[str, int] = {}
        self.tids = array("I")
        self.docs = array("I")
        self.tfs = array("I")
        self.positional = positional
        self.blob = bytearray()
        self.vlens = array("I")

    def _ids(self, terms: Iterable[str]) -> list[int]:
        vocab = self.vocab
        # map() runs the lookups in C; new terms (a minority after the
        # first pages) are then numbered in order of appearance.
        terms = terms if isinstance(terms, list) else list(terms)
        out = list(map(vocab.get, terms))
        if None in out:
            for k, i in enumerate(out):
                if i is None:
                    t = terms[k]
                    i = vocab.get(t)
                    if i is None:
                        i = vocab[t] = len(vocab)
                    out[k] = i
        return out

    def add(self, docnum: int, terms: list[str], counts: list[int]) -> None:
        self.tids.extend(self._ids(terms))
        self.docs.extend([docnum] * len(terms))
        self.tfs.extend(counts)

    def add_positional(self, docnum: int, terms: list[str], counts: list[int], blob: bytes, lens: list[int]) -> None:
        self.add(docnum, terms, counts)
        self.blob += blob
        self.vlens.extend(lens)


def _gather(src: np.ndarray, starts: np.ndarray, lens: np.ndarray, chunk: int = 1 << 16) -> bytes:
    """The byte ranges (starts, lens) of ``src`` laid end to end, in chunks
    so the index arrays stay small."""
    parts = []
    for a in range(0, len(starts), chunk):
        s, n = starts[a : a + chunk], lens[a : a + chunk]
        total = int(n.sum())
        out = np.cumsum(n) - n
        idx = np.arange(total, dtype=np.int64) + np.repeat(s - out, n)
        parts.append(src[idx].tobytes())
    return b"".join(parts)


class SegmentBuilder:
    """Collects records for one new segment, then writes it (:meth:`finish`)."""

    def __init__(self, storage, indexname: str, schema):
        self.storage = storage
        self.schema = schema
        self.codec, self.segment, self.perdoc = new_segment(storage, indexname, blocklimit=BLOCK, compression=COMPRESSION)
        # Stored fields (a page's text) as zlib's uncompressed "stored"
        # blocks: Whoosh reads them as ever, and inflating costs ~2 µs a
        # page instead of ~15 (30 pages per search; cold p50 4.6 -> 4.2 ms at
        # 100,000 pages). The index grows 27% (566 -> 720 MB there).
        set_stored_level(self.perdoc, STORED_LEVEL)
        self.docnum = 0
        self.fields: dict[str, _FieldPostings] = {}
        self.lengths: dict[str, array] = {}
        self.compress_positions = COMPRESS_POSITIONS

    def __len__(self) -> int:
        return self.docnum

    def _field(self, name: str, positional: bool = False) -> _FieldPostings:
        f = self.fields.get(name)
        if f is None:
            f = self.fields[name] = _FieldPostings(positional)
        return f

    def add_record(
        self,
        *,
        stored: dict[str, Any],
        columns: dict[str, int],
        ids: dict[str, list[str]],
        counted: dict[str, tuple[list[str], list[int]]],
        positional: dict[str, tuple[list[str], list[int], bytes, list[int]]],
    ) -> int:
        """Add one record; returns its number within the segment."""
        d = self.docnum
        lengths: dict[str, int] = {}
        for name, values in ids.items():
            if values:
                unique = list(dict.fromkeys(values))
                self._field(name).add(d, unique, [1] * len(unique))
        for name, (terms, counts) in counted.items():
            if terms:
                self._field(name).add(d, terms, counts)
                lengths[name] = sum(counts)
        for name, (terms, counts, blob, lens) in positional.items():
            if terms:
                self._field(name, True).add_positional(d, terms, counts, blob, lens)
                lengths[name] = sum(counts)
        return self.add_raw(stored, columns, lengths)

    def add_raw(self, stored: dict[str, Any], columns: dict[str, int], lengths: dict[str, int]) -> int:
        """A record's stored fields, columns and field lengths; its postings
        come separately (:meth:`add_record`, or :meth:`finish_streamed` for a merge)."""
        d = self.docnum
        pd = self.perdoc
        schema = self.schema
        pd.start_doc(d)
        for name in set(lengths) | set(stored):
            fieldobj = schema[name]
            pd.add_field(name, fieldobj, stored.get(name) if fieldobj.stored else None, lengths.get(name, 0))
        for name, length in lengths.items():
            arr = self.lengths.get(name)
            if arr is None:
                arr = self.lengths[name] = array("I")
            if len(arr) < d:
                arr.extend([0] * (d - len(arr)))
            arr.append(length)
        for name, value in columns.items():
            pd.add_column_value(name, schema[name].column_type, value)
        pd.finish_doc()
        self.docnum += 1
        return d

    def finish(self):
        """Write the segment's files; returns the Whoosh segment object."""
        self.perdoc.close()
        tw = TermsWriter(self.codec, self.storage, self.segment)
        try:
            for name in sorted(self.fields):
                tw.start_field(name)
                self._write_field(tw, name)
        finally:
            tw.close()
        self.segment.set_doc_count(self.docnum)
        return self.segment

    def finish_streamed(
        self, fields: Iterable[tuple[str, bool, Iterable[tuple[bytes, np.ndarray, np.ndarray, tuple[bytes, np.ndarray] | None]]]]
    ):
        """Write the segment's files with postings given term by term
        instead of collected: ``(field, positional, terms)`` with field
        names ascending, and each field's ``(term bytes, record numbers,
        counts, values)`` in term order, record numbers ascending; a
        positional field's values as one bytes object and each posting's
        length. A merge then holds one term's postings at a time, not the
        merged segment's (the same files as :meth:`finish`)."""
        self.perdoc.close()
        tw = TermsWriter(self.codec, self.storage, self.segment)
        try:
            for name, positional, terms in fields:
                started = False
                flen_l = self._field_lengths(name).tolist()
                fixed0 = self.schema[name].format.fixed_value_size() == 0
                block = BLOCK if positional else BLOCK_COUNTS
                compression = COMPRESSION if self.compress_positions and positional else 0
                for tbytes, ids, tfs, values in terms:
                    if not started:
                        tw.start_field(name)
                        started = True
                    n = len(ids)
                    vend = vend_l = blob = None
                    if positional:
                        blob, lens = values
                        vend = np.cumsum(lens)
                        vend_l = vend.tolist()
                    # Gaps only for a posting list of blocks (inlined ones are ids).
                    gaps = np.diff(ids.astype(np.uint32), prepend=np.uint32(0)) if n > INLINE else None
                    self._write_term(
                        tw, tbytes, 0, n, 0, ids.tolist(), tfs.tolist(), vend_l, 0, blob, vend, flen_l,
                        gaps, fixed0, positional, block, compression, name,
                    )
        finally:
            tw.close()
        self.segment.set_doc_count(self.docnum)
        return self.segment

    def _field_lengths(self, name: str) -> np.ndarray:
        """Every record's length in ``name`` (0 where it has none)."""
        flen = np.zeros(self.docnum, dtype=np.int64)
        lens_arr = self.lengths.get(name)
        if lens_arr is not None:
            flen[: len(lens_arr)] = np.frombuffer(lens_arr, dtype=np.uint32)
        return flen

    def _write_field(self, tw: TermsWriter, name: str) -> None:
        buf = self.fields[name]
        fmt = self.schema[name].format
        positional = buf.positional
        n_terms = len(buf.vocab)
        terms_sorted = sorted(buf.vocab)
        rank = np.empty(n_terms, dtype=np.uint32)
        rank[np.fromiter((buf.vocab[t] for t in terms_sorted), dtype=np.int64, count=n_terms)] = np.arange(n_terms, dtype=np.uint32)
        # Postings in (term, record) order. Arrays stay 32-bit and the
        # unsorted ones are dropped as soon as they are sorted: at a batch of
        # 20,000 pages the sort's copies were most of ingest's peak memory.
        tids = rank[np.frombuffer(buf.tids, dtype=np.uint32)]
        del rank
        docs = np.frombuffer(buf.docs, dtype=np.uint32)
        order = np.lexsort((docs, tids))
        tids = tids[order]
        docs = docs[order]
        tfs = np.frombuffer(buf.tfs, dtype=np.uint32)[order]
        if positional:
            vlens = np.frombuffer(buf.vlens, dtype=np.uint32).astype(np.int64)
            voffs = np.cumsum(vlens) - vlens
            vlens, voffs = vlens[order], voffs[order]
            # The values in posting order, so a block's are one slice.
            blob = _gather(np.frombuffer(buf.blob, dtype=np.uint8), voffs, vlens)
            del voffs
            vend = np.cumsum(vlens)
            del vlens
        del order
        flen = self._field_lengths(name)
        starts = np.flatnonzero(np.concatenate(([True], tids[1:] != tids[:-1]))) if len(tids) else np.zeros(0, dtype=np.int64)
        del tids
        ends = np.append(starts[1:], len(docs))
        fixed0 = fmt.fixed_value_size() == 0
        flen_l = flen.tolist()
        deltas_all = np.diff(docs, prepend=np.uint32(0))
        block = BLOCK if positional else BLOCK_COUNTS
        compression = COMPRESSION if self.compress_positions and positional else 0
        # Python lists (slicing them per block is far cheaper than numpy
        # scalars), made a chunk of terms at a time so they stay small.
        chunk_starts = starts.tolist()
        chunk_ends = ends.tolist()
        k = 0
        while k < n_terms:
            k1 = k
            while k1 < n_terms and (k1 == k or chunk_ends[k1] - chunk_starts[k] <= _CHUNK):
                k1 += 1
            base = chunk_starts[k]
            top = chunk_ends[k1 - 1]
            docs_l = docs[base:top].tolist()
            tfs_l = tfs[base:top].tolist()
            vend_l = vend[base:top].tolist() if positional else None
            vbase = (int(vend[base - 1]) if base else 0) if positional else 0
            for t in range(k, k1):
                self._write_term(
                    tw, terms_sorted[t].encode("utf-8"), chunk_starts[t] - base, chunk_ends[t] - base, base,
                    docs_l, tfs_l, vend_l, vbase, blob if positional else None, vend if positional else None,
                    flen_l, deltas_all, fixed0, positional, block, compression, name,
                )
            k = k1

    def _write_term(self, tw, tbytes, s, e, base, docs_l, tfs_l, vend_l, vbase, blob, vend, flen_l, deltas_all,
                    fixed0, positional, block, compression, name) -> None:
        """One term's postings: ``[s, e)`` of the chunk's lists, which start
        at posting ``base`` of the field."""
        if e - s <= INLINE:
            ids = docs_l[s:e]
            vals = None
            if positional:
                vals = tuple(blob[(vend_l[i - 1] if i else vbase) : vend_l[i]] for i in range(s, e))
            tw.add_inlined(tbytes, encode_inlined_terminfo(ids, tfs_l[s:e], vals, [flen_l[i] for i in ids]))
            return
        tw.start_postings()
        total_w = 0
        max_w = 0
        min_len = None
        max_len = 0
        for b0 in range(s, e, block):
            b1 = min(e, b0 + block)
            ids = docs_l[b0:b1]
            ws = tfs_l[b0:b1]
            bl = [flen_l[i] for i in ids]
            mn, mx = min(bl), max(bl)
            bw = max(ws)
            if fixed0:
                vdata = None
            elif positional:
                start = vend_l[b0 - 1] if b0 else vbase
                vdata = PackedValues(blob[start : vend_l[b1 - 1]], (vend[base + b0 : base + b1] - start).astype("<u4").tobytes())
            else:  # pragma: no cover - no such field in the schema
                raise TypeError(f"cannot bulk-write field {name!r}")
            encoded = encode_block(
                ids, deltas_all[base + b0 : base + b1], ws, vdata,
                max_count=bw, min_length=mn, max_length=mx, compression=compression,
            )
            tw.add_block(encoded, last=b1 == e)
            total_w += sum(ws)
            max_w = max(max_w, bw)
            if mn and (min_len is None or mn < min_len):
                min_len = mn
            max_len = max(max_len, mx)
        tw.finish_postings(
            tbytes, weight=float(total_w), df=e - s, min_length=min_len, max_length=max_len,
            max_weight=float(max_w), min_id=docs_l[s], max_id=docs_l[e - 1],
        )

    def segment_id(self) -> str:
        return self.segment.segment_id()

    def cancel(self) -> None:
        if not self.perdoc.is_closed:
            try:
                self.perdoc.close()
            except OSError:  # a full disk: the files are deleted anyway
                pass
