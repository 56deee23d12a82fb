"""A document's metadata: the staff catalog first, then the cues a
cataloguer reads in the file (see :mod:`.titles`, :mod:`.dates`,
:mod:`.publishers`, :mod:`.identifiers`, :mod:`.abstracts`), then what the
rules in ``search/data`` derive from its text.

``sources`` records where each field came from and ``confidence`` how sure
a derived value is, so staff can see which values are guesses.
:func:`apply_entry` is the one place a catalog entry is applied:
:func:`derive` uses it for a fresh document and :func:`with_entry` for an
indexed one whose entry changed; :func:`needs_reprocess` says when a change
needs a fresh derivation instead.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..model import DOC_TYPES, FAMILY_FIELDS, Document, Extracted
from .abstracts import find_description, find_url
from .dates import document_date
from .identifiers import act_number, celex_in, find_identifiers
from .publishers import find_publisher, home_jurisdiction, publisher_jurisdiction
from .titles import document_title
from .values import Found

def doc_id_for(path: str) -> str:
    """A stable, readable id: the file name as a slug plus a hash of the path."""
    stem = Path(path).stem
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:48].strip("-")
    digest = hashlib.sha1(path.encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}" if slug else digest


def _title_from_filename(path: str) -> str:
    stem = Path(path).stem
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}_", "", stem)
    return re.sub(r"[_\s]+", " ", stem.replace("-", " ")).strip()


def _year_of(date: str | None) -> int | None:
    if date and re.match(r"^\d{4}", date):
        y = int(date[:4])
        if 1900 <= y <= datetime.now().year + 1:
            return y
    return None


def apply_entry(meta: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """``meta`` (metadata fields and ``sources``) with a catalog entry applied.

    Every field the entry gives wins and its source becomes ``"catalog"``;
    jurisdictions are resolved through the registry (an unknown name is kept
    as written) and a type outside :data:`~search.model.DOC_TYPES` becomes
    ``"other"``. An entry with a date but no year sets the year from the
    date when it has one. Family fields (:data:`~search.model.FAMILY_FIELDS`)
    the catalog gave before and the entry no longer gives are cleared: the
    family pass of ingest decides again. Other fields are left as they are.
    """
    from ..vocab import jurisdictions

    out = dict(meta)
    sources = dict(out.get("sources") or {})
    confidence = dict(out.get("confidence") or {})
    for k in FAMILY_FIELDS:
        if sources.get(k) == "catalog" and k not in entry:
            out[k] = {"family": out.get("id") or "", "version_of": None, "not_same_as": []}[k]
            del sources[k]
    for k, v in entry.items():
        if k == "jurisdictions":
            registry = jurisdictions.load()
            v = [registry.resolve(j) or j for j in v]
        if k == "type" and v not in DOC_TYPES:
            v = "other"
        if k == "identifiers":  # the catalog's schemes win, the others stay
            v = {**(out.get("identifiers") or {}), **v}
        out[k] = v
        sources[k] = "catalog"
        confidence.pop(k, None)
    if "year" not in entry and "date" in entry:
        out["year"] = _year_of(entry["date"]) or out.get("year")
        confidence.pop("year", None)
    out["sources"] = sources
    if confidence or "confidence" in out:
        out["confidence"] = confidence
    return out


def with_entry(info: dict[str, Any], entry: dict[str, Any]) -> Document:
    """An indexed document (its stored ``info``) with a changed catalog entry
    applied: a metadata-only update, so the document has no pages."""
    meta = {k: v for k, v in info.items() if k in Document.__dataclass_fields__}
    meta = apply_entry(meta, entry)
    meta["pages"] = []
    return Document(**meta)


def needs_reprocess(info: dict[str, Any], entry: dict[str, Any]) -> bool:
    """A catalog change that only a fresh derivation can apply.

    Dropping a catalog field must bring back the derived value (family
    fields excepted: ingest's family pass derives those from the index),
    and a new language changes how every page is stemmed.
    """
    was_catalog = {k for k, v in (info.get("sources") or {}).items() if v == "catalog"}
    given = set(entry) | ({"year"} if "date" in entry else set())  # a catalog date gives the year too
    if was_catalog - given - set(FAMILY_FIELDS):
        return True
    return entry.get("language", info.get("language")) != info.get("language")


def derive(
    ex: Extracted,
    path: str,
    *,
    sha256: str,
    size: int,
    mtime_ns: int,
    entry: dict[str, Any] | None = None,
    rel: str | None = None,
) -> Document:
    """Build the document: catalog ``entry`` first, then the file, then rules."""
    from ..text.language import detect_language
    from ..text.pagekind import navigation_pages
    from ..text.sections import section_marks
    from ..vocab import classify, jurisdictions

    entry = entry or {}
    given = apply_entry({}, entry)  # the entry's values, as metadata
    sources: dict[str, str] = {}
    pages = ex.pages
    sample = "\n".join(pages[:20])

    confidence: dict[str, float] = {}

    def from_entry(name: str) -> Any:
        sources[name] = given["sources"][name]
        return given[name]

    def pick(name: str, *candidates: Found | Callable[[], Found | None] | None) -> Any:
        # A candidate may be a function, called only when the catalog does
        # not give the field: most catalogued documents have their publisher
        # and topics given, and finding them costs a fifth of the worker's
        # metadata time.
        if name in entry:
            return from_entry(name)
        for found in candidates:
            if callable(found):
                found = found()
            if found is not None and found.value not in (None, "", []):
                sources[name] = found.source
                confidence[name] = round(found.confidence, 2)
                return found.value
        return None

    # The CELEX number (from the file name or header) restores act numbers
    # cut off in the title; the title in turn tells an ELI's kind of act.
    found_title, byline = document_title(ex.title, ex.kind, pages, celex=celex_in(pages, path))
    if found_title is None:
        found_title = Found(_title_from_filename(path), "filename", 0.2)
    title = pick("title", found_title)
    ids = find_identifiers(pages, path, title=title or "")
    is_act = sources.get("title") == "text" and bool(act_number(title))
    found_date, found_year = document_date(ex, pages, path, title=title, celex=ids.get("celex"), is_act=is_act, com=ids.get("com"))
    date = pick("date", found_date)
    if "year" in entry:
        year = from_entry("year")
    elif "date" in entry:  # a catalog date's year
        year = _year_of(date)
        sources["year"] = "catalog"
    else:
        year = pick("year", found_year)
    language = pick("language", lambda: Found(detect_language(sample, ex.language), "detected", 0.8)) or "und"
    authors = pick("authors", Found(ex.authors, f"{ex.kind}-metadata", 0.8), Found(byline, "text", 0.6)) or []
    publisher = pick("publisher", lambda: find_publisher(ex, pages, path, title=title))
    words = sum(len(p.split()) for p in pages)
    if "type" in entry:
        dtype = from_entry("type")
    else:
        dtype = classify.doc_type(
            title=title or "",
            text=sample,
            path=rel or Path(path).name,
            kind=ex.kind,
            page_count=len(pages),
            words_per_page=words / max(1, len(pages)),
        )
        sources["type"] = "rules"
    if "jurisdictions" in entry:
        jur = from_entry("jurisdictions")
    else:
        registry = jurisdictions.load()
        issuer = [j for j in (publisher_jurisdiction(publisher), publisher_jurisdiction(ex.site), home_jurisdiction(pages)) if j]
        detected = registry.detect(title or "", _spread(pages), issuer=issuer, legislation=dtype == "legislation")
        jur = [jid for jid, _conf in detected]
        sources["jurisdictions"] = "rules"
        if detected:
            confidence["jurisdictions"] = round(min(c for _j, c in detected), 2)
    # Topics are scored per 1,000 words: pages from the whole text, not the first ones.
    topics = pick("topics", lambda: Found(classify.topics(title=title or "", text="\n".join(_spread(pages))), "rules", 0.7)) or []
    flags = []
    if any("garbage" in w or "unreadable" in w for w in ex.warnings):
        flags.append("garbage-text")
    if any(not p.strip() for p in pages):
        flags.append("blank-pages")
    if ex.ocr_pages:
        flags.append("ocr")
    doc_id = given.get("id") or doc_id_for(path)
    for name in FAMILY_FIELDS:
        if name in entry:
            sources[name] = "catalog"
    return Document(
        id=doc_id,
        path=path,
        sha256=sha256,
        size=size,
        mtime_ns=mtime_ns,
        kind=ex.kind,
        title=title or Path(path).name,
        pages=pages,
        paged=ex.paged,
        authors=list(authors),
        publisher=publisher,
        year=year,
        date=date,
        jurisdictions=list(dict.fromkeys(jur)),
        type=dtype,
        topics=list(topics),
        language=language,
        page_labels=ex.page_labels,
        # Taken from the entry or the file, never guessed: no source is
        # recorded here (a metadata update does record "catalog").
        keywords=list(given.get("keywords") or ex.keywords),
        description=pick("description", lambda: find_description(ex, pages, title)),
        url=pick("url", lambda: find_url(ex, pages)),
        identifiers=_identifiers(ids, given, sources),
        flags=flags,
        sources=sources,
        confidence=confidence,
        ingested=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        relpath=rel or Path(path).name,
        section_marks=[] if ex.paged else section_marks(pages, ex.headings or ()),
        ocr_pages=list(ex.ocr_pages),
        nav_pages=navigation_pages(pages),
        # Alone until ingest's family pass sees the other documents.
        family=given.get("family") or doc_id,
        family_newest=doc_id,
        version_of=given.get("version_of"),
        not_same_as=list(given.get("not_same_as") or []),
    )


def _spread(pages: list[str], max_chars: int = 250_000) -> list[str]:
    """Pages spread evenly over a long document, about ``max_chars`` in all.

    Mention densities (jurisdictions, topics) read the same from a sample,
    and scanning a 1,000-page report whole cost ~0.3 s.
    """
    total = sum(map(len, pages))
    if total <= max_chars:
        return pages
    step = total / max_chars
    picked = [pages[0]]
    acc = 0.0
    for p in pages[1:]:
        acc += 1
        if acc >= step:
            picked.append(p)
            acc -= step
    return picked



def _identifiers(found: dict[str, str], given: dict[str, Any], sources: dict[str, str]) -> dict[str, str]:
    """The identifiers found in the file, with the catalog's schemes winning."""
    if "identifiers" not in given:
        return found
    sources["identifiers"] = "catalog"
    return {**found, **given["identifiers"]}
