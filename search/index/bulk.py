"""Writing Whoosh segments in bulk, a block at a time instead of a posting
at a time.

Whoosh's SegmentWriter files every posting through several Python calls
(pool, sort, length lookup, block writer): about 20 µs a posting, 3–6 ms a
page, which made the writer the bottleneck of ingest. Here postings are
collected in flat arrays, sorted with numpy at commit, and written as whole
W3 blocks; per-document data (stored fields, columns, lengths) still goes
through Whoosh's own per-document writer. The files are the same
whoosh-reloaded 2.7.5 "W3" format, read by Whoosh itself and checked by
``tests/test_index_format.py``.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3TermInfo
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte

from .positions import encode_positional
from .schema import PackedValues

#: Postings per block: larger than Whoosh's 128, since nothing here skips
#: blocks and every block costs an unpickle when read (positional blocks of
#: 2048 rather than 512: cold search p50 / p95 at 100,000 pages 6.9 / 28 ->
#: 6.7 / 27 ms, index 1% smaller). Blocks without positions are stored
#: uncompressed, with ids and counts in the narrowest array type: zlib was
#: two thirds of decoding them (11.8 -> 4.5 µs for 512).
BLOCK = 2048
BLOCK_COUNTS = 2048
COMPRESSION = 1  # level 1: twice as fast to write as 3, files ~8% larger
#: Whoosh pickles blocks with protocol 2, which stores each bytes object
#: (a posting's positions) as a call to _codecs.encode: 134 µs to load a
#: block of 512 against 20 µs with protocol 5. Ids and weights go in as
#: arrays, which protocol 5 stores as raw bytes. Whoosh reads either.
PICKLE_PROTOCOL = 5
#: Terms in at most this many records keep their postings inside the term
#: dictionary entry (Whoosh's "inlined" postings): most of a vocabulary
#: (numbers, names, rare words) then costs no block, no compression and no
#: seek when read.
INLINE = 4
#: Positional blocks compressed: smaller index, slower phrases (see bench).
COMPRESS_POSITIONS = False
#: zlib level of the stored fields column (Whoosh's default is 3).
STORED_LEVEL = 0
#: Blocks smaller than this are stored uncompressed.
MIN_COMPRESS = 256


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


def encode_page(number: int, stemmed: list[str], exact: list[str], length: int | None = None) -> PageTerms:
    """``length`` is the page's length for scoring (default: the stemmed terms)."""
    counts = Counter(stemmed)
    return PageTerms(
        number, len(stemmed) if length is None else length, (list(counts), list(counts.values())), encode_positional(exact)
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

    def add_many(self, term: str, docnums: np.ndarray, counts: np.ndarray, values: list[bytes] | None) -> None:
        """One term's postings in many records at once (merging)."""
        tid = self._ids([term])[0]
        self.tids.extend([tid] * len(docnums))
        self.docs.frombytes(docnums.astype(np.uint32).tobytes())
        self.tfs.frombytes(counts.astype(np.uint32).tobytes())
        if self.positional:
            self.blob += b"".join(values)
            self.vlens.extend(map(len, values))


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
        self.codec = W3Codec(blocklimit=BLOCK, compression=COMPRESSION)
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        # Stored fields (a page's text) as zlib's uncompressed "stored"
        # blocks: Whoosh reads them as ever, and inflating costs ~2 µs a
        # page instead of ~15 (30 pages per search; cold p50 4.6 -> 4.2 ms at
        # 100,000 pages). The index grows 27% (566 -> 720 MB there).
        self.perdoc._colwriters["_stored"]._child._level = STORED_LEVEL
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
        come separately (:meth:`add_record` or :meth:`add_term`)."""
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

    def add_term(self, field: str, term: str, docnums: np.ndarray, counts: np.ndarray, values: list[bytes], positional: bool) -> None:
        """Postings of one term for records already added with :meth:`add_raw`."""
        self._field(field, positional).add_many(term, docnums, counts, values if positional else None)

    def finish(self):
        """Write the segment's files; returns the Whoosh segment object."""
        self.perdoc.close()
        fw = self.codec.field_writer(self.storage, self.segment)
        try:
            for fieldid, name in enumerate(sorted(self.fields)):
                fw._fieldmap[name] = fieldid
                self._write_field(fw, fieldid, name)
        finally:
            fw._tindex.close()
            fw._postfile.close()
        self.segment.set_doc_count(self.docnum)
        return self.segment

    def _write_field(self, fw, fieldid: int, name: str) -> None:
        buf = self.fields[name]
        fmt = self.schema[name].format
        positional = buf.positional
        n_terms = len(buf.vocab)
        terms_sorted = sorted(buf.vocab)
        rank = np.empty(n_terms, dtype=np.int64)
        rank[np.fromiter((buf.vocab[t] for t in terms_sorted), dtype=np.int64, count=n_terms)] = np.arange(n_terms)
        tids = rank[np.frombuffer(buf.tids, dtype=np.uint32)]
        docs = np.frombuffer(buf.docs, dtype=np.uint32).astype(np.int64)
        tfs = np.frombuffer(buf.tfs, dtype=np.uint32)
        order = np.lexsort((docs, tids))
        tids, docs, tfs = tids[order], docs[order], tfs[order]
        if positional:
            vlens = np.frombuffer(buf.vlens, dtype=np.uint32).astype(np.int64)
            voffs = np.cumsum(vlens) - vlens
            vlens, voffs = vlens[order], voffs[order]
            # The values in posting order, so a block's are one slice.
            blob = _gather(np.frombuffer(buf.blob, dtype=np.uint8), voffs, vlens)
            vend = np.cumsum(vlens)
        lens_arr = self.lengths.get(name)
        flen = np.zeros(self.docnum, dtype=np.int64)
        if lens_arr is not None:
            flen[: len(lens_arr)] = np.frombuffer(lens_arr, dtype=np.uint32)
        starts = np.flatnonzero(np.diff(tids, prepend=-1))
        ends = np.append(starts[1:], len(tids))
        postfile = fw._postfile
        tindex = fw._tindex
        prefix = pack_ushort(fieldid)
        fixed0 = fmt.fixed_value_size() == 0
        # Python lists: slicing them per block is far cheaper than numpy scalars.
        docs_l = docs.tolist()
        tfs_l = tfs.tolist()
        flen_l = flen.tolist()
        deltas_all = np.diff(docs, prepend=0).astype(np.uint32)
        if positional:
            vend_l = vend.tolist()
        block = BLOCK if positional else BLOCK_COUNTS
        for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist())):
            if e - s <= INLINE:
                ids = docs_l[s:e]
                ws = tfs_l[s:e]
                bl = [flen_l[i] for i in ids]
                ti = W3TermInfo(
                    weight=float(sum(ws)), df=e - s, minlength=min(bl) or None, maxlength=max(bl),
                    maxweight=float(max(ws)), minid=ids[0], maxid=ids[-1],
                )
                if positional:
                    vals = tuple(blob[(vend_l[i - 1] if i else 0) : vend_l[i]] for i in range(s, e))
                else:  # Whoosh's matchers hand a missing value on as "", which its merge refuses
                    vals = (b"",) * (e - s)
                ti._inlined = (tuple(ids), tuple(float(w) for w in ws), vals)
                tindex.add(prefix + terms_sorted[k].encode("utf-8"), ti.to_bytes())
                continue
            offset = postfile.tell()
            postfile.write(WHOOSH3_HEADER_MAGIC)
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
                d = deltas_all[b0:b1].copy()
                d[0] = ids[0]  # each block starts from its absolute first id
                deltas = array("H", d.astype(np.uint16).tobytes()) if int(d.max()) < 65536 else array("I", d.tobytes())
                if bw == 1 and min(ws) == 1:
                    wdata = None
                elif min(ws) == bw:
                    wdata = float(bw)
                else:
                    wdata = array("B", ws) if bw < 256 else array("f", ws)
                if fixed0:
                    vdata = None
                elif positional:
                    start = vend_l[b0 - 1] if b0 else 0
                    vdata = PackedValues(blob[start : vend_l[b1 - 1]], (vend[b0:b1] - start).astype("<u4").tobytes())
                else:  # pragma: no cover - no such field in the schema
                    raise TypeError(f"cannot bulk-write field {name!r}")
                data = pickle.dumps((deltas, wdata, vdata), PICKLE_PROTOCOL)
                comp = COMPRESSION if self.compress_positions and positional and len(data) >= MIN_COMPRESS else 0
                if comp:
                    data = zlib.compress(data, comp)
                info = pickle.dumps(
                    (len(ids), ids[-1], float(bw), comp, length_to_byte(mn or None), length_to_byte(mx)), 2
                )
                blen = len(info) + len(data)
                postfile.write_int(-blen if b1 == e else blen)
                postfile.write(info)
                postfile.write(data)
                total_w += sum(ws)
                max_w = max(max_w, bw)
                if mn and (min_len is None or mn < min_len):
                    min_len = mn
                max_len = max(max_len, mx)
            ti = W3TermInfo(weight=float(total_w), df=e - s, minlength=min_len, maxlength=max_len, maxweight=float(max_w), minid=docs_l[s], maxid=docs_l[e - 1])
            ti.set_extent(offset, postfile.tell() - offset)
            tindex.add(prefix + terms_sorted[k].encode("utf-8"), ti.to_bytes())

    def cancel(self) -> None:
        if not self.perdoc.is_closed:
            self.perdoc.close()
