"""Identifiers a document carries: CELEX, ELI, act numbers, COM/SWD numbers,
DOI, ISBN, ISSN and report numbers.

They are read where a librarian finds them: printed in the document (an
OJ header, an imprint, a colophon) or in a file name that follows a
registry's own naming (EUR-Lex's ``CELEX_32023L0959_EN_TXT``,
gesetze-im-internet's ``BJNR…``). They are kept as a field, used to repair
titles whose act number a conversion cut off, and are what document
families will key on.

Every key is a scheme; values are strings as printed (normalised spacing):

=========== ==========================================================
``celex``   EUR-Lex CELEX number; a consolidated version carries its date
            (``02003L0087-20180408``)
``eli``     European Legislation Identifier URI (printed, or derived from a
            sector-3 CELEX of a basic act, never for a consolidated version)
``act``     the act's own number: ``(EU) 2023/959``, ``(EU) No 525/2013``,
            ``2011/753/EU``, ``国务院令第775号``
``com``     a Commission document number: ``COM(2023) 796``, ``SWD(2023) 932``
``doi``     Digital Object Identifier (without ``https://doi.org/``)
``isbn``    ISBN (the digital edition's where print and PDF are given)
``issn``    ISSN
``report``  a report or series number: ``PE-CONS 36/23``, ``IP/25/2967``,
            an EU catalogue number ``NA-03-20-111-EN-N``
``juris``   the German federal law database's document number (BJNR…)
=========== ==========================================================
"""

from __future__ import annotations

import re
from pathlib import Path

#: CELEX: sector (digit, C or E), year, document type (1–2 letters), number;
#: a consolidated text adds "-YYYYMMDD".
_CELEX = r"[0-9CE](?:19|20)\d{2}[A-Z]{1,2}\d{4,}(?:\(\d+\))?"
_CELEX_PATH_RE = re.compile(r"(?:^|[^A-Za-z0-9])CELEX[_:\s-]*(" + _CELEX + r"(?:-\d{8})?)(?![0-9])", re.I)
# Not inside a link ("…/?uri=CELEX:52023SC0339"): that is a document cited.
_CELEX_TEXT_RE = re.compile(r"(?<![=?&/%])\bCELEX(?:\s+number)?\s*[:]?\s*(" + _CELEX + r"(?:-\d{8})?)\b")
_EURLEX_DOC_RE = re.compile(r"^\s*Document\s+(" + _CELEX + r")\s*$", re.M)
# The running header of an EUR-Lex consolidated text: "02003L0087 — EN — 08.04.2018 — 010.001".
_CONSOLIDATED_RE = re.compile(r"\b(0(?:19|20)\d{2}[A-Z]{1,2}\d{4,})\s*[—–-]+\s*[A-Z]{2}\s*[—–-]+\s*(\d{2})\.(\d{2})\.(\d{4})\b")
_ELI_RE = re.compile(r"https?://data\.europa\.eu/eli/[a-z_]+/(?:19|20)\d{2}/\d+(?:/[a-z0-9_]+)*", re.I)
_DOI_RE = re.compile(r"\b(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s\"<>()\[\]{}]+)", re.I)
_ISBN_RE = re.compile(r"\b((?:PDF|Print|Online|E-?book|HTML|EPUB)\s+)?ISBN(?:-1[03])?:?\s*((?:97[89][\s-]?)?\d{1,5}[\s-]?\d{1,7}[\s-]?\d{1,7}[\s-]?[\dXx])\b", re.I)
_ISSN_RE = re.compile(r"\bISSN:?\s*(\d{4}-\d{3}[\dXx])\b", re.I)
_COM_RE = re.compile(r"\b(COM|SWD|SEC|JOIN|C)\s*\(\s*((?:19|20)\d{2})\s*\)\s*(\d{1,5})(?:\s+final)?\b")
_PECONS_RE = re.compile(r"\bPE-CONS\s+(\d{1,4})\s*/\s*(\d{2})\b")
_EC_PRESS_RE = re.compile(r"\b(IP|MEMO|QANDA|STATEMENT|SPEECH|AC)/(\d{2})/(\d{2,5})\b")
# EU Publications Office catalogue numbers, e.g. NA-03-20-111-EN-N (N: digital, C: print).
_CATALOGUE_RE = re.compile(r"\b([A-Z]{2}-[A-Z0-9]{2}-\d{2}-\d{3}-[A-Z]{2}-([A-Z]))\b")
_BJNR_RE = re.compile(r"\b(BJNR[0-9A-Z]{9})\b")
_CN_DECREE_RE = re.compile(r"((?:中华人民共和国)?国务院令第\s*\d+\s*号)")
# An act's number in its own heading.
_ACT_HEAD_RE = re.compile(
    r"^\W*(?:(?:COMMISSION|COUNCIL)\s+)?(?:(?:IMPLEMENTING|DELEGATED)\s+)?"
    r"(?:DIRECTIVE|REGULATION|DECISION)\s+(\((?:EU|EC|EEC|EU, Euratom)\)\s+(?:No\s+)?\d{1,4}/(?:19|20)\d{2}|"
    r"(?:19|20)\d{2}/\d{1,4}/(?:EU|EC|EEC)|\((?:EU|EC)\)\s+(?:19|20)\d{2}/\d{1,5}(?!\d))",
    re.I,
)
_ACT_NUMBER_LINE_RE = re.compile(r"^\s*\(((?:19|20)\d{2}/\d{1,4}/(?:EU|EC|EEC|CFSP))\)\s*$", re.M)

