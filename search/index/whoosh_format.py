"""Whoosh's file format, and every reach into Whoosh's private objects.

etslib writes and reads whoosh-reloaded 2.7.5's "W3" segments with its own
code (whole posting blocks written with numpy, blocks decoded into arrays,
term lookups with ``os.pread``) instead of Whoosh's per-posting Python. All
that code needs to know about Whoosh's files is here, encoders beside
decoders, together with the private attributes of Whoosh's readers and
writers that hold those files. The rest of ``search/index`` uses these
functions and Whoosh's public API only (``tests/index/test_whoosh_format.py``
checks), so a Whoosh upgrade touches this module alone, and
``tests/index/test_index_format.py`` says whether it still agrees with
Whoosh. For the same reason the installed version is checked at import.

The layouts, as whoosh-reloaded 2.7.5 writes them:

* A posting list (``.pst``): ``b"W3Bl"``, then blocks. A block is its
  length (big-endian int32, negative for the last block), a pickled info
  tuple ``(count, last id, max weight, compression, min length byte, max
  length byte)`` and the pickled, maybe zlib-compressed, data tuple ``(id
  gaps, weights, values)`` (:func:`encode_block`, :func:`decode_blocks`).
* A term info (a value of the term dictionary): ``struct "!BfIBBfII"``
  (inlined?, weight, document frequency, min and max length bytes, max
  weight, first and last id), then either the pickled postings ``(ids,
  weights, values)`` (few postings: "inlined") or the posting list's offset
  (int64) and length (int32).
* The term dictionary (``.trm``): Whoosh's ordered hash file; keys are the
  field's number (uint16) and the term's bytes (:func:`find_value`).
* Columns: numbers as fixed-width big-endian values from the column's
  start; stored fields as one pickled dict per record, zlib-compressed,
  found through the offsets and lengths at the column's end.
* Field lengths: one lossy byte per record (Whoosh's ``length_to_byte``),
  in the column ``_<field>_len``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import os
import pickle
import re
import struct
import threading
import weakref
import zlib
from array import array
from typing import Any, Callable, Iterator

import numpy as np

from .errors import IndexProblem

# -- the version whose format this is --------------------------------------

#: The whoosh-reloaded release whose files this module reads and writes
#: (pinned in pyproject.toml).
WHOOSH_VERSION = "2.7.5"
WHOOSH_DISTRIBUTION = "whoosh-reloaded"


#: Whoosh's readers seek and then read file objects that a segment's
#: readers share, so threads reading through them take turns (prefix
#: expansion, and the fallbacks for files the direct reads do not know).
#: Four threads searching one snapshot otherwise read each other's bytes:
#: "unpack requires a buffer of 4 bytes", and wrong terms.
WHOOSH_READS = threading.RLock()


class WhooshVersionError(IndexProblem):
    """The installed Whoosh is not the release whose format etslib knows."""


def installed_whoosh_version() -> str | None:
    try:
        return importlib.metadata.version(WHOOSH_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_whoosh_version(installed: str | None) -> None:
    """Raise :class:`WhooshVersionError` unless ``installed`` is the
    version this module was written against."""
    if installed == WHOOSH_VERSION:
        return
    found = f"{installed} is installed" if installed else "it is not installed"
    raise WhooshVersionError(
        f"etslib needs {WHOOSH_DISTRIBUTION} {WHOOSH_VERSION}, whose index files it reads directly, "
        f"but {found}: run `pip install {WHOOSH_DISTRIBUTION}=={WHOOSH_VERSION}`"
    )


check_whoosh_version(installed_whoosh_version())

# Whoosh is imported once its version is known to be the right one.
from whoosh.codec.whoosh3 import (  # noqa: E402
    LENGTHS_COLUMN,
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3TermInfo,
    _lenfield,
)
from whoosh.index import TOC, clean_files  # noqa: E402
from whoosh.reading import SegmentReader, TermNotFound  # noqa: E402
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: E402

#: What a term lookup returns (Whoosh's class: its matchers take it too).
TermInfo = W3TermInfo


class NoFastPath(Exception):
    """Why a file cannot be read directly; the caller uses Whoosh's reader."""


