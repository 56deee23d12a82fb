"""Document metadata as CSV rows, BibTeX and RIS records.

Pure functions over a document's metadata dict (as ``Searcher.iter_matching``
and ``Searcher.document`` return it) and its URLs; no Flask. Each record
carries the original source (``url``: BibTeX ``url``, RIS's first ``UR``,
CSV ``source_url``), the description (``abstract``, ``AB``) and the
identifiers (DOI, ISBN, ISSN in their own fields, the others as a note).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

CSV_COLUMNS = (
    "id",
    "title",
    "authors",
    "year",
    "date",
    "publisher",
    "jurisdictions",
    "type",
    "topics",
    "language",
    "pages",
    "url",
    "file_url",
    "source_url",
    "description",
    "identifiers",
    "family",  # the work's id: the versions of one work share it (exports with versions=all)
)

#: BibTeX entry type and, for @techreport, the ``type`` field.
BIBTEX_TYPES: dict[str, tuple[str, str | None]] = {
    "legislation": ("misc", "Legislation"),
    "report": ("techreport", "Report"),
    "working paper": ("techreport", "Working Paper"),
    "guide": ("manual", None),
    "news": ("misc", "News"),
    "presentation": ("misc", "Presentation"),
    "dataset": ("misc", "Dataset"),
}
RIS_TYPES = {
    "legislation": "LEGAL",
    "report": "RPRT",
    "working paper": "RPRT",
    "guide": "BOOK",
    "news": "NEWS",
    "presentation": "SLIDE",
    "dataset": "DATA",
}
_ORG = re.compile(
    r"\b(commission|parliament|council|ministry|department|office|agency|institute|university|bank|"
    r"government|authority|board|committee|association|centre|center|foundation|programme|program|"
    r"union|state|republic|bundes\w*|zero|group|secretariat|partnership)\b",
    re.I,
)
# Cells starting with these are run as formulas by spreadsheet programs.
_FORMULA = ("=", "+", "@", "\t", "\r")


def _join(values: Iterable[Any] | None) -> str:
    return "; ".join(str(v) for v in values or [])


def csv_cell(value: Any) -> str:
    """A spreadsheet-safe cell: text that looks like a formula is quoted with '."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(_FORMULA) else s


def csv_row(meta: dict[str, Any], url: str, file_url: str, labels: dict[str, Any] | None = None) -> list[str]:
    """One CSV row in :data:`CSV_COLUMNS` order; ``labels`` may give display names of ids."""
    labels = labels or {}
    row = [
        meta.get("id"),
        meta.get("title"),
        _join(meta.get("authors")),
        meta.get("year"),
        meta.get("date"),
        meta.get("publisher"),
        _join(labels.get("jurisdictions", meta.get("jurisdictions"))),
        labels.get("type", meta.get("type")),
        _join(labels.get("topics", meta.get("topics"))),
        meta.get("language"),
        meta.get("page_count"),
        url,
        file_url,
        meta.get("url"),
        meta.get("description"),
        identifiers_text(meta.get("identifiers")),
        meta.get("family") or meta.get("id"),
    ]
    return [csv_cell(v) for v in row]


#: Identifier schemes as citations name them.
SCHEME_LABELS = {"celex": "CELEX", "eli": "ELI", "act": "Act", "com": "Document", "doi": "DOI", "isbn": "ISBN",
                 "issn": "ISSN", "report": "Report", "juris": "juris"}


def identifiers_text(ids: dict[str, str] | None) -> str:
    """``CELEX: 32023L0959; ELI: http://…`` (schemes in a fixed order)."""
    ids = ids or {}
    order = [k for k in SCHEME_LABELS if k in ids] + sorted(k for k in ids if k not in SCHEME_LABELS)
    return "; ".join(f"{SCHEME_LABELS.get(k, k)}: {ids[k]}" for k in order)


def _note_identifiers(ids: dict[str, str] | None) -> str:
    """The identifiers a citation format has no field of its own for."""
    return identifiers_text({k: v for k, v in (ids or {}).items() if k not in ("doi", "isbn", "issn")})


# -- BibTeX -----------------------------------------------------------------------

_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bib_escape(s: str) -> str:
    """Text safe inside a braced BibTeX value (UTF-8 kept as is, for biber)."""
    s = " ".join(str(s).split())
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in s)


def _bib_name(name: str) -> str:
    # Organisations are braced so BibTeX does not split them into first and last names.
    if _ORG.search(name) or len(name.split()) > 3 or not re.search(r"\s", name.strip()):
        return "{" + bib_escape(name) + "}"
    return bib_escape(name)


def _ascii_word(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower())


