"""Defaults, in one place: where the index lives, how ingest runs, and how
much memory a serving worker's caches may take.

The command line, :class:`~search.ingest.IngestOptions`, the worker pool
and the searcher all read these, so a default is changed here once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# -- where things live ---------------------------------------------------------


def default_index_dir() -> Path:
    """``$XDG_DATA_HOME/etslib/index`` (``~/.local/share/etslib/index``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "etslib" / "index"


def index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The index folder: the argument, else ``$ETSLIB_INDEX``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ETSLIB_INDEX")
    return Path(env) if env else default_index_dir()


# -- ingest ----------------------------------------------------------------------

#: Seconds one document may take to extract before its worker is killed.
TIMEOUT_S = 120.0
#: Address-space limit of one extraction worker.
WORKER_MEMORY_MB = 3072
#: An extraction worker whose resident memory has grown past this after a
#: file is replaced by a fresh one: its heap only grows (PDFium, Python's
#: arenas), and two of them were half of ingest's peak memory at 100,000
#: pages (180 -> 238 MB each by the end).
WORKER_RECYCLE_MB = 200
#: Seconds one scanned document may take in the OCR pass, and the memory of
#: an OCR worker (each page's ``tesseract`` has its own limit, see
#: :mod:`search.extract.ocr`).
OCR_TIMEOUT_S = 1800.0
OCR_MEMORY_MB = 2048
#: PDFs with more pages are refused (``too-large``); text and HTML files
#: with more sections too.
MAX_PAGES = 5000
#: A document with more characters of text is refused (``too-large``): its
#: pages and terms travel to the ingest's main process, which held 1.9 GB
#: for one 60 MB text file. About 5,000 pages of 3,200 characters.
MAX_DOCUMENT_CHARS = 16_000_000
#: Text and HTML files larger than this are refused before they are read.
MAX_MARKUP_BYTES = 32 << 20
#: Commit once the pages waiting for the next commit hold this much text,
#: whatever their number (a few huge pages must not pile up in memory).
BATCH_CHARS = 32_000_000
#: Commit after this many pages (100,000 pages: 10 segments)… A batch is
#: held in the main process until it is written: at 20,000 pages the
#: writer peaked at 733 MB, at 10,000 at 477 MB (same ingest time).
BATCH_PAGES = 10_000
#: …or after this many seconds.
BATCH_SECONDS = 60.0
#: Commit also once the pages waiting hold this many (term, page)
#: postings: a batch's memory follows them, not its pages or characters.
#: A page of English HTML has 343 (median), one of Chinese 768 or more (a
#: posting per distinct pair of characters). Ingesting the 1M-page bench's
#: Chinese HTML of one province (740 files, 25,500 pages), the main
#: process peaked at 910 MB in batches of 10,000 pages, 530 MB in batches
#: of 3.5 million postings (3,500 pages). With the heap trimmed after each
#: batch (:mod:`search.heap`), the same: 477 MB at 3.5 million, 380 MB at
#: 2 million (the whole tree 898 -> 802 MB); 10,000 English pages hold 3.4
#: million, so English batches are about 6,000 pages.
BATCH_POSTINGS = 2_000_000
#: A merge writes its segment a term at a time, so its memory is one
#: term's postings (merging 100,000 pages into one segment: 104 MB, 54 s),
#: and at the end of an ingest the index is merged down to
#: ``writer.MAX_SEGMENTS`` segments, none of more than this many records
#: (at 1,000,000 pages: 10 segments, four of about 240,000 records,
#: instead of 104 batch segments)…
MERGE_MAX_RECORDS = 250_000
#: …and ``ingest --optimize`` merges into one segment up to this many
#: records, in bounded steps beyond.
OPTIMIZE_MAX_RECORDS = 2_000_000


def default_jobs() -> int:
    """Extraction workers: one per core, at most 4 (the writer needs a core too
    on bigger machines, and PDFium's memory adds up)."""
    return max(1, min(4, os.cpu_count() or 1))


# -- serving ---------------------------------------------------------------------

#: Resident memory one serving worker is meant to stay within at 100,000
#: pages (measured by ``scripts/bench``): the index arrays, Python, Flask and
#: the caches below.
SERVING_WORKER_MB = 300
#: The share of that budget the caches may fill; the rest is the snapshot's
#: arrays and metadata, the interpreter with its libraries, Flask and
#: gevent. With 113/300 a worker measured 330 MB after the benchmark's
#: 5,000 distinct queries at 100,000 pages; with 80/300, 283 MB (2026-12-01).
CACHE_SHARE = 80 / 300


@dataclass(frozen=True)
class CacheBudgets:
    """Bytes each of a serving worker's caches may hold."""

    postings: int  # decoded posting lists and position tables (the snapshot)
    leaves: int  # scored query leaves (the evaluator)
    results: int  # evaluated queries (the searcher)
    passages: int  # highlighted passages
    suggestions: int  # "did you mean" answers
    responses: int  # whole answers (a page of hits with passages and facets)


#: A serving worker gives the C heap's free memory back to the system at
#: most this often, after a search it evaluated (:mod:`search.heap`).
HEAP_TRIM_SECONDS = 1.0

#: ... and once no search has come for this long, whatever a burst of
#: searches left (a worker between bursts holds what it uses).
HEAP_IDLE_SECONDS = 0.5

#: Versions of its work listed with a hit, newest first (the document page
#: lists every one): a work copied hundreds of times made each answer
#: 1.9 MB, too large for the answer cache at 1,000,000 pages.
HIT_VERSIONS = 10


#: What a serving worker holds besides its index and its caches: Python,
#: numpy, jieba's trie, the glossary, Flask (measured 100-120 MB).
PROCESS_MB = 110
#: Room kept for one search's own arrays: a cold long question at 1,000,000
#: pages held 65-134 MB above a resting worker (2026-12-02).
SEARCH_RESERVE_MB = 90
#: An open index's memory per page record (the arrays over records: page
#: to document, page number and length, norms) and per document (its
#: metadata row, texts and term look-ups): 95 MB measured for 1,016,333
#: records and 29,313 documents.
INDEX_RECORD_BYTES = 28
INDEX_DOC_BYTES = 2_400
#: The caches of arrays over pages keep at least this much between them,
#: however large the index.
MIN_PAGE_CACHES_MB = 12
#: Caches whose entries are arrays over pages (a common word's posting list
#: is ~0.8 MB at 100,000 pages, 8 MB at 1,000,000).
PAGE_CACHES = ("postings", "leaves", "results")


def index_mb(records: int, documents: int) -> float:
    """About what an open index of this size holds in a serving worker."""
    return (records * INDEX_RECORD_BYTES + documents * INDEX_DOC_BYTES) / (1 << 20)


def cache_budgets(worker_mb: int = SERVING_WORKER_MB, index: float = 0.0) -> CacheBudgets:
    """The caches' budgets as shares of one worker's memory budget, with
    the page-array caches smaller when an index of ``index`` MB leaves them
    less room (:func:`index_mb`)."""
    mb = 1 << 20
    total = worker_mb * CACHE_SHARE * mb
    # An evaluated query holds arrays over every page (3.4 MB each at
    # 1,000,000 pages: the results cache then held 7 of the benchmark's 62
    # queries); its answer is far smaller (about 240 KB in memory with every
    # facet value, less with the web page's facet limit), so answers have a
    # cache too.
    shares = {"postings": 28, "leaves": 24, "results": 24, "passages": 12, "suggestions": 1, "responses": 24}
    whole = sum(shares.values())
    budget = {k: total * v / whole for k, v in shares.items()}
    # A worker with full caches must still have room for one search: at
    # 1,000,000 pages the index's own tables take 95 MB of the 300, and
    # with every cache full a worker peaked at 405-423 MB under load. The
    # answers (small, and what a popular query needs) keep their share.
    room = (worker_mb - PROCESS_MB - index - SEARCH_RESERVE_MB) * mb - sum(
        v for k, v in budget.items() if k not in PAGE_CACHES
    )
    have = sum(budget[k] for k in PAGE_CACHES)
    if room < have:
        scale = max(room, MIN_PAGE_CACHES_MB * mb) / have
        for k in PAGE_CACHES:
            budget[k] *= scale
    return CacheBudgets(**{k: int(v) for k, v in budget.items()})


# -- searching -------------------------------------------------------------------

#: Seconds one request may spend evaluating its query before it is stopped
#: and answered with a note (a server worker is killed at 60 s).
QUERY_BUDGET_S = 4.0
