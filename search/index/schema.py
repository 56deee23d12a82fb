"""The Whoosh schema: one record per page plus one header record per document.

Text reaches Whoosh already analysed (lists of terms from
:mod:`search.analysis`), so the analysis can run in the extraction worker
processes and the writer only files postings. Positions are stored as raw
little-endian deltas so they decode with numpy instead of one unpickle per
posting.
"""

from __future__ import annotations

from array import array
from collections import Counter
from typing import Iterable, Iterator

import numpy as np
from whoosh import columns, fields, formats

from ..vocab.facets import FACETS

#: Bump when the schema or the meaning of a field changes: an index written
#: by another version is rebuilt, never read. 4: one ``fold`` for index terms
#: and data-file lookups (marks of non-Latin scripts are kept).
SCHEMA_VERSION = 4

EMPTY = b""


class Counts(formats.Format):
    """Term frequency only, carried in the posting weight; no value bytes."""

    posting_size = 0

    def __init__(self, field_boost: float = 1.0, **options):
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value, analyzer, **kwargs):  # pragma: no cover - fields bypass it
        raise TypeError("Counts fields take pre-analysed term lists")

    def decode_frequency(self, valuestring):  # weight carries the count
        return 1

    def decode_weight(self, valuestring):
        return self.field_boost

    def combine(self, vs):
        return EMPTY


def encode_positions(positions: list[int]) -> bytes:
    """Positions as delta-encoded uint16 (or uint32 when a delta needs it)."""
    deltas = array("I", positions)
    prev = 0
    for i, p in enumerate(positions):
        deltas[i] = p - prev
        prev = p
    if max(deltas) < 65536:
        return b"H" + array("H", deltas).tobytes()
    return b"I" + deltas.tobytes()


def decode_positions(value: bytes) -> np.ndarray:
    dtype = "<u2" if value[:1] == b"H" else "<u4"
    return np.frombuffer(value, dtype=dtype, offset=1).cumsum(dtype=np.int64)


class PackedValues:
    """A block's encoded positions as one bytes object plus end offsets.

    Whoosh stores a block's values as a tuple of bytes objects, one per
    posting; unpickling 512 of them is most of the cost of reading a
    positional block. This object stands in for that tuple (Whoosh's
    matchers only index it), pickles as two bytes objects, and lets numpy
    decode a whole block at once.
    """

    __slots__ = ("blob", "ends")

    def __init__(self, blob: bytes, ends: bytes):
        self.blob = blob
        self.ends = ends  # little-endian uint32 end offset of each value

    def _ends(self) -> np.ndarray:
        return np.frombuffer(self.ends, dtype="<u4")

    def __len__(self) -> int:
        return len(self.ends) // 4

    def __getitem__(self, i: int) -> bytes:
        ends = self._ends()
        if i < 0:
            i += len(ends)
        start = int(ends[i - 1]) if i else 0
        return self.blob[start : int(ends[i])]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __reduce__(self):
        return (PackedValues, (self.blob, self.ends))


