"""A document's metadata: the staff catalog first, then what the file says,
then what the rules in ``search/data`` derive from its text.

``sources`` records where each field came from, so staff can see which
values are guesses. :func:`apply_entry` is the one place a catalog entry
is applied: :func:`derive` uses it for a fresh document and
:func:`with_entry` for an indexed one whose entry changed;
:func:`needs_reprocess` says when a change needs a fresh derivation instead.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..model import DOC_TYPES, Document, Extracted
from .titles import find_title, is_boilerplate

_FILE_DATE_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
_FILE_YEAR_RE = re.compile(r"(?<![\d])((?:19[5-9]|20[0-4])\d)(?![\d])")
_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "janvier", "januar", "enero"),
            ("february", "février", "fevrier", "februar", "febrero"),
            ("march", "mars", "märz", "marz", "marzo"),
            ("april", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("june", "juin", "juni", "junio"),
            ("july", "juillet", "juli", "julio"),
            ("august", "août", "aout", "agosto"),
            ("september", "septembre", "septiembre"),
            ("october", "octobre", "oktober", "octubre"),
            ("november", "novembre", "noviembre"),
            ("december", "décembre", "decembre", "dezember", "diciembre"),
        ],
        start=1,
    )
    for m in names
}
_TEXT_DATE_RE = re.compile(
    r"\b(\d{1,2})\.?\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\s+((?:19|20)\d{2})\b",
    re.IGNORECASE,
)
_CN_DATE_RE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
_JUNK_TITLE_RE = re.compile(
    r"(^untitled|^microsoft (word|powerpoint)|\.(docx?|pptx?|pdf|indd|tex)\b|^document\d*$|^slide \d+$|^\W*$)",
    re.IGNORECASE,
)


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


def _date_from_filename(path: str) -> tuple[str | None, int | None]:
    name = Path(path).name
    m = _FILE_DATE_RE.search(name)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}", int(m.group(1))
    years = [int(y) for y in _FILE_YEAR_RE.findall(name)]
    return None, (years[-1] if years else None)


def _date_from_text(pages: list[str]) -> str | None:
    head = "\n".join(pages[:2])[:6000]
    m = _TEXT_DATE_RE.search(head)
    if m:
        d, mon, y = int(m.group(1)), _MONTHS[m.group(2).lower()], int(m.group(3))
        if 1 <= d <= 31:
            return f"{y:04d}-{mon:02d}-{d:02d}"
    m = _CN_DATE_RE.search(head)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


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
    date when it has one. Other fields are left as they are.
    """
    from ..vocab import jurisdictions

    out = dict(meta)
    sources = dict(out.get("sources") or {})
    for k, v in entry.items():
        if k == "jurisdictions":
            registry = jurisdictions.load()
            v = [registry.resolve(j) or j for j in v]
        if k == "type" and v not in DOC_TYPES:
            v = "other"
        out[k] = v
        sources[k] = "catalog"
    if "year" not in entry and "date" in entry:
        out["year"] = _year_of(entry["date"]) or out.get("year")
    out["sources"] = sources
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

    Dropping a catalog field must bring back the derived value, and a new
    language changes how every page is stemmed.
    """
    was_catalog = {k for k, v in (info.get("sources") or {}).items() if v == "catalog"}
    given = set(entry) | ({"year"} if "date" in entry else set())  # a catalog date gives the year too
    if was_catalog - given:
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
    from ..vocab import classify, jurisdictions

    entry = entry or {}
    given = apply_entry({}, entry)  # the entry's values, as metadata
    sources: dict[str, str] = {}
    pages = ex.pages
    sample = "\n".join(pages[:20])

    def from_entry(name: str) -> Any:
        sources[name] = given["sources"][name]
        return given[name]

    def pick(name: str, *candidates: tuple[Any, str]) -> Any:
        if name in entry:
            return from_entry(name)
        for value, source in candidates:
            if value not in (None, "", []):
                sources[name] = source
                return value
        return None

    file_title = ex.title if ex.title and len(ex.title) >= 4 and not _JUNK_TITLE_RE.search(ex.title) and not is_boilerplate(ex.title) else None
    text_title, byline, is_act = find_title(pages)
    # Metadata titles are written by people, but a legal act's heading runs
    # over several lines that a text file's first heading cuts short.
    first, second = ((file_title, f"{ex.kind}-metadata"), (text_title, "text"))
    if is_act or (ex.kind == "text" and not file_title):
        first, second = second, first
    title = pick("title", first, second, (_title_from_filename(path), "filename"))
    file_date, file_year = _date_from_filename(path)
    date = pick(
        "date",
        (file_date, "filename"),
        (ex.date if ex.kind != "pdf" else None, f"{ex.kind}-metadata"),
        (_date_from_text(pages), "text"),
        (ex.date if ex.kind == "pdf" else None, "pdf-metadata"),
    )
    if "year" in entry:
        year = from_entry("year")
    else:  # the date's year (a catalog date's too), else one in the file name
        year = _year_of(date) if date else None
        if year is None and file_year:
            year = file_year
            sources["year"] = "filename"
        elif year is not None:
            sources["year"] = sources.get("date", "text")
    language = pick("language", (detect_language(sample, ex.language), "detected")) or "und"
    authors = pick("authors", (ex.authors, f"{ex.kind}-metadata"), (byline, "text")) or []
    publisher = pick("publisher", (ex.publisher, f"{ex.kind}-metadata"), (_publisher_from_text(sample, path), "rules"))
    if "jurisdictions" in entry:
        jur = from_entry("jurisdictions")
    else:
        jur = [jid for jid, _conf in jurisdictions.load().detect(title or "", _spread(pages))]
        sources["jurisdictions"] = "rules"
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
    # Topics are scored per 1,000 words: pages from the whole text, not the first ones.
    topics = pick("topics", (classify.topics(title=title or "", text="\n".join(_spread(pages))), "rules")) or []
    flags = []
    if any("garbage" in w or "unreadable" in w for w in ex.warnings):
        flags.append("garbage-text")
    if any(not p.strip() for p in pages):
        flags.append("blank-pages")
    if ex.ocr_pages:
        flags.append("ocr")
    return Document(
        id=given.get("id") or doc_id_for(path),
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
        description=given.get("description") or ex.description,
        flags=flags,
        sources=sources,
        ingested=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        ocr_pages=list(ex.ocr_pages),
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


def _publisher_from_text(sample: str, path: str) -> str | None:
    from ..vocab.publishers import publisher_in

    # The first page names the publisher; later pages cite others.
    return publisher_in(sample[:4000] + "\n" + path)
