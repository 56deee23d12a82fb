"""The state of an index folder for the staff status page: documents,
pages, size on disk, schema version, the last ingest's report."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..vocab import glossary
from ..index import SCHEMA_VERSION, IndexProblem, IndexRoot, store_counts
from .library import library_paths
from .report import read_report


@dataclass
class IndexStatus:
    documents: int
    pages: int
    store_bytes: int  # the live store folder
    cache_bytes: int  # the text cache
    schema_version: int | None  # of the live store
    schema_current: int  # what this etslib writes
    report: dict[str, Any] | None  # the last ingest's report
    library: list[str]  # the library's folder and file names (no server paths)
    problem: str | None = None
    phrases_counted: int = 0  # phrases the live store counts whole (search.text.phrases)
    phrases_pending: int = 0  # the glossary's phrases added since: found from positions until a rebuild


def _size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def index_status(root: IndexRoot, counts: tuple[int, int] | None = None) -> IndexStatus:
    """The status of the index at ``root``; ``counts`` (documents, pages)
    when the caller has the live generation open already."""
    report = read_report(root)
    library = [os.path.basename(p.rstrip(os.sep)) for p in library_paths(root)]
    try:
        store = root.open()
        docs, pages = counts if counts is not None else store_counts(store)
        counted = store.phrases()
        pending = len(set(glossary.load().phrases().patterns) - set(counted.patterns))
        return IndexStatus(docs, pages, _size(store.path), _size(root.textcache), store.schema_version(), SCHEMA_VERSION, report, library,
                           phrases_counted=len(counted), phrases_pending=pending)
    except IndexProblem as e:
        return IndexStatus(0, 0, 0, _size(root.textcache), None, SCHEMA_VERSION, report, library, problem=str(e).split(" at ")[0])