class PositionTable:
    """One term's positions in many records, kept encoded in one buffer."""

    __slots__ = ("ids", "blob", "starts", "lens", "contiguous")

    def __init__(self, ids: np.ndarray, blob: bytes, starts: np.ndarray, lens: np.ndarray):
        self.ids = ids  # ascending record numbers
        self.blob = blob
        self.starts = starts  # int64 offset of each record's value in blob
        self.lens = lens
        # False when deleted records' bytes sit between the values.
        self.contiguous = len(blob) == int(lens.sum())

    @classmethod
    def from_values(cls, ids: np.ndarray, values: list[bytes]) -> "PositionTable":
        lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        return cls(ids, b"".join(values), np.cumsum(lens) - lens, lens)

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + len(self.blob) + self.starts.nbytes + self.lens.nbytes

    def __len__(self) -> int:
        return len(self.ids)

    def decode(self, idx: np.ndarray, kept: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the records at ``idx`` (ascending): ``(owner,
        positions)`` with ``owner`` the index into ``idx``.

        When most records are wanted the whole buffer is decoded and the
        rest dropped, cheaper than gathering bytes; ``kept`` (a dict the
        caller holds for a while) keeps that decoding for the next call.
        """
        if not len(idx):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if 2 * len(idx) >= len(self.ids) and self.contiguous:
            whole = kept.get(self) if kept is not None else None
            if whole is None:
                whole = self._decode_whole()
                if kept is not None:
                    kept[self] = whole
            return self._select(whole, idx)
        starts, lens = self.starts[idx], self.lens[idx]
        # Gather the chosen values' bytes with one fancy index.
        total = int(lens.sum())
        out_starts = np.cumsum(lens) - lens
        gather = np.arange(total, dtype=np.int64) + np.repeat(starts - out_starts, lens)
        joined = np.frombuffer(self.blob, dtype=np.uint8)[gather]
        return _decode_joined(joined, lens, out_starts, lambda: [self.blob[a : a + n] for a, n in zip(starts.tolist(), lens.tolist())])

    def _decode_whole(self) -> tuple[np.ndarray, np.ndarray]:
        """``(owner, positions)`` of every record (the buffer contiguous)."""
        return _decode_joined(
            np.frombuffer(self.blob, dtype=np.uint8), self.lens, self.starts,
            lambda: [self.blob[a : a + n] for a, n in zip(self.starts.tolist(), self.lens.tolist())],
        )

    def _select(self, whole: tuple[np.ndarray, np.ndarray], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The part of ``_decode_whole()`` for the records at ``idx`` (ascending)."""
        owner, pos = whole
        if len(idx) == len(self.ids):
            return owner, pos
        rank = np.full(len(self.ids), -1, dtype=np.int64)
        rank[idx] = np.arange(len(idx))
        owner = rank[owner]
        keep = owner >= 0
        return owner[keep], pos[keep]


def decode_many(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Decode many postings' positions at once: ``(owner, positions)``,
    where ``owner[i]`` is the index in ``values`` of ``positions[i]``."""
    if not values:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    joined = np.frombuffer(b"".join(values), dtype=np.uint8)
    return _decode_joined(joined, lens, np.cumsum(lens) - lens, lambda: values)


def _decode_joined(joined: np.ndarray, lens: np.ndarray, starts: np.ndarray, values) -> tuple[np.ndarray, np.ndarray]:
    """Positions of values laid end to end in ``joined`` (see decode_many)."""
    if not (joined[starts] == ord("H")).all():
        parts = [decode_positions(v) for v in values()]
        counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        return np.repeat(np.arange(len(parts)), counts), np.concatenate(parts)
    keep = np.ones(len(joined), dtype=bool)
    keep[starts] = False
    deltas = joined[keep].view("<u2").astype(np.int64)
    counts = (lens - 1) // 2
    csum = np.cumsum(deltas)
    first = np.cumsum(counts) - counts
    before = csum[first] - deltas[first]  # the running sum where each posting starts
    return np.repeat(np.arange(len(lens)), counts), csum - np.repeat(before, counts)


class Positions(formats.Format):
    """Frequency plus positions, in a numpy-friendly encoding."""

    posting_size = -1

    def __init__(self, field_boost: float = 1.0, **options):
        self.field_boost = field_boost
        self.options = options

    def word_values(self, value, analyzer, **kwargs):  # pragma: no cover
        raise TypeError("Positions fields take pre-analysed term lists")

    def decode_positions(self, valuestring):
        return decode_positions(valuestring).tolist()

    def decode_frequency(self, valuestring):
        width = 2 if valuestring[:1] == b"H" else 4
        return (len(valuestring) - 1) // width

    def decode_weight(self, valuestring):
        return self.decode_frequency(valuestring) * self.field_boost

    def decode_position_boosts(self, valuestring):
        return [(p, 1) for p in self.decode_positions(valuestring)]

    def combine(self, vs):
        merged = sorted({p for v in vs for p in self.decode_positions(v)})
        return encode_positions(merged)


class Terms(fields.FieldType):
    """A scorable text field whose value is a list of already analysed terms."""

    def __init__(self, positions: bool = False):
        self.format = Positions() if positions else Counts()
        self.scorable = True
        self.stored = False
        self.unique = False
        self.analyzer = None
        self.vector = None
        self.column_type = None

    def index(self, value, **kwargs) -> Iterator[tuple[bytes, int, float, bytes]]:
        if isinstance(self.format, Positions):
            where: dict[str, list[int]] = {}
            for pos, term in enumerate(value):
                where.setdefault(term, []).append(pos)
            for term, poses in where.items():
                yield term.encode("utf-8"), len(poses), float(len(poses)), encode_positions(poses)
        else:
            for term, n in Counter(value).items():
                yield term.encode("utf-8"), n, float(n), EMPTY

    def process_text(self, qstring, mode="", **kwargs) -> Iterable[str]:
        return qstring.split()

    def self_parsing(self) -> bool:
        return False

    def has_morph(self) -> bool:
        return False

    def separate_spelling(self) -> bool:
        return False

    def sortable_terms(self, ixreader, fieldname):
        return ixreader.lexicon(fieldname)


#: Whoosh record kinds, stored in the ``pg`` column: 0 is a document header,
#: 1.. are pages (or sections of unpaged documents).
HEADER_PAGE = 0

#: Fields that hold facet values on header records (for the reference
#: search in tests), by facet name, from the facet registry.
FACET_FIELDS = {name: f.field for name, f in FACETS.items()}


def build_schema() -> fields.Schema:
    """The schema of an etslib index (see the module docstring)."""
    facet_fields = {name: fields.ID() for name in FACET_FIELDS.values()}
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),  # "d:<id>" or "p:<id>:<n>"
        doc=fields.ID(stored=True),  # document id on every record, for deletes
        dn=fields.COLUMN(columns.NumericColumn("i", default=-1)),  # document ordinal
        pg=fields.COLUMN(columns.NumericColumn("i", default=-1)),  # 0 header, n page
        ln=fields.COLUMN(columns.NumericColumn("i", default=0)),  # stemmed-term count
        title=Terms(),
        title_x=Terms(positions=True),
        meta=Terms(),  # authors, publisher, jurisdiction names, topics, keywords
        author=Terms(),
        content=Terms(),
        exact=Terms(positions=True),
        text=fields.STORED(),  # the page text, for passages
        info=fields.STORED(),  # header: the document's metadata as a dict
        **facet_fields,
    )
