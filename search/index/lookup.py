"""Term lookups in a segment's on-disk term dictionary, with ``os.pread``.

Whoosh reads its hash file through a Python file wrapper, a seek and a
read for each field of a slot: ~6.5 µs a lookup. A search with glossary
alternatives looks up a few hundred (field, term) pairs in every segment,
so this reader follows the same whoosh-reloaded 2.7.5 ``HashReader``
layout with one ``pread`` for a run of slots and one for the key and its
value: ~3 µs. It also walks the ordered key index for "did you mean"
(:meth:`SegmentTerms.similar`). ``tests/test_index_format.py`` checks it
against Whoosh on every term of real segments.
"""

from __future__ import annotations

import hashlib
import os
import struct
import weakref

from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.reading import TermNotFound

_SLOT = struct.Struct("!Iq")  # key hash, key position (0: empty slot)
_LENS = struct.Struct("!ii")  # key length, value length
_FIELD = struct.Struct("!H")
_SLOTS_PER_READ = 8
_VALUE_GUESS = 160  # most term infos (and small inlined postings) fit


class SegmentTerms:
    """(field, term) → :class:`W3TermInfo` for one segment, and its posting bytes."""

    __slots__ = ("_whoosh", "_fd", "_tables", "_fieldmap", "_post_fd", "_index", "_small", "__weakref__")

    def __init__(self, segreader, small_fields: tuple[str, ...] = ()):
        terms = segreader._terms
        self._whoosh = terms
        self._fd = self._post_fd = None
        # Fields with few terms (titles, metadata: a few thousand a segment)
        # are held in memory: half of a search's lookups are in them, and
        # most find nothing.
        self._small: dict[str, dict[bytes, bytes]] = {}
        for field in small_fields:
            table: dict[bytes, bytes] = {}
            fnum = terms._fieldmap.get(field)
            if fnum is not None:
                prefix = _FIELD.pack(fnum)
                for key, value in terms._tindex.items_from(prefix):
                    if key[:2] != prefix:
                        break
                    table[key[2:]] = value  # parsed only when asked for
            self._small[field] = table
        table = terms._tindex
        if table.hashtype != 0 or table.startoffset != 0:  # only md5 tables from offset 0 are written here
            return
        try:
            fd, post_fd = own_fd(self, table.dbfile), own_fd(self, terms._postfile)
        except (AttributeError, OSError, ValueError):  # not a real file: Whoosh reads it
            return
        self._fd, self._post_fd = fd, post_fd
        self._tables = table.tables
        self._fieldmap = terms._fieldmap
        # The ordered index: an array of key positions, in key order.
        self._index = (table.indexbase, table.indexlen, struct.Struct("!" + table.extras["indextype"]))

    def term_info(self, field: str, tbytes: bytes, hashed: dict | None = None) -> W3TermInfo | None:
        """The term's info, or None when the segment does not have it.

        ``hashed`` (a dict the caller keeps while it asks every segment for
        the same term) saves hashing the key again in each segment."""
        small = self._small.get(field)
        if small is not None:
            value = small.get(tbytes)
            return None if value is None else W3TermInfo.from_bytes(value)
        fd = self._fd
        if fd is None:
            try:
                return self._whoosh.term_info(field, tbytes)
            except TermNotFound:
                return None
        fnum = self._fieldmap.get(field)
        if fnum is None:
            return None
        probe = hashed.get(fnum) if hashed is not None else None
        if probe is None:
            key = _FIELD.pack(fnum) + tbytes
            # Whoosh's md5_hash: the low 32 bits of the digest read big-endian.
            probe = (key, int.from_bytes(hashlib.md5(key, usedforsecurity=False).digest()[12:], "big"))
            if hashed is not None:
                hashed[fnum] = probe
        key, h = probe
        start, nslots = self._tables[h & 255]
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
                return W3TermInfo.from_bytes(rec[end : end + datalen])
            slot = (slot + run) % nslots  # wrap around, as Whoosh probes
        return None

    def posting_bytes(self, offset: int, length: int) -> bytes:
        if self._post_fd is None:
            return self._whoosh._postfile.get(offset, length)
        return os.pread(self._post_fd, length, offset)

    def closest_term(self, field: str, text: str) -> str | None:
        """The first term of ``field`` equal to or after ``text``, or None
        (what Whoosh's field cursor ``find`` does, by binary search)."""
        if self._fd is None:
            cur = self._whoosh.cursor(field, _Utf8Field)
            return cur.find(text.encode("utf-8"))
        fnum = self._fieldmap.get(field)
        if fnum is None:
            return None
        key = _FIELD.pack(fnum) + text.encode("utf-8")
        fd = self._fd
        base, n, item = self._index
        lo, hi = 0, n
        while lo < hi:
            mid = (lo + hi) // 2
            if self._key_at(item.unpack(os.pread(fd, item.size, base + mid * item.size))[0]) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo == n:
            return None
        found = self._key_at(item.unpack(os.pread(fd, item.size, base + lo * item.size))[0])
        if found[:2] != key[:2]:
            return None
        return found[2:].decode("utf-8")

    def _key_at(self, pos: int) -> bytes:
        rec = os.pread(self._fd, _LENS.size + 48, pos)
        keylen = _LENS.unpack_from(rec)[0]
        if _LENS.size + keylen > len(rec):
            rec = os.pread(self._fd, _LENS.size + keylen, pos)
        return rec[_LENS.size : _LENS.size + keylen]

    def similar(self, field: str, dfa) -> list[str]:
        """Terms of ``field`` that a Levenshtein automaton accepts, skipping
        through the term list (as Whoosh's ``find_matches``)."""
        out: list[str] = []
        match = dfa.next_valid_string("\0")
        while match:
            term = self.closest_term(field, match)
            if term is None:
                break
            if term == match:
                out.append(term)
                term += "\0"
            match = dfa.next_valid_string(term)
        return out


def own_fd(owner: object, structfile) -> int:
    """A duplicate of a Whoosh file's descriptor, closed when ``owner`` is
    garbage: a search still running on a replaced snapshot (another
    thread) must never pread from a number the kernel has handed to a new
    file since the snapshot was closed."""
    fd = os.dup(structfile.file.fileno())
    weakref.finalize(owner, os.close, fd)
    return fd


class _Utf8Field:
    """What Whoosh's cursor needs of a field object: bytes to text."""

    @staticmethod
    def to_bytes(text):
        return text if isinstance(text, bytes) else text.encode("utf-8")

    @staticmethod
    def from_bytes(data: bytes) -> str:
        return data.decode("utf-8")
