"""Extractors: one file in, one :class:`~search.model.Extracted` out.

:func:`extract` dispatches on the file suffix.  Every page or section
text is normalised with :func:`search.text.normalize.normalize`.  Bad files
raise :class:`~search.model.ExtractionError`; parsers that hang or
exhaust memory are the job of :mod:`search.ingest.pool`.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Extracted, ExtractionError

PDF_SUFFIXES = frozenset({".pdf"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text", ".rst"})
#: Every suffix :func:`extract` accepts (lower case, with the dot).
SUPPORTED_SUFFIXES = PDF_SUFFIXES | HTML_SUFFIXES | TEXT_SUFFIXES

__all__ = [
    "extract",
    "SUPPORTED_SUFFIXES",
    "Extracted",
    "ExtractionError",
    "split_authors",
    "split_keywords",
    "clean_title",
    "lang_code",
    "parse_date",
    "dateline",
]


def extract(path: str | Path, *, max_pages: int | None = None, ocr: bool = False) -> Extracted:
    """Read one file.  ``max_pages`` limits PDFs (``too-large`` beyond it);
    ``ocr`` reads scanned PDF pages by OCR."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        from .pdf import extract_pdf

        return extract_pdf(path, max_pages=max_pages, ocr=ocr)
    if suffix in HTML_SUFFIXES:
        from .html import extract_html

        return extract_html(path)
    if suffix in TEXT_SUFFIXES:
        from .text import extract_text

        return extract_text(path)
    raise ExtractionError("unsupported", f"unsupported file type {suffix or '(no suffix)'}")


# --------------------------------------------------------------------------
# Metadata helpers shared by the extractors

_JUNK_AUTHORS = {
    "owner", "user", "admin", "administrator", "unknown", "author", "default",
    "microsoft office user", "windows user", "pc", "hp", "dell", "lenovo",
}
_ORG_WORDS = re.compile(
    r"\b(department|ministry|office|institute|university|commission|agency|council|bank|"
    r"association|centre|center|government|authority|board|committee|group|ltd|inc|gmbh|"
    r"limited|corporation|company|foundation|trust|parliament|programme|program|services?)\b",
    re.I,
)


def split_authors(value: str) -> list[str]:
    """Author list of an /Author string.

    Always splits on ";".  Splits on " and " / " & " / "," only when every
    part looks like a personal name, so "Department of Energy and Climate
    Change" and "Smith, John" stay whole.
    """
    value = value.strip().strip(",;")
    if not value:
        return []
    out: list[str] = []
    for part in re.split(r"\s*;\s*", value):
        part = part.strip()
        if not part:
            continue
        pieces = [p.strip() for p in re.split(r",\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+", part) if p.strip()]
        if len(pieces) > 1 and all(_looks_like_name(p) for p in pieces):
            out.extend(pieces)
        else:
            out.append(part)
    return [a for a in out if a.lower() not in _JUNK_AUTHORS][:50]


def _looks_like_name(s: str) -> bool:
    words = s.split()
    return 2 <= len(words) <= 5 and not _ORG_WORDS.search(s) and all(w[0].isupper() for w in words if w[0].isalpha())


def split_keywords(value: str) -> list[str]:
    parts = re.split(r"\s*[;,\n]\s*", value) if value else []
    seen: dict[str, None] = {}
    for p in parts:
        p = p.strip()
        if p and len(p) <= 100:
            seen.setdefault(p, None)
    return list(seen)[:50]


_TITLE_PREFIX_RE = re.compile(r"^(?:microsoft\s+(?:word|powerpoint|excel)|ms\s*word)\s*-\s*", re.I)
_TITLE_EXT_RE = re.compile(r"\.(?:docx?|pptx?|xlsx?|pdf|indd|rtf|odt|tex|dvi|qxd|pub)$", re.I)
_JUNK_TITLES = {"untitled", "title", "document", "powerpoint presentation", "slide 1", "no title", "none", "layout 1"}
_JUNK_TITLE_RE = re.compile(r"(document|doc|untitled|microsoft word|binder|book|layout|slide|presentation)[\s\d_-]*", re.I)


