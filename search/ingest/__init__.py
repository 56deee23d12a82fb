"""Ingest: files → extracted text → documents with metadata → the index.

The flow, one module a step: :mod:`.plan` walks the folders and works out
what changed; :mod:`.pool` runs extraction in isolated worker processes;
:mod:`.process` turns one file into a document with its index terms;
:mod:`.metadata` derives its metadata (with :mod:`.catalog`, the staff's
entries, applied in one place) and :mod:`.titles` its title; :mod:`.run`
drives a whole ingest and :mod:`.report` says what it did.
"""

from ..index import IndexBusy, IndexDamaged, IndexMissing, IndexProblem, IndexRoot
from .catalog import CatalogError
from .run import IngestOptions, ingest, read_report, supported_suffixes

__all__ = [
    "CatalogError",
    "IndexBusy",
    "IndexDamaged",
    "IndexMissing",
    "IndexProblem",
    "IndexRoot",
    "IngestOptions",
    "ingest",
    "read_report",
    "supported_suffixes",
]
