"""Ingest: files → extracted text → documents with metadata → the index.

The flow, one module a step: :mod:`.plan` walks the folders and works out
what changed; :mod:`.pool` runs extraction in isolated worker processes;
:mod:`.process` turns one file into a document with its index terms;
:mod:`.metadata` derives its metadata (with :mod:`.catalog`, the staff's
entries, applied in one place) and :mod:`.titles` its title; :mod:`.run`
drives a whole ingest and :mod:`.report` says what it did.

For library staff: :mod:`.staffcatalog` (their corrections, applied by
every ingest), :mod:`.library` (the folders, the upload folder, the trash),
:mod:`.upload` and :mod:`.preview` (checking and staging uploads),
:mod:`.jobs` (reindexing in the background), :mod:`.audit`,
:mod:`.attention`, :mod:`.status`, :mod:`.records` (bulk records) and
:mod:`.catalogio` (CSV export and import).

For serving nodes: :func:`publish_index` (``etslib publish``) copies the
live generation to the folder a read-only node serves
(:mod:`search.index.publish`).
"""

from ..index import IndexBusy, IndexDamaged, IndexMissing, IndexProblem, IndexRoot, write_json_atomic
from ..index.publish import Published, PublishError, publish as publish_index
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
    "Published",
    "PublishError",
    "publish_index",
    "ingest",
    "read_report",
    "supported_suffixes",
    "write_json_atomic",
]
