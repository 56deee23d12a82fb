"""From a file to a document with its index terms (runs in worker processes).

:func:`process_file` is what each extraction worker runs: read the text
(from the text cache when the content hash is known), derive metadata, and
analyse every page and the header (title, metadata and author terms), and
sign the text for document families, so both cores share the expensive
Python work and the parent only files postings. A metadata-only update (a catalog edit, no re-extraction) calls
:func:`header_terms` in the parent: it has no pages, so that is cheap.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import config
from ..index import PageTerms, encode_page
from ..model import Document, Extracted, ExtractionError, IndexTerms
from ..text import analysis
from ..text.phrases import EMPTY as EMPTY_PHRASES, PhraseSet


@dataclass
class FileTask:
    """One file for a worker: where it is, what it was planned with (its
    content hash and catalog entry, looked up once when planning), and the
    extraction settings."""

    path: str
    sha256: str
    size: int
    mtime_ns: int
    entry: dict[str, Any]
    cache_dir: str | None = None
    max_pages: int | None = None
    rel: str = ""
    root: str = ""  # the resolved folder it was found under
    ocr: bool = False  # read scanned pages by OCR (the OCR pass of ingest)
    phrases: PhraseSet = EMPTY_PHRASES  # what the store counts whole (DocWriter.phrases)


#: The cached extraction's format, per kind of file: bump a kind's when its
#: extractor reads something new from files, so its old entries are
#: extracted again (HTML 2: the page's own URL and site name; text 2: a
#: title only from front matter or a heading). An entry without a format is 1.
CACHE_FORMAT = {"pdf": 1, "html": 2, "text": 2}


def _cache_path(cache_dir: str, sha256: str) -> Path:
    return Path(cache_dir) / sha256[:2] / f"{sha256}.json.gz"


def load_cached(cache_dir: str | None, sha256: str) -> Extracted | None:
    if not cache_dir:
        return None
    p = _cache_path(cache_dir, sha256)
    try:
        with gzip.open(p, "rt", encoding="utf-8") as f:
            data = json.load(f)
        if data.pop("format", 1) != CACHE_FORMAT.get(data.get("kind"), 1):
            return None
        data["outline"] = [tuple(x) for x in data.get("outline", [])]
        ex = Extracted(**data)
    except (OSError, ValueError, TypeError, EOFError, zlib.error):
        return None  # missing or damaged (gzip's CRC): extracted again
    if not isinstance(ex.pages, list) or not all(isinstance(p, str) for p in ex.pages) or not isinstance(ex.kind, str):
        return None
    return ex


def save_cached(cache_dir: str | None, sha256: str, ex: Extracted) -> None:
    """Keep the text for a rebuild; a cache that cannot be written (a full
    disk) costs only that: the document is indexed all the same."""
    if not cache_dir:
        return
    p = _cache_path(cache_dir, sha256)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as f:
            json.dump({**asdict(ex), "format": CACHE_FORMAT.get(ex.kind, 1)}, f, ensure_ascii=False)
        os.replace(tmp, p)
    except OSError:
        tmp.unlink(missing_ok=True)


def refuse_large_file(path: str, size: int) -> None:
    """Text and HTML files above :data:`~search.config.MAX_MARKUP_BYTES` are
    refused before they are read (PDFs are bounded by their pages)."""
    from ..extract import HTML_SUFFIXES, TEXT_SUFFIXES

    limit = config.MAX_MARKUP_BYTES
    if Path(path).suffix.lower() in HTML_SUFFIXES | TEXT_SUFFIXES and size > limit:
        raise ExtractionError("too-large", f"a {size / 2**20:,.0f} MB text or HTML file: at most {limit / 2**20:,.0f} MB are read")


def refuse_large_text(ex: Extracted, max_pages: int | None) -> None:
    """A document whose text is larger than one document may be is refused
    here, in the worker, before it reaches the main process."""
    chars = sum(map(len, ex.pages))
    if chars > config.MAX_DOCUMENT_CHARS:
        raise ExtractionError(
            "too-large", f"{chars:,} characters of text: a document may have at most {config.MAX_DOCUMENT_CHARS:,}"
        )
    if max_pages and len(ex.pages) > max_pages:
        raise ExtractionError("too-large", f"{len(ex.pages):,} pages or sections: at most {max_pages:,} are indexed")


def page_terms(pages: list[str], lang: str, phrases: PhraseSet = EMPTY_PHRASES) -> list[PageTerms]:
    """Every non-blank page's terms, encoded for the index writer, with
    ``phrases`` counted whole (see :func:`index_terms`)."""
    out = []
    for number, text in enumerate(pages, 1):
        if not text.strip():
            continue
        stemmed, exact = analysis.analyze(text, lang)
        if exact:
            out.append(encode_page(number, stemmed, exact, analysis.scoring_length(text, stemmed, exact), phrases))
    return out


def index_terms(pages: list[str], lang: str, phrases: PhraseSet = EMPTY_PHRASES) -> IndexTerms:
    """A document's page terms, marked with the phrase vocabulary they were
    counted with (the writer refuses pages counted with another)."""
    return IndexTerms(pages=page_terms(pages, lang, phrases), phrases=phrases.fingerprint)


@dataclass
class Processed:
    """What a worker sends back for one file."""

    doc: Document
    terms: IndexTerms
    from_cache: bool  # the text came from the text cache, not the file
    unread_pages: int = 0  # pages of images only, not read by OCR (see run.py's OCR pass)


def process_file(task: FileTask) -> Processed:
    """Extract, derive metadata and analyse one file's pages and header
    (raises ExtractionError)."""
    from ..extract import extract
    from .metadata import derive

    ex = load_cached(task.cache_dir, task.sha256)
    if ex is not None and task.ocr and ex.unread_pages:
        ex = None  # cached before OCR read its image pages: extracted again, with OCR
    cached = ex is not None
    if ex is None:
        refuse_large_file(task.path, task.size)
        ex = extract(task.path, max_pages=task.max_pages, ocr=task.ocr)
        refuse_large_text(ex, task.max_pages)
        save_cached(task.cache_dir, task.sha256, ex)
    else:
        refuse_large_text(ex, task.max_pages)
    doc = derive(ex, task.path, sha256=task.sha256, size=task.size, mtime_ns=task.mtime_ns, entry=task.entry, rel=task.rel)
    doc.minhash = text_signature(doc.pages)
    terms = header_terms(doc, index_terms(doc.pages, doc.language, task.phrases))
    return Processed(doc, terms, cached, len(ex.unread_pages))


def text_signature(pages: list[str]) -> str:
    """The text's MinHash signature as stored ("" for a text too short to
    have one): what document families compare (see :mod:`.families`)."""
    from ..text import minhash

    sig = minhash.signature("\n".join(pages))
    return minhash.encode(sig) if sig is not None else ""


def header_terms(doc: Document, terms: IndexTerms | None = None) -> IndexTerms:
    """Title, metadata and author terms for a document's header record,
    added to ``terms`` (the worker's page terms) or to new ones."""
    from ..vocab import classify, jurisdictions

    terms = terms or IndexTerms()
    lang = doc.language or "und"
    terms.title, terms.title_exact = analysis.analyze(doc.title or "", lang)
    registry = jurisdictions.load()
    bits: list[str] = list(doc.authors)
    if doc.publisher:
        bits.append(doc.publisher)
    for jid in doc.jurisdictions:
        j = registry.get(jid)
        bits.append(jid)
        if j is not None:
            bits.append(j.name)
            bits.extend(j.names.values())
    bits.extend(classify.topic_label(t) for t in doc.topics)
    bits.append(classify.type_label(doc.type))
    bits.extend(doc.keywords)
    terms.meta = analysis.analyze(" \n ".join(b for b in bits if b), lang)[0]
    terms.author = analysis.analyze(" ".join(doc.authors), lang)[0]
    return terms
