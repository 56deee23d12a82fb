"""The index: the only part of etslib that knows Whoosh.

Everything above this package works with :class:`IndexRoot`, :class:`Store`,
:class:`DocWriter` and :class:`Snapshot`, so the engine could be replaced
without touching ingestion, queries or the web layer. Inside it, Whoosh's
file format and private objects are known to :mod:`.whoosh_format` alone.
"""

# First: it checks the installed Whoosh before any module here uses it.
from .whoosh_format import WhooshVersionError

from .bulk import PageTerms, encode_page
from .errors import IndexBusy, IndexDamaged, IndexMissing, IndexOutdated, IndexProblem
from .schema import FACET_FIELDS, SCHEMA_VERSION
from .snapshot import EMPTY_POSTINGS, Postings, Snapshot, indexed_infos, store_counts
from .store import IndexRoot, IngestLock, Store, index_id, write_json_atomic
from .writer import DocWriter, clear_temp, optimize, tidy

__all__ = [
    "PageTerms",
    "encode_page",
    "clear_temp",
    "FACET_FIELDS",
    "SCHEMA_VERSION",
    "EMPTY_POSTINGS",
    "Postings",
    "Snapshot",
    "indexed_infos",
    "store_counts",
    "IndexBusy",
    "IndexDamaged",
    "IndexMissing",
    "IndexOutdated",
    "IndexProblem",
    "IndexRoot",
    "IngestLock",
    "Store",
    "write_json_atomic",
    "index_id",
    "DocWriter",
    "tidy",
    "optimize",
    "WhooshVersionError",
]
