"""A read-only view of one index generation, in numpy arrays.

Searching here does not go through Whoosh's matchers and collectors: posting
lists are read a block at a time straight from the whoosh-reloaded 2.7.5
"W3" posting format into numpy arrays (:mod:`.whoosh_format`), and
everything after that (boolean logic at document level, BM25F, facets) is
vector arithmetic in :mod:`search.query`. That format is frozen upstream
with the version pinned in pyproject.toml; ``tests/index/test_index_format.py``
checks every read here against Whoosh's own matchers.
"""

from __future__ import annotations

import bisect
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.codec.base import Automata

from .. import config
from ..lru import SizedLRU
from .errors import IndexDamaged, IndexProblem
from .fallbacks import warn_once
from .lookup import SegmentTerms
from .positions import PositionTable
from .schema import HEADER_PAGE, PackedValues
from .store import Store, release_abandoned_files
from .whoosh_format import (
    NoFastPath,
    PostingSource,
    READ_WINDOW,
    StoredColumn,
    WHOOSH_READS,
    decode_blocks,
    deleted_records,
    posting_extent,
    read_int_column,
    segment_readers,
    stored_column,
)

#: Fields whose term dictionaries are read into memory when a generation
#: is opened (header records only: a few thousand terms a segment).
SMALL_FIELDS = ("title", "title_x", "meta", "author", "title_ph")
_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float32)


@dataclass
class Postings:
    """One term's postings in one field: record numbers and term counts."""

    ids: np.ndarray  # int32 Whoosh record numbers, ascending, live records only
    tf: np.ndarray  # float32 term count per record

    def __len__(self) -> int:
        return len(self.ids)


EMPTY_POSTINGS = Postings(_EMPTY_I, _EMPTY_F)


def _stored_column(owner: object, segreader) -> StoredColumn | None:
    """Direct reads of a segment's stored fields, or None: Whoosh reads them."""
    try:
        return stored_column(owner, segreader)
    except NoFastPath as e:
        warn_once("stored fields", str(e))
        return None


def _nbytes(value: Any) -> int:
    if isinstance(value, Postings):
        return value.ids.nbytes + value.tf.nbytes + 64
    if isinstance(value, PositionTable):
        return value.nbytes + 200
    if isinstance(value, list):
        return 64 + sum(len(v) + 50 for v in value)
    return 256


#: Metadata a lean snapshot (a searcher's) keeps for every document: what
#: passes over all documents read (facets, sort keys, families, languages,
#: field lengths, navigation pages) and what a version list shows. The rest
#: (paths, identifiers, descriptions, page labels, section headings, the
#: text's signature) is read from the index for the documents shown
#: (:meth:`Snapshot.full_info`): at 1,000,000 pages the whole metadata of
#: 29,000 documents held 125 MB in every serving worker.
ROW_KEYS = frozenset({
    "id", "dn", "title", "date", "year", "kind", "language", "type", "publisher",
    "jurisdictions", "authors", "topics", "page_count", "paged", "family",
})
# A document's field lengths ("lens") and navigation pages ("nav_pages") are
# read into arrays when a snapshot opens and not kept in its row: 7 MB at
# 1,000,000 pages.


class RowInfo(dict):
    """A lean snapshot's metadata of one document: :data:`ROW_KEYS` only.
    Asking it for another key is a bug (it would read as missing), so it
    raises: such readers want :meth:`Snapshot.full_info`."""

    __slots__ = ()

    def get(self, key: str, default: Any = None) -> Any:
        if key not in ROW_KEYS:
            raise KeyError(f"{key!r} is not kept per document row: read Snapshot.full_info(row)")
        return dict.get(self, key, default)

    def __getitem__(self, key: str) -> Any:
        if key not in ROW_KEYS:
            raise KeyError(f"{key!r} is not kept per document row: read Snapshot.full_info(row)")
        return dict.__getitem__(self, key)


