"""Term lookups in a segment's on-disk term dictionary, with ``os.pread``.

Whoosh reads its hash file through a Python file wrapper, a seek and a
read for each field of a slot: ~6.5 µs a lookup. A search with glossary
alternatives looks up a few hundred (field, term) pairs in every segment,
so this reader probes the same hash tables with one ``pread`` for a run of
slots and one for the key and its value (:func:`~.whoosh_format.find_value`):
~3 µs. It also walks the ordered key index for "did you mean"
(:meth:`SegmentTerms.similar`). ``tests/index/test_index_format.py`` checks
it against Whoosh on every term of real segments.
"""

from __future__ import annotations

import os

from .fallbacks import warn_once
from .whoosh_format import (
    HashLayout,
    NoFastPath,
    TermInfo,
    WHOOSH_READS,
    closest_term,
    decode_terminfo,
    field_values,
    find_value,
    own_fd,
    posting_bytes,
    term_key,
    terms_of,
    whoosh_closest_term,
    whoosh_term_info,
)


class SegmentTerms:
    """(field, term) → :class:`TermInfo` for one segment, and its posting bytes."""

    __slots__ = ("_whoosh", "_fd", "_tables", "_fieldmap", "_post_fd", "_index", "_small", "__weakref__")

    def __init__(self, segreader, small_fields: tuple[str, ...] = ()):
        terms = terms_of(segreader)
        self._whoosh = terms
        self._fd = self._post_fd = None
        # Fields with few terms (titles, metadata: a few thousand a segment)
        # are held in memory: half of a search's lookups are in them, and
        # most find nothing.
        self._small: dict[str, dict[bytes, bytes]] = {field: field_values(terms, field) for field in small_fields}
        try:
            layout = HashLayout(terms)
            fd, post_fd = own_fd(self, layout.dbfile), own_fd(self, layout.postfile)
        except NoFastPath as e:  # Whoosh reads it
            warn_once("term lookups", str(e))
            return
        self._fd, self._post_fd = fd, post_fd
        self._tables = layout.tables
        self._fieldmap = layout.fieldmap
        self._index = layout.index

    def term_info(self, field: str, tbytes: bytes, hashed: dict | None = None) -> TermInfo | None:
        """The term's info, or None when the segment does not have it.

        ``hashed`` (a dict the caller keeps while it asks every segment for
        the same term) saves hashing the key again in each segment."""
        small = self._small.get(field)
        if small is not None:
            value = small.get(tbytes)
            return None if value is None else decode_terminfo(value)
        fd = self._fd
        if fd is None:
            with WHOOSH_READS:
                return whoosh_term_info(self._whoosh, field, tbytes)
        fnum = self._fieldmap.get(field)
        if fnum is None:
            return None
        probe = hashed.get(fnum) if hashed is not None else None
        if probe is None:
            probe = term_key(fnum, tbytes)
            if hashed is not None:
                hashed[fnum] = probe
        key, h = probe
        value = find_value(fd, self._tables, key, h)
        return None if value is None else decode_terminfo(value)

    def posting_bytes(self, offset: int, length: int) -> bytes:
        if self._post_fd is None:
            with WHOOSH_READS:
                return posting_bytes(self._whoosh, offset, length)
        return os.pread(self._post_fd, length, offset)

    def closest_term(self, field: str, text: str) -> str | None:
        """The first term of ``field`` equal to or after ``text``, or None
        (what Whoosh's field cursor ``find`` does, by binary search)."""
        if self._fd is None:
            with WHOOSH_READS:
                return whoosh_closest_term(self._whoosh, field, text)
        fnum = self._fieldmap.get(field)
        if fnum is None:
            return None
        found = closest_term(self._fd, self._index, fnum, text.encode("utf-8"))
        return None if found is None else found.decode("utf-8")

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