_ELI_TYPES = {"L": "dir", "R": "reg", "D": "dec"}


def find_identifiers(pages: list[str], path: str, *, title: str = "") -> dict[str, str]:
    """Identifiers printed in the document's first pages (and colophon) or
    given by a registry-style file name."""
    head = "\n".join(pages[:3])[:20000]
    tail = pages[-1][-4000:] if pages else ""
    text = head + "\n" + tail
    name = Path(path).name
    out: dict[str, str] = {}

    celex = _celex(name, head)
    if celex:
        out["celex"] = celex
    m = _ELI_RE.search(text)
    if m:
        out["eli"] = m.group(0).rstrip("/.")
    elif celex and celex[0] == "3" and "-" not in celex:
        eli = eli_of_celex(celex, title)
        if eli:
            out["eli"] = eli
    act = act_number(title) or _act_number_line(head)
    if act:
        out["act"] = act
    m = _CN_DECREE_RE.search(head) or _CN_DECREE_RE.search(name)
    if m and "act" not in out:
        out["act"] = re.sub(r"\s+", "", m.group(1))
    m = _COM_RE.search(head[:6000])
    if m:
        out["com"] = f"{m.group(1)}({m.group(2)}) {m.group(3)}"
    m = _DOI_RE.search(text)
    if m:
        out["doi"] = m.group(1).rstrip(".,;:")
    isbn = _isbn(text)
    if isbn:
        out["isbn"] = isbn
    m = _ISSN_RE.search(text)
    if m:
        out["issn"] = m.group(1).upper()
    report = _report_number(text)
    if report:
        out["report"] = report
    m = _BJNR_RE.search(name)
    if m:
        out["juris"] = m.group(1)
    return out


def celex_in(pages: list[str], path: str) -> str | None:
    """The document's CELEX number alone (cheaper than all identifiers)."""
    return _celex(Path(path).name, "\n".join(pages[:3])[:20000])


def _celex(name: str, head: str) -> str | None:
    m = _CELEX_PATH_RE.search(name)
    if m:
        return m.group(1).upper()
    m = _CELEX_TEXT_RE.search(head) or _EURLEX_DOC_RE.search(head)
    if m:
        return m.group(1).upper()
    m = _CONSOLIDATED_RE.search(head)
    if m:
        return f"{m.group(1)}-{m.group(4)}{m.group(3)}{m.group(2)}"
    return None


def celex_parts(celex: str) -> tuple[str, int, str, int, str | None] | None:
    """``(sector, year, type, number, consolidation date YYYYMMDD or None)``."""
    m = re.fullmatch(r"([0-9CE])((?:19|20)\d{2})([A-Z]{1,2})(\d{4,})(?:\(\d+\))?(?:-(\d{8}))?", celex or "")
    if not m:
        return None
    return m.group(1), int(m.group(2)), m.group(3), int(m.group(4)), m.group(5)


def eli_of_celex(celex: str, title: str = "") -> str | None:
    """The ELI of a basic act published in the OJ (CELEX sector 3)."""
    parts = celex_parts(celex)
    if not parts or parts[0] != "3" or parts[4] or parts[2] not in _ELI_TYPES:
        return None
    kind = _ELI_TYPES[parts[2]]
    low = title.lower()
    if re.search(r"\bimplementing\s+(regulation|decision|directive)", low):
        kind += "_impl"
    elif re.search(r"\bdelegated\s+(regulation|decision|directive)", low):
        kind += "_del"
    return f"http://data.europa.eu/eli/{kind}/{parts[1]}/{parts[3]}/oj"


def act_number(title: str) -> str | None:
    """The number in an act's heading: "(EU) 2023/959", "(EU) No 525/2013",
    "2003/87/EC"; None when the heading has none (or a cut-off one)."""
    m = _ACT_HEAD_RE.search(title or "")
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else None


def _act_number_line(head: str) -> str | None:
    """A Decision's number printed on a line of its own: "(2011/753/EU)"."""
    m = _ACT_NUMBER_LINE_RE.search(head[:5000])
    return m.group(1) if m else None


def _isbn(text: str) -> str | None:
    found = [(m.group(1) or "", re.sub(r"\s+", "-", m.group(2).strip())) for m in _ISBN_RE.finditer(text)]
    found = [(label, value) for label, value in found if len(re.sub(r"\D", "", value)) in (10, 13)]
    if not found:
        return None
    # The digital edition describes the file in hand.
    for label, value in found:
        if label.strip().lower() in ("pdf", "online", "ebook", "e-book", "html", "epub"):
            return value
    return found[0][1]


def _report_number(text: str) -> str | None:
    m = _PECONS_RE.search(text)
    if m:
        return f"PE-CONS {m.group(1)}/{m.group(2)}"
    m = _EC_PRESS_RE.search(text)
    if m:
        return m.group(0)
    catalogue = [m for m in _CATALOGUE_RE.finditer(text)]
    if catalogue:
        digital = [m for m in catalogue if m.group(2) == "N"]
        return (digital or catalogue)[0].group(1)
    return None