def own_fd(owner: object, structfile) -> int:
    """A duplicate of a Whoosh file's descriptor, closed when ``owner`` is
    garbage: a search still running on a replaced snapshot (another
    thread) must never pread from a number the kernel has handed to a new
    file since the snapshot was closed. Raises :class:`NoFastPath` when the
    file is not a file on disk."""
    try:
        fd = os.dup(structfile.file.fileno())
    except (AttributeError, OSError, ValueError) as e:
        raise NoFastPath(f"the file has no descriptor ({type(e).__name__}: {e})") from e
    weakref.finalize(owner, os.close, fd)
    return fd


# -- the table of contents and segments ------------------------------------

#: Whoosh's name of an index within its folder (every store has one).
INDEXNAME = "MAIN"


def read_toc(ix):
    """The index's latest table of contents (schema, segments, generation)."""
    return ix._read_toc()


def write_toc(storage, indexname: str, schema, segments: list, generation: int, *, before_publish=None) -> None:
    """Commit ``segments`` as ``generation``: one atomic rename of the new
    table of contents, then the files no segment uses are deleted.

    ``before_publish(name)`` is called with the new TOC's temporary file
    name once it is written and synced, before the rename makes it live
    (the storage must be a :class:`~.storage.DurableStorage`).
    """
    storage.before_toc_rename = before_publish
    try:
        TOC(schema, segments, generation).write(storage, indexname)
    finally:
        storage.before_toc_rename = None
    clean_files(storage, indexname, generation, segments)


def latest_generation(storage, indexname: str) -> int:
    """The newest generation with a table of contents (-1: none), from the
    file names alone (opening the index reads the TOC)."""
    return TOC._latest_generation(storage, indexname)


def toc_filename(indexname: str, generation: int) -> str:
    return TOC._filename(indexname, generation)


#: A table of contents being written (renamed into place when complete):
#: what a commit stopped by a full disk leaves behind.
TEMP_TOC_RE = re.compile(r"^_[A-Za-z0-9]+_[0-9]+\.toc\.")


def remove_files(storage, segment_id: str) -> None:
    """Delete a segment's files and any unfinished table of contents (a
    commit that failed)."""
    for name in list(storage):
        if name.startswith(segment_id + ".") or TEMP_TOC_RE.match(name):
            try:
                storage.delete_file(name)
            except OSError:
                pass


def remove_unreferenced(storage, indexname: str) -> list[str]:
    """Delete the files of the live generation's folder that no commit
    refers to: segment files of a commit that failed (a full disk left
    6.7 MB of them) and unfinished tables of contents. Hold the ingest lock."""
    generation = latest_generation(storage, indexname)
    try:
        live = set(s.segment_id() for s in TOC.read(storage, indexname, generation).segments) if generation >= 0 else set()
    except Exception as e:  # noqa: BLE001 - a damaged TOC: which files it needs is unknown, delete nothing
        from .store import release_abandoned_files

        release_abandoned_files(e)
        return []
    segpattern = TOC._segment_pattern(indexname)
    gone = []
    for name in list(storage):
        m = segpattern.match(name)
        if (m and m.group(1) not in live) or TEMP_TOC_RE.match(name):
            try:
                storage.delete_file(name)
                gone.append(name)
            except OSError:
                pass
    return gone


def segments_of(ix) -> list:
    """The segments of the index's latest generation."""
    return ix._segments()


def open_segment(storage, schema, segment) -> SegmentReader:
    return SegmentReader(storage, schema, segment)


def segment_readers(reader) -> list[tuple[SegmentReader, int]]:
    """``(segment reader, number of its first record)`` of each segment
    behind an index reader (none for an empty index, whose reader has no
    segment behind it)."""
    return [(r, off) for r, off in reader.leaf_readers() if hasattr(r, "_perdoc")]