def bibtex_key(meta: dict[str, Any]) -> str:
    """``<author or publisher><year><first title word>``, ASCII only."""
    who = (meta.get("authors") or [None])[0] or meta.get("publisher") or ""
    words = [w for w in re.split(r"\s+", str(who)) if _ascii_word(w)]
    name = _ascii_word(words[-1] if words and not _ORG.search(str(who)) else "".join(words[:2])) or "anon"
    title_words = [_ascii_word(w) for w in str(meta.get("title") or "").split()]
    first = next((w for w in title_words if len(w) > 3), "") or next((w for w in title_words if w), "")
    return f"{name[:20]}{meta.get('year') or ''}{first[:16]}" or "doc"


def bibtex_entry(meta: dict[str, Any], url: str, key: str | None = None) -> str:
    """One BibTeX record."""
    kind, subtype = BIBTEX_TYPES.get(str(meta.get("type") or ""), ("misc", None))
    fields: list[tuple[str, str]] = []
    if meta.get("title"):
        fields.append(("title", "{" + bib_escape(meta["title"]) + "}"))  # double braces keep its capitals
    if meta.get("authors"):
        fields.append(("author", " and ".join(_bib_name(a) for a in meta["authors"])))
    if meta.get("publisher"):
        field = "institution" if kind == "techreport" else "organization" if kind == "manual" else "publisher"
        fields.append((field, bib_escape(meta["publisher"])))
    if meta.get("year"):
        fields.append(("year", str(meta["year"])))
    date = str(meta.get("date") or "")
    if re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", date):
        fields.append(("date", date))
        fields.append(("month", str(int(date[5:7]))))
    if subtype:
        fields.append(("type", bib_escape(subtype)))
    if meta.get("language"):
        fields.append(("language", bib_escape(meta["language"])))
    keywords = list(meta.get("topics") or []) + list(meta.get("jurisdictions") or [])
    if keywords:
        fields.append(("keywords", bib_escape(", ".join(keywords))))
    ids = meta.get("identifiers") or {}
    for scheme in ("doi", "isbn", "issn"):
        if ids.get(scheme):
            fields.append((scheme, bib_escape(ids[scheme])))
    if _note_identifiers(ids):
        fields.append(("note", bib_escape(_note_identifiers(ids))))
    if meta.get("description"):
        fields.append(("abstract", bib_escape(meta["description"])))
    # The original source is where a reader finds the document; the library
    # page is the fallback.
    fields.append(("url", bib_escape(meta.get("url") or url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{key or bibtex_key(meta)},\n{body}\n}}\n"


def bibtex(metas: Iterable[tuple[dict[str, Any], str]]) -> Iterable[str]:
    """BibTeX records of ``(meta, url)`` pairs, with keys made unique (a, b, …)."""
    used: dict[str, int] = {}
    for meta, url in metas:
        key = bibtex_key(meta)
        n = used.get(key, 0)
        used[key] = n + 1
        if n:
            key += _suffix(n)
        yield bibtex_entry(meta, url, key) + "\n"


def _suffix(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


# -- RIS --------------------------------------------------------------------------


def _ris_value(s: Any) -> str:
    return " ".join(str(s).split())


def ris_record(meta: dict[str, Any], url: str, file_url: str | None = None) -> str:
    """One RIS record (tags and CRLF line ends as the format wants)."""
    lines = [("TY", RIS_TYPES.get(str(meta.get("type") or ""), "GEN"))]
    if meta.get("title"):
        lines.append(("TI", meta["title"]))
    for a in meta.get("authors") or []:
        lines.append(("AU", a))
    if meta.get("year"):
        lines.append(("PY", str(meta["year"])))
    date = str(meta.get("date") or "")
    if re.fullmatch(r"\d{4}(-\d{2}){0,2}", date):
        parts = date.split("-") + ["", ""]
        lines.append(("DA", "/".join(parts[:3]) + "/"))
    if meta.get("publisher"):
        lines.append(("PB", meta["publisher"]))
    if meta.get("language"):
        lines.append(("LA", meta["language"]))
    for kw in list(meta.get("topics") or []) + list(meta.get("jurisdictions") or []):
        lines.append(("KW", kw))
    if meta.get("description"):
        lines.append(("AB", meta["description"]))
    ids = meta.get("identifiers") or {}
    if ids.get("doi"):
        lines.append(("DO", ids["doi"]))
    for scheme in ("isbn", "issn"):
        if ids.get(scheme):
            lines.append(("SN", ids[scheme]))
    if _note_identifiers(ids):
        lines.append(("N1", _note_identifiers(ids)))
    if meta.get("url"):
        lines.append(("UR", meta["url"]))  # the original source first
    lines.append(("UR", url))
    if file_url:
        lines.append(("L1", file_url))
    if meta.get("id"):
        lines.append(("ID", meta["id"]))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines)