def clean_title(value: str, authors: list[str] | None = None) -> str | None:
    """A usable title from /Title, or None for producer junk."""
    t = _TITLE_PREFIX_RE.sub("", value.strip())
    t = _TITLE_EXT_RE.sub("", t).strip(" -_")
    if len(t) < 3 or not any(c.isalpha() for c in t):
        return None
    low = t.lower()
    if low in _JUNK_TITLES or _JUNK_TITLE_RE.fullmatch(low):
        return None
    if len(t) < 6 and any(c.isdigit() for c in t):
        return None  # "A5.0"
    if authors and low in {a.lower() for a in authors}:
        return None  # "Publications Office" as title and author
    letters = sum(c.isalpha() for c in t)
    if re.search(r"\d{5,}|_", t) and letters < 0.6 * len(t.replace(" ", "")):
        return None  # job names such as "CL2003L0087EN0100010.0001_cp 1..1"
    if " " not in t and re.search(r"[_\d]", t) and len(t) > 12:
        return None  # file names such as "report_final_v3"
    return t


def lang_code(value: object) -> str | None:
    """Primary language subtag of a declared language ("en-GB" → "en")."""
    if not value:
        return None
    s = str(value).strip().replace("_", "-")
    m = re.match(r"^([A-Za-z]{2,3})(?:-|$)", s)
    if not m or m.group(1).lower() in ("und", "mul", "zxx", "xx"):
        return None
    return m.group(1).lower()


_MONTHS = {
    name: i + 1
    for names in (
        "january february march april may june july august september october november december",
        "jan feb mar apr may jun jul aug sep oct nov dec",
        "januar februar märz april mai juni juli august september oktober november dezember",
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "sept",
    )
    for i, name in enumerate(names.split())
}
_MONTHS["sept"] = 9
_MONTH_RE = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    # 2023-05-10, 2023-05-10T12:00:00+02:00, 2023/05/10
    (re.compile(r"\b(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?!\d)"), ("y", "m", "d")),
    # 10 May 2023, 7. Dezember 2001
    (re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|\.)?\s+" + _MONTH_RE + r",?\s+(\d{4})\b", re.I), ("d", "M", "y")),
    # May 10, 2023 / Dec 07 2001 (JavaScript Date strings)
    (re.compile(r"\b" + _MONTH_RE + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.I), ("M", "d", "y")),
    # 10.05.2023 (European numeric)
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
    # May 2023
    (re.compile(r"\b" + _MONTH_RE + r"\s+(\d{4})\b", re.I), ("M", "y")),
]


def parse_date(value: str, *, allow_year: bool = False) -> str | None:
    """ISO date ("2023-05-10", "2023-05", "2023") of a date in common formats."""
    if not value:
        return None
    value = value.strip()
    for rx, order in _DATE_PATTERNS:
        m = rx.search(value)
        if not m:
            continue
        parts = dict(zip(order, m.groups()))
        year = int(parts["y"])
        month = _MONTHS[parts["M"].lower().rstrip(".")] if "M" in parts else int(parts.get("m", 0))
        day = int(parts.get("d", 0))
        if not 1800 <= year <= 2100 or not 1 <= month <= 12 or day > 31:
            continue
        if day:
            return f"{year:04d}-{month:02d}-{day:02d}"
        return f"{year:04d}-{month:02d}"
    if allow_year:
        m = re.fullmatch(r"\s*(\d{4})\s*", value)
        if m and 1800 <= int(m.group(1)) <= 2100:
            return m.group(1)
    return None


def dateline(text: str, *, chars: int, lines: int) -> str | None:
    """A date on a short line (80 characters at most) among the first
    ``lines`` lines of the first ``chars`` characters."""
    for line in text[:chars].splitlines()[:lines]:
        if len(line) <= 80:
            d = parse_date(line)
            if d:
                return d
    return None