def new_segment(storage, indexname: str, *, blocklimit: int, compression: int):
    """A new segment, its codec and its per-document writer (stored fields,
    columns, field lengths). The codec is pickled into the table of
    contents with its settings."""
    codec = W3Codec(blocklimit=blocklimit, compression=compression)
    segment = codec.new_segment(storage, indexname)
    return codec, segment, codec.per_document_writer(storage, segment)


# -- deletions, columns and field lengths ----------------------------------


def deleted_records(segreader) -> np.ndarray:
    """The numbers of a segment's deleted records, in no particular order."""
    return np.fromiter(segreader._perdoc.deleted_docs(), dtype=np.int64)


def read_int_column(segreader, field: str, n: int, default: int) -> np.ndarray:
    """A ``NumericColumn("i")`` of one segment as an int32 array of length
    ``n``: Whoosh writes the values big-endian from the column's start and
    leaves out the records after the last one with a value."""
    out = np.full(n, default, dtype=np.int32)
    perdoc = segreader._perdoc
    if not perdoc.has_column(field):
        return out
    creader = perdoc.column_reader(field, segreader.schema[field].column_type)
    count = creader._count
    if count:
        out[:count] = np.frombuffer(creader._dbfile.get(creader._basepos, count * 4), dtype=">i4")
    return out


#: Field length per length byte (the encoder, Whoosh's ``length_to_byte``,
#: is lossy above a few dozen).
_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.int64)


def read_lengths(segreader, field: str, n: int) -> np.ndarray:
    """A field's per-record lengths in one segment, decoded from the bytes."""
    perdoc = segreader._perdoc
    name = _lenfield(field)
    if not perdoc.has_column(name):
        return np.zeros(n, dtype=np.int64)
    col = perdoc.column_reader(name, LENGTHS_COLUMN)
    raw = np.zeros(n, dtype=np.uint8)
    if col._count:
        raw[: col._count] = np.frombuffer(col._dbfile.get(col._basepos, col._count), dtype=np.uint8)
    return _BYTE_TO_LENGTH[raw]


# -- stored fields ---------------------------------------------------------


def set_stored_level(perdoc, level: int) -> None:
    """Compress the stored fields of a segment being written at zlib
    ``level`` (Whoosh's is 3); Whoosh reads any level."""
    perdoc._colwriters["_stored"]._child._level = level


class StoredColumn:
    """A segment's stored fields read with one pread, inflate and unpickle
    a record (Whoosh's column readers add ~10 µs of Python)."""

    __slots__ = ("fd", "base", "offsets", "lengths")

    def __init__(self, fd: int, base: int, offsets, lengths):
        self.fd = fd
        self.base = base  # where the column starts in its file
        self.offsets = offsets  # of each record's value, from base
        self.lengths = lengths  # 0: no stored fields

    def get(self, local: int) -> dict[str, Any]:
        """The stored fields of the segment's record ``local``."""
        n = self.lengths[local]
        if not n:
            return {}
        return pickle.loads(zlib.decompress(os.pread(self.fd, n, self.base + self.offsets[local])))


def stored_column(owner: object, segreader) -> StoredColumn:
    """Direct reads of a segment's stored fields, its descriptor owned by
    ``owner`` (see :func:`own_fd`). Raises :class:`NoFastPath` when the
    column is not a plain zlib-compressed column in a file."""
    try:
        child = segreader._perdoc._cached_reader("_stored", STORED_COLUMN)._child
        decompress, dbfile = child._decompress, child._dbfile
        base, offsets, lengths = child._basepos, child._offsets, child._lengths
    except (AttributeError, OSError, ValueError) as e:
        why = f"{type(e).__name__}: {e}"
        raise NoFastPath(f"the stored-fields column is not one Whoosh {WHOOSH_VERSION} wrote to a file ({why})") from e
    if decompress is not zlib.decompress:
        raise NoFastPath(f"the stored-fields column is not zlib-compressed ({decompress!r})")
    return StoredColumn(own_fd(owner, dbfile), base, offsets, lengths)


