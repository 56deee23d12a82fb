"""The Whoosh schema: one record per page plus one header record per document.

Text reaches Whoosh already analysed (lists of terms from
:mod:`search.text.analysis`), so the analysis can run in the extraction
worker processes and the writer only files postings. Positions are stored
as raw little-endian deltas (:mod:`.positions`) so they decode with numpy
instead of one unpickle per posting.

The classes here are pickled into the index files under their names in
this module (the schema into the table of contents, :class:`PackedValues`
into posting blocks): they must stay defined here.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Iterator

import numpy as np
from whoosh import columns, fields, formats

from ..vocab.facets import FACETS
# PositionTable and decode_many are importable from here too.
from .positions import PositionTable, decode_many, decode_positions, encode_positions  # noqa: F401

#: Bump when the schema or the meaning of a field changes: an index written
#: by another version is rebuilt, never read. 4: one ``fold`` for index terms
#: and data-file lookups (marks of non-Latin scripts are kept). 5: metadata
#: read from a cataloguer's cues (titles, dates, publishers, jurisdictions
#: change meaning), with url, identifiers and confidence stored. 6: the
#: phrases of the store's vocabulary counted whole (``phrases``, ``title_ph``).
SCHEMA_VERSION = 6

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
FACET_FIELDS = {name: f.field for name, f in FACETS.items() if f.field}


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
        # Each phrase of the store's vocabulary (search.text.phrases) as one
        # term, counted where it occurs: on pages, and in titles.
        phrases=Terms(),
        title_ph=Terms(),
        text=fields.STORED(),  # the page text, for passages
        info=fields.STORED(),  # header: the document's metadata as a dict
        **facet_fields,
    )