def _compact(value: Any) -> Any:
    """Stored metadata with its keys and short texts interned: every
    header's unpickled dict had its own copy of each of its 38 keys and of
    values repeated across documents (a language, a type, a folder). At
    1,000,000 pages (29,000 documents) a lean snapshot's metadata took
    250 MB, now 125."""
    if isinstance(value, str):
        return sys.intern(value) if len(value) <= _INTERN_CHARS else value
    if isinstance(value, dict):
        return {sys.intern(k) if isinstance(k, str) else k: _compact(v) for k, v in value.items()}
    if isinstance(value, list) and len(value) <= _SHORT_LIST:
        # Jurisdictions, topics, authors; not a text signature's numbers
        # or an unpaged document's section headings (walking those made
        # reading 29,000 headers take seconds).
        return [_compact(v) for v in value]
    return value


_INTERN_CHARS = 40
_SHORT_LIST = 16


class Snapshot:
    """Arrays and posting access for one generation of a store.

    Record numbers are Whoosh's global document numbers; ``page_doc`` maps
    them to document rows (``-1`` for headers and deleted records), and the
    document rows index every per-document array (``docs``).
    """

    def __init__(
        self, store: Store, *, cache_bytes: int | None = None, lean: bool = False, terms: bool = True,
        drop: tuple[str, ...] | None = None,
    ):
        #: ``lean``: ``infos`` hold :data:`ROW_KEYS` only (:class:`RowInfo`);
        #: else without the keys in ``drop``. :meth:`full_info` reads the
        #: rest when wanted.
        self.lean = lean
        self.drop: tuple[str, ...] = drop or ()
        try:
            self._open(store, cache_bytes, terms)
        except IndexProblem:
            raise
        except Exception as e:  # damaged files that were not caught by their checksums
            release_abandoned_files(e)
            raise IndexDamaged(f"it cannot be read ({type(e).__name__}: {' '.join(str(e).split())[:120]})") from None

    def _open(self, store: Store, cache_bytes: int | None, terms: bool) -> None:
        self.store = store
        #: The phrases counted whole in this store (search.text.phrases).
        self.phrases = store.phrases()
        self.ix = store.whoosh
        self.reader = self.ix.reader()
        self.generation: int = self.reader.generation()
        self.key = (store.name, self.generation)
        # An empty index has a reader with no segments behind it.
        self._leaves = segment_readers(self.reader)
        # Term look-ups load each segment's small fields: not needed by who
        # reads only documents' stored infos (an ingest's plan, the family pass).
        self._lookups = [(SegmentTerms(r, SMALL_FIELDS), off) for r, off in self._leaves] if terms else []
        self._leaf_starts = [off for _, off in self._leaves]
        self._stored_columns = [_stored_column(self, r) for r, _ in self._leaves]
        self.n_records = self.reader.doc_count_all()
        self._load_arrays()
        # Decoded posting lists, least recently used first, bounded by size:
        # a common word's list at 100,000 pages is ~0.8 MB. With the other
        # caches this keeps a serving worker under 300 MB at 100,000 pages.
        self._cache = SizedLRU(self.cache_budgets().postings if cache_bytes is None else cache_bytes, _nbytes)

    def cache_budgets(self) -> config.CacheBudgets:
        """A serving worker's cache budgets with this index open: smaller
        caches of page arrays for a large index (:func:`config.cache_budgets`)."""
        return config.cache_budgets(index=config.index_mb(self.n_records, self.n_docs))

    # -- loading ---------------------------------------------------------

    def _load_arrays(self) -> None:
        n = self.n_records
        live = np.ones(n, dtype=bool)
        dn = np.empty(n, dtype=np.int32)
        pg = np.empty(n, dtype=np.int32)
        ln = np.empty(n, dtype=np.int32)
        for seg, offset in self._leaves:
            m = seg.doc_count_all()
            dn[offset : offset + m] = read_int_column(seg, "dn", m, -1)
            pg[offset : offset + m] = read_int_column(seg, "pg", m, -1)
            ln[offset : offset + m] = read_int_column(seg, "ln", m, 0)
            if seg.has_deletions():
                live[offset + deleted_records(seg)] = False
        self.live = live
        headers = np.flatnonzero(live & (pg == HEADER_PAGE))
        # Keys are dropped as each header is read, not after: at 1,000,000
        # pages all of them held 400 MB at once, which the allocator kept.
        # A kept snapshot (a searcher's, the family pass's) has its
        # metadata compacted; a full one is read once and let go.
        infos = []
        arrays: list[tuple[dict[str, int], list[int]]] = []  # (lens, nav_pages) per header
        drop = self.drop
        for h in headers.tolist():
            info = self.stored(h)["info"]
            arrays.append((info.get("lens") or {}, info.get("nav_pages") or []))
            if self.lean:
                info = RowInfo(_compact({k: v for k, v in info.items() if k in ROW_KEYS}))
            elif drop:
                for key in drop:
                    info.pop(key, None)
                info = _compact(info)
            infos.append(info)
        header_dn = dn[headers]
        # Rows in ascending document ordinal: stable across generations.
        order = np.argsort(header_dn, kind="stable")
        self.header_records = headers[order].astype(np.int32)
        self.infos: list[dict[str, Any]] = [infos[i] for i in order]
        self.doc_dn = header_dn[order]
        self.n_docs = len(self.infos)
        dn_to_row = np.full(int(dn.max(initial=-1)) + 2, -1, dtype=np.int32)
        dn_to_row[self.doc_dn] = np.arange(self.n_docs, dtype=np.int32)
        is_page = live & (pg > HEADER_PAGE)
        page_doc = np.full(n, -1, dtype=np.int32)
        page_doc[is_page] = dn_to_row[dn[is_page]]
        self.page_doc = page_doc
        self.page_num = pg
        self.page_len = np.where(is_page, ln, 0).astype(np.float32)
        self.n_pages = int(is_page.sum())
        self.row_of_id = {info["id"]: i for i, info in enumerate(self.infos)}
        self.record_row = np.full(n, -1, dtype=np.int32)  # header record → row
        self.record_row[self.header_records] = np.arange(self.n_docs, dtype=np.int32)
        # Field lengths per document row.
        self.doc_content_len = np.bincount(
            page_doc[is_page], weights=ln[is_page], minlength=self.n_docs
        ).astype(np.float32)
        lens = [arrays[i][0] for i in order]
        self.doc_title_len = np.array([l.get("title", 0) for l in lens], dtype=np.float32)
        self.doc_meta_len = np.array([l.get("meta", 0) for l in lens], dtype=np.float32)
        self.doc_author_len = np.array([l.get("author", 0) for l in lens], dtype=np.float32)
        #: Per page record, whether its document listed it among its
        #: navigation pages (contents, glossary, references); None when
        #: no document did.
        self.page_nav = _navigation_records(page_doc, pg, [arrays[i][1] for i in order])

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> "Snapshot":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- postings --------------------------------------------------------

    def _cached(self, key, compute):
        return self._cache.get_or_compute(key, compute)

    def clear_cache(self) -> None:
        self._cache.clear()

    def _blocks(self, field: str, term: str, want_values: bool, within: np.ndarray | None = None):
        """Every segment's posting blocks of a term: (record numbers,
        counts, values), record numbers global. With ``within`` (record
        numbers, ascending), only the blocks that may hold one of them."""
        tbytes = term.encode("utf-8")
        hashed: dict = {}  # the key's hash, shared by the segments
        for lookup, offset in self._lookups:
            ti = lookup.term_info(field, tbytes, hashed)
            if ti is None:
                continue
            if ti.is_inlined():
                ids, weights, values = ti.inlined_postings()
                yield np.array(ids, dtype=np.int64) + offset, np.array(weights, dtype=np.float32), values
                continue
            start, length = posting_extent(ti)
            wanted = None
            if within is not None:
                def wanted(lo: int, hi: int, offset: int = offset) -> bool:
                    i = int(np.searchsorted(within, lo + offset))
                    return i < len(within) and int(within[i]) <= hi + offset
            if length <= READ_WINDOW:
                source: bytes | PostingSource = lookup.posting_bytes(start, length)
            else:  # read a window at a time: the blocks not wanted are only passed over
                source = PostingSource(lambda a, n, lookup=lookup, start=start: lookup.posting_bytes(start + a, n), length)
            for ids, w, vals in decode_blocks(source, want_values, wanted):
                yield ids + offset, w, vals

    def postings(self, field: str, term: str) -> Postings:
        """Live records containing ``term`` in ``field``, with term counts."""
        return self._cached(("p", field, term), lambda: self._postings(field, term))

    def _postings(self, field: str, term: str) -> Postings:
        ids_parts, tf_parts = [], []
        for ids, w, _ in self._blocks(field, term, False):
            ids_parts.append(ids)
            tf_parts.append(w)
        if not ids_parts:
            return EMPTY_POSTINGS
        ids = np.concatenate(ids_parts).astype(np.int32)
        tf = np.concatenate(tf_parts)
        keep = self.live[ids]
        if not keep.all():
            ids, tf = ids[keep], tf[keep]
        return Postings(ids, tf)

    def positions(self, field: str, term: str) -> PositionTable:
        """Records with ``term`` (ascending) and their positions, still
        encoded: a phrase check decodes only the records it needs."""
        return self._cached(("x", field, term), lambda: self._positions(field, term))

    def positions_within(self, field: str, term: str, records: np.ndarray) -> PositionTable:
        """The positions of ``term`` in at least the ``records`` (ascending)
        that hold it: the whole table when it is cached, else only the
        posting blocks that may hold them (not cached). Proximity reads a
        common word's positions on the pages of 20 documents: at 1,000,000
        pages its whole table (300,000 pages) cost 13-25 ms to read."""
        whole = self._cache.get(("x", field, term))
        return whole if whole is not None else self._positions(field, term, records)

    def _positions(self, field: str, term: str, within: np.ndarray | None = None) -> PositionTable:
        ids_parts, blobs, ends_parts, bases = [], [], [], []
        size = 0
        for ids, _w, vals in self._blocks(field, term, True, within):
            ids_parts.append(ids)
            if isinstance(vals, PackedValues):
                blob, ends = vals.blob, vals.ends
            else:  # tuples: inlined postings, or blocks Whoosh wrote
                blob = b"".join(vals)
                ends = np.cumsum(np.fromiter(map(len, vals), dtype=np.int64, count=len(vals))).astype("<u4").tobytes()
            blobs.append(blob)
            ends_parts.append(ends)
            bases.append(size)
            size += len(blob)
        if not ids_parts:
            return PositionTable(_EMPTY_I, b"", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        ids = np.concatenate(ids_parts).astype(np.int32)
        # Each block's value ends count from its own start: shift them by
        # where the block lands in the joined buffer, in one pass.
        ends = np.frombuffer(b"".join(ends_parts), dtype="<u4").astype(np.int64)
        ends += np.repeat(np.array(bases, dtype=np.int64), [len(e) // 4 for e in ends_parts])
        starts = np.empty_like(ends)
        starts[0] = 0
        starts[1:] = ends[:-1]
        table = PositionTable(ids, b"".join(blobs), starts, ends - starts)
        lens = table.lens
        keep = self.live[ids]
        if not keep.all():
            table = PositionTable(ids[keep], table.blob, table.starts[keep], lens[keep])
        return table

    def doc_frequency(self, field: str, term: str) -> int:
        """Records containing the term (deleted ones included: an estimate)."""
        tbytes = term.encode("utf-8")
        infos = (lookup.term_info(field, tbytes) for lookup, _ in self._lookups)
        return sum(ti.doc_frequency() for ti in infos if ti is not None)

    # -- lexicon ---------------------------------------------------------

    def expand_prefix(self, field: str, prefix: str, limit: int = 512) -> list[str]:
        """Terms of ``field`` starting with ``prefix``, most frequent first."""
        def compute():
            found: dict[str, int] = {}
            with WHOOSH_READS:
                for seg, _ in self._leaves:
                    for t in seg.expand_prefix(field, prefix):
                        t = t.decode("utf-8") if isinstance(t, bytes) else t
                        found[t] = found.get(t, 0) + seg.doc_frequency(field, t)
            ranked = sorted(found, key=lambda t: (-found[t], t))
            return ranked[:limit]

        return self._cached(("e", field, prefix, limit), compute)

    def similar_terms(self, field: str, word: str, maxdist: int = 2, prefix: int = 1) -> list[tuple[str, int]]:
        """Terms within an edit distance of ``word`` that share its first
        ``prefix`` letters (which prunes Whoosh's automaton search ~6x),
        with document frequency, most frequent first."""
        # One automaton for all segments: building it is most of the cost.
        dfa = Automata.levenshtein_dfa(word, maxdist, min(prefix, len(word) - 1))
        found: dict[str, int] = {}
        for lookup, _ in self._lookups:
            for t in lookup.similar(field, dfa):
                ti = lookup.term_info(field, t.encode("utf-8"))
                found[t] = found.get(t, 0) + (ti.doc_frequency() if ti is not None else 0)
        return sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))

    # -- stored data -----------------------------------------------------

    def page_text(self, record: int) -> str:
        return self.stored(record).get("text", "")

    def full_info(self, row: int) -> dict[str, Any]:
        """Document ``row``'s stored metadata with every key (a lean
        snapshot's ``infos`` lack some: read from the index)."""
        if not (self.lean or self.drop):
            return self.infos[row]
        return self.stored(int(self.header_records[row]))["info"]

    def stored(self, record: int) -> dict[str, Any]:
        """A record's stored fields, read directly (:class:`StoredColumn`)
        unless the segment's column needs Whoosh's reader."""
        record = int(record)
        i = bisect.bisect_right(self._leaf_starts, record) - 1
        column = self._stored_columns[i]
        if column is None:
            with WHOOSH_READS:
                return self.reader.stored_fields(record)
        return column.get(record - self._leaf_starts[i])


def _navigation_records(page_doc: np.ndarray, page_num: np.ndarray, nav_pages: list[list[int]]) -> np.ndarray | None:
    """Per page record, whether it is among its document's ``nav_pages``
    (by document row); None when no document listed one."""
    rows: list[int] = []
    pages: list[int] = []
    for row, nav in enumerate(nav_pages):
        if nav:
            rows += [row] * len(nav)
            pages += nav
    if not rows:
        return None
    wanted = (np.array(rows, dtype=np.int64) << 32) | np.array(pages, dtype=np.int64)
    keys = (page_doc.astype(np.int64) << 32) | page_num.astype(np.int64)
    return (page_doc >= 0) & np.isin(keys, wanted)


def indexed_infos(store: Store) -> list[dict[str, Any]]:
    """The stored metadata of every indexed document, in row order."""
    snap = Snapshot(store, terms=False)
    try:
        return list(snap.infos)
    finally:
        snap.close()


def store_counts(store: Store) -> tuple[int, int]:
    """(documents, pages) in a store's latest generation, as a
    :class:`Snapshot`'s ``n_docs`` and ``n_pages``, from the ``pg`` column
    and the deletions alone: opening a snapshot unpickles every document's
    metadata."""
    reader = store.whoosh.reader()
    try:
        docs = pages = 0
        for seg, _ in segment_readers(reader):
            n = seg.doc_count_all()
            pg = read_int_column(seg, "pg", n, -1)
            live = np.ones(n, dtype=bool)
            if seg.has_deletions():
                live[deleted_records(seg)] = False
            docs += int(np.count_nonzero(live & (pg == HEADER_PAGE)))
            pages += int(np.count_nonzero(live & (pg > HEADER_PAGE)))
        return docs, pages
    finally:
        reader.close()