# -- term infos ------------------------------------------------------------

#: A term info's bytes as a term info.
decode_terminfo = W3TermInfo.from_bytes


def encode_terminfo(
    *, weight: float, df: int, min_length: int | None, max_length: int, max_weight: float,
    min_id: int, max_id: int, offset: int, length: int,
) -> bytes:
    """The term info of postings written to the posting file at ``offset``."""
    ti = W3TermInfo(
        weight=weight, df=df, minlength=min_length, maxlength=max_length, maxweight=max_weight,
        minid=min_id, maxid=max_id,
    )
    ti.set_extent(offset, length)
    return ti.to_bytes()


def encode_inlined_terminfo(
    ids: list[int], counts: list[int], values: tuple[bytes, ...] | None, lengths: list[int]
) -> bytes:
    """The term info of a term in few records, with its postings inside:
    record numbers, term counts, values (``None``: the field has none) and
    the records' field lengths."""
    ti = W3TermInfo(
        weight=float(sum(counts)), df=len(ids), minlength=min(lengths) or None, maxlength=max(lengths),
        maxweight=float(max(counts)), minid=ids[0], maxid=ids[-1],
    )
    if values is None:  # Whoosh's matchers hand a missing value on as "", which its merge refuses
        values = (b"",) * len(ids)
    ti._inlined = (tuple(ids), tuple(float(w) for w in counts), values)
    return ti.to_bytes()


def posting_extent(ti: TermInfo) -> tuple[int, int]:
    """Where a term's posting list is in the posting file: (offset, length)."""
    offset, length = ti.extent()
    if isinstance(length, tuple):  # whoosh 2.7.5 decodes the length as a 1-tuple
        length = length[0]
    return offset, length


# -- posting blocks --------------------------------------------------------

#: Whoosh pickles blocks with protocol 2, which stores each bytes object
#: (a posting's positions) as a call to _codecs.encode: 134 µs to load a
#: block of 512 against 20 µs with protocol 5. Ids and weights go in as
#: arrays, which protocol 5 stores as raw bytes. Whoosh reads either.
PICKLE_PROTOCOL = 5
#: Blocks smaller than this are stored uncompressed.
MIN_COMPRESS = 256

_INT = struct.Struct("!i")


def encode_block(
    ids: list[int], gaps: np.ndarray, counts: list[int], values: Any, *,
    max_count: int, min_length: int, max_length: int, compression: int,
) -> tuple[bytes, bytes]:
    """One posting block: its info and its data.

    ``gaps`` are the uint32 differences between consecutive record numbers
    (its first is replaced by ``ids[0]``: a block counts from its absolute
    first id), ``counts`` the term counts (``max_count`` their maximum),
    ``values`` the block's values (``None`` when the field has none), the
    lengths the records' shortest and longest field, ``compression`` a zlib
    level for blocks of at least :data:`MIN_COMPRESS` bytes (0: none).
    """
    d = gaps.copy()
    d[0] = ids[0]
    ids_data = array("H", d.astype(np.uint16).tobytes()) if int(d.max()) < 65536 else array("I", d.tobytes())
    if max_count == 1 and min(counts) == 1:
        weights = None
    elif min(counts) == max_count:
        weights = float(max_count)
    else:
        weights = array("B", counts) if max_count < 256 else array("f", counts)
    data = pickle.dumps((ids_data, weights, values), PICKLE_PROTOCOL)
    comp = compression if compression and len(data) >= MIN_COMPRESS else 0
    if comp:
        data = zlib.compress(data, comp)
    info = pickle.dumps(
        (len(ids), ids[-1], float(max_count), comp, length_to_byte(min_length or None), length_to_byte(max_length)), 2
    )
    return info, data


#: Bytes of a posting list held at a time while it is decoded from its file
#: (:class:`PostingSource`): a common word's list with its positions is tens
#: of MB at 1,000,000 pages, and reading it whole to decode the few blocks
#: near a phrase's candidates held all of it at once (53 MB for a Chinese
#: notice's title as a query).
READ_WINDOW = 1 << 20


class PostingSource:
    """A posting list's bytes, read from its file a window at a time."""

    def __init__(self, read: Callable[[int, int], bytes], length: int, window: int | None = None):
        self._read = read  # (offset in the list, length) -> bytes
        self.length = length
        self._window = window or READ_WINDOW
        self._buf = b""
        self._start = 0
        self._io: io.BytesIO | None = None

    def window(self, a: int, b: int) -> tuple[io.BytesIO, bytes, int]:
        """A stream over a buffer holding bytes ``[a, b)`` (read now unless
        the last buffer holds them), the buffer, and the offset in the list
        where it starts."""
        if not (self._start <= a and b <= self._start + len(self._buf)):
            self._buf = self._read(a, min(self.length - a, max(self._window, b - a)))
            self._start = a
            self._io = None
            if len(self._buf) < b - a:
                raise ValueError("posting list cut short")
        if self._io is None:
            self._io = io.BytesIO(self._buf)  # shares the bytes (a BytesIO copies only when written to)
        return self._io, self._buf, self._start


def decode_blocks(
    raw: bytes | PostingSource, want_values: bool, wanted: Callable[[int, int], bool] | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, Any]]:
    """Parse a posting list, given whole or as a :class:`PostingSource`:
    yields (ids, weights, values) per block, ids int64 and weights float32
    (values None unless ``want_values``).

    With ``wanted``, a block whose ids may run from ``lo`` to ``hi`` (its
    header holds the last; the first follows the block before) is only
    decoded when ``wanted(lo, hi)``: a block's header is a few bytes, its
    data thousands of postings."""
    if isinstance(raw, PostingSource):
        src: PostingSource | None = raw
        end = raw.length
        buf, data, base = raw.window(0, min(4, end))
    else:
        # A list given whole is parsed in place (a long question reads
        # hundreds): no source object or reader per list.
        src, end = None, len(raw)
        buf, data, base = io.BytesIO(raw), raw, 0
    if data[:4] != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a W3 posting list")
    held = base + len(data)  # the buffer holds [base, held) of the list
    pos = 4
    lo = 0
    while pos < end:
        if pos + 4 > held:
            if src is None:
                raise ValueError("posting list cut short")
            buf, data, base = src.window(pos, pos + 4)
            held = base + len(data)
        length = _INT.unpack_from(data, pos - base)[0]
        last = length < 0
        length = abs(length)
        nextpos = pos + 4 + length
        if nextpos > held:  # the whole block in one buffer
            if src is None:
                raise ValueError("posting list cut short")
            buf, data, base = src.window(pos, nextpos)
            held = base + len(data)
        buf.seek(pos - base + 4)
        count, maxid, _maxw, comp, _mn, _mx = pickle.load(buf)
        if wanted is not None and not wanted(lo, maxid):
            lo, pos = maxid + 1, nextpos
            if last:
                break
            continue
        lo = maxid + 1
        block = data[buf.tell() : nextpos - base]
        if comp:
            block = zlib.decompress(block)
        ids_d, weights, values = pickle.loads(block)
        # Blocks written here hold arrays; blocks Whoosh wrote (merges) tuples.
        ids = np.asarray(ids_d, dtype=np.int64).cumsum()
        if weights is None:
            w = np.ones(count, dtype=np.float32)
        elif isinstance(weights, float):
            w = np.full(count, weights, dtype=np.float32)
        else:
            w = np.asarray(weights, dtype=np.float32)
        yield ids, w, (values if want_values else None)
        pos = nextpos
        if last:
            break


# -- the term dictionary ---------------------------------------------------
#
# Whoosh's OrderedHashReader layout: key/value records (two int32 lengths,
# the key, the value), then 256 hash tables of (hash, record position)
# slots, a directory of the tables, and the extras (a pickled dict: the
# field numbers, the ordered index's type and length) with the ordered
# index (record positions in key order) after them.

_SLOT = struct.Struct("!Iq")  # key hash, key position (0: empty slot)
_LENS = struct.Struct("!ii")  # key length, value length
_FIELD = struct.Struct("!H")  # a key starts with the field's number
_SLOTS_PER_READ = 8
_VALUE_GUESS = 160  # most term infos (and small inlined postings) fit


def term_key(fieldnum: int, tbytes: bytes) -> tuple[bytes, int]:
    """A term's key in the dictionary and the key's hash (Whoosh's
    md5_hash: the low 32 bits of the digest, read big-endian)."""
    key = _FIELD.pack(fieldnum) + tbytes
    return key, int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[12:], "big")


class TermsWriter:
    """Fills a new segment's term dictionary and posting file directly,
    through the files of Whoosh's field writer; a field's terms must come
    in order."""

    def __init__(self, codec, storage, segment):
        fw = codec.field_writer(storage, segment)
        self._fieldmap: dict[str, int] = fw._fieldmap
        self._tindex = fw._tindex
        self._postfile = fw._postfile
        self._prefix = b""
        self._start = 0

    def start_field(self, name: str) -> None:
        fieldnum = self._fieldmap[name] = len(self._fieldmap)
        self._prefix = _FIELD.pack(fieldnum)

    def add_inlined(self, tbytes: bytes, terminfo: bytes) -> None:
        """A term whose postings are in its term info (:func:`encode_inlined_terminfo`)."""
        self._tindex.add(self._prefix + tbytes, terminfo)

    def start_postings(self) -> None:
        """Start a term's posting list (its blocks follow)."""
        self._start = self._postfile.tell()
        self._postfile.write(WHOOSH3_HEADER_MAGIC)

    def add_block(self, block: tuple[bytes, bytes], last: bool) -> None:
        """A block from :func:`encode_block`; ``last`` ends the list."""
        info, data = block
        blen = len(info) + len(data)
        postfile = self._postfile
        postfile.write_int(-blen if last else blen)
        postfile.write(info)
        postfile.write(data)

    def finish_postings(self, tbytes: bytes, **stats) -> None:
        """End the term's posting list: its term info from ``stats`` (the
        arguments of :func:`encode_terminfo` but the extent)."""
        start = self._start
        terminfo = encode_terminfo(offset=start, length=self._postfile.tell() - start, **stats)
        self._tindex.add(self._prefix + tbytes, terminfo)

    def close(self) -> None:
        self._tindex.close()
        self._postfile.close()


def terms_of(segreader):
    """A segment's term dictionary reader (Whoosh's)."""
    return segreader._terms


def field_names(segreader) -> list[str]:
    """The fields a segment has terms in."""
    return list(terms_of(segreader)._fieldmap)


def field_terms(segreader, field: str) -> Iterator[tuple[bytes, TermInfo]]:
    """(term bytes, term info) of one field of a segment, in term order."""
    terms = terms_of(segreader)
    fnum = terms._fieldmap.get(field)
    if fnum is None:
        return
    prefix = _FIELD.pack(fnum)
    for key, value in terms._tindex.items_from(prefix):
        if key[:2] != prefix:
            break
        yield key[2:], decode_terminfo(value)


def posting_bytes(terms, offset: int, length: int) -> bytes:
    """Bytes of the posting file through Whoosh's file object."""
    return terms._postfile.get(offset, length)


def field_values(terms, field: str) -> dict[bytes, bytes]:
    """Every term of ``field`` with its term info's bytes (for fields with
    few terms, held in memory)."""
    table: dict[bytes, bytes] = {}
    fnum = terms._fieldmap.get(field)
    if fnum is not None:
        prefix = _FIELD.pack(fnum)
        for key, value in terms._tindex.items_from(prefix):
            if key[:2] != prefix:
                break
            table[key[2:]] = value  # parsed only when asked for
    return table


def whoosh_term_info(terms, field: str, tbytes: bytes) -> TermInfo | None:
    """A term's info the slow way, through Whoosh's reader."""
    try:
        return terms.term_info(field, tbytes)
    except TermNotFound:
        return None


def whoosh_closest_term(terms, field: str, text: str) -> str | None:
    """What :func:`closest_term` finds, through Whoosh's cursor."""
    return terms.cursor(field, _Utf8Field).find(text.encode("utf-8"))


class _Utf8Field:
    """What Whoosh's cursor needs of a field object: bytes to text."""

    @staticmethod
    def to_bytes(text):
        return text if isinstance(text, bytes) else text.encode("utf-8")

    @staticmethod
    def from_bytes(data: bytes) -> str:
        return data.decode("utf-8")


class HashLayout:
    """Where the parts of a segment's term dictionary are, for preads."""

    __slots__ = ("dbfile", "postfile", "tables", "fieldmap", "index")

    def __init__(self, terms):
        table = terms._tindex
        if table.hashtype != 0:  # only md5 tables from offset 0 are written here
            name = {1: "crc32", 2: "cdb"}.get(table.hashtype, f"hash function {table.hashtype}")
            raise NoFastPath(f"the term dictionary is hashed with {name}, not md5")
        if table.startoffset != 0:
            raise NoFastPath(f"the term dictionary starts at offset {table.startoffset} of its file, not 0")
        self.dbfile = table.dbfile
        self.postfile = terms._postfile
        self.tables: list[tuple[int, int]] = table.tables  # (first slot's position, slots) per low hash byte
        self.fieldmap: dict[str, int] = terms._fieldmap
        # The ordered index: record positions in key order.
        self.index = (table.indexbase, table.indexlen, struct.Struct("!" + table.extras["indextype"]))


def find_value(fd: int, tables: list[tuple[int, int]], key: bytes, h: int) -> bytes | None:
    """The value of ``key`` (hash ``h``), or None: Whoosh's probe of its
    hash tables, with one pread for a run of slots and one for the key and
    its value."""
    start, nslots = tables[h & 255]
    if not nslots:
        return None
    slot = (h >> 8) % nslots
    probed = 0
    while probed < nslots:
        run = min(_SLOTS_PER_READ, nslots - slot, nslots - probed)
        probed += run
        buf = os.pread(fd, _SLOT.size * run, start + _SLOT.size * slot)
        for i in range(run):
            slot_hash, pos = _SLOT.unpack_from(buf, _SLOT.size * i)
            if not pos:
                return None
            if slot_hash != h:
                continue
            rec = os.pread(fd, _LENS.size + len(key) + _VALUE_GUESS, pos)
            keylen, datalen = _LENS.unpack_from(rec)
            end = _LENS.size + keylen
            if keylen != len(key) or rec[_LENS.size : end] != key:
                continue
            if end + datalen > len(rec):
                rec = os.pread(fd, end + datalen, pos)
            return rec[end : end + datalen]
        slot = (slot + run) % nslots  # wrap around, as Whoosh probes
    return None


def closest_term(fd: int, index: tuple[int, int, struct.Struct], fieldnum: int, tbytes: bytes) -> bytes | None:
    """The first term of the field equal to or after ``tbytes``, or None
    (what Whoosh's field cursor ``find`` does), by binary search of the
    ordered index."""
    key = _FIELD.pack(fieldnum) + tbytes
    base, n, item = index
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if _key_at(fd, item.unpack(os.pread(fd, item.size, base + mid * item.size))[0]) < key:
            lo = mid + 1
        else:
            hi = mid
    if lo == n:
        return None
    found = _key_at(fd, item.unpack(os.pread(fd, item.size, base + lo * item.size))[0])
    if found[:2] != key[:2]:
        return None
    return found[2:]


def _key_at(fd: int, pos: int) -> bytes:
    rec = os.pread(fd, _LENS.size + 48, pos)
    keylen = _LENS.unpack_from(rec)[0]
    if _LENS.size + keylen > len(rec):
        rec = os.pread(fd, _LENS.size + keylen, pos)
    return rec[_LENS.size : _LENS.size + keylen]
