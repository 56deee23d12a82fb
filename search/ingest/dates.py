"""A document's own date, ahead of the dates it cites.

Cues, strongest first (each with the ``source`` it is recorded under):

=============== ==== =====================================================
consolidation   0.95 the date of a consolidated version (CELEX
                     ``02003L0087-20180408``, "02003L0087 — EN — 08.04.2018")
act             0.9  the date in an act's title ("of 10 May 2023")
dateline        0.85 the document's date line: "Brussels, 2.7.2025",
                     "Tuesday, 6 May 2008, 10:44 am", "May 2025" under a
                     cover title, "Updated Version, 19 December 2023",
                     "2024年1月25日"
<kind>-metadata 0.8  an HTML page's or text file's own date (meta tags,
                     front matter, "Ausfertigungsdatum")
filename        0.7  a full date in the file name (2024-05-23)
pdf-metadata    0.6  the PDF's creation date
identifier      0.5  the year of the document's own number (COM(2020) 563)
filename-year   0.4  a year standing alone in the file name
text            0.3  a date in a sentence of the first pages
=============== ==== =====================================================

A PDF's properties record when a file was made, which can be years after
the printed date; a number such as "2021_1119" in a file name is an act
number, not a date.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from ..extract import parse_date
from ..model import Extracted
from .identifiers import celex_parts
from .values import Found

# A full date in a file name, with the same separator twice (or none).
_FILE_DATE_RE = re.compile(r"(?<![\d])((?:19|20)\d{2})([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?![\d])")
# A year standing alone: not part of "2021_1119" or "2024-27".
_FILE_YEAR_RE = re.compile(r"(?<![\d][_.-])(?<![\d])((?:19[5-9]|20[0-4])\d)(?![\d])(?![_.-]\d)")
_PLACE_DATELINE_RE = re.compile(
    r"\b(?:Brussels|Bruxelles|Brüssel|Luxembourg|Strasbourg|Berlin|Bonn|Paris|London|Geneva|Genève|Wellington|Beijing|Ottawa|Washington|Canberra|Tokyo|Seoul|"
    r"[A-Z][a-zé]+),\s+(\d{1,2}\.\d{1,2}\.(?:19|20)\d{2}|\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-zä]+\.?\s+(?:19|20)\d{2}|[A-Z][a-z]+\s+\d{1,2},\s+(?:19|20)\d{2})\b"
)
_CN_DATE_RE = re.compile(r"^\s*((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_CN_DATE_ANY_RE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
_ACT_DATE_RE = re.compile(r"\bof\s+(\d{1,2}\s+[A-Z][a-z]+\s+(?:19|20)\d{2})\b")
# Lines that carry a date that is not the document's: a version history, a
# citation, a deadline.
_NOT_DATELINE_RE = re.compile(
    r"\b(OJ|ABl\.|BGBl|entered into force|in force|applicable from|until|deadline|by \d|before|after|since|published in|"
    r"amended|adopted on|signed|position of the european parliament|decision of the council)\b",
    re.I,
)
_DATE_WORDY_RE = re.compile(r"[A-Za-z]{4,}")
# "On 4 March 2020, the Commission adopted …": a sentence, not a date line.
_SENTENCE_OPENER_RE = re.compile(r"^(on|in|by|since|from|until|before|after|as of|at|during)\s+\d", re.I)


def _year(date: str | None) -> int | None:
    if date and re.match(r"^\d{4}", date):
        y = int(date[:4])
        if 1900 <= y <= datetime.now().year + 1:
            return y
    return None


def consolidation_date(celex: str | None) -> str | None:
    parts = celex_parts(celex or "")
    if parts and parts[4]:
        d = parts[4]
        return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    return None


def act_date(title: str | None) -> str | None:
    """The date an act's title gives ("… of 10 May 2023 amending …")."""
    if not title:
        return None
    m = _ACT_DATE_RE.search(title[:200])
    return parse_date(m.group(1)) if m else None


def dateline(pages: list[str], *, lines: int = 45) -> str | None:
    """The document's own date line among its first lines."""
    head = [l.strip(" *#|") for l in "\n".join(pages[:2])[:12000].splitlines() if l.strip()][:lines]
    for line in head:
        m = _PLACE_DATELINE_RE.search(line)
        if m:
            d = parse_date(m.group(1))
            if d:
                return d
    for line in head:
        m = _CN_DATE_RE.match(line)
        if m:
            return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        if len(line) > 90 or _NOT_DATELINE_RE.search(line):
            continue
        d = parse_date(line)
        if not d or _SENTENCE_OPENER_RE.match(line):
            continue
        # A date line is mostly the date: few other words around it.
        rest = re.sub(r"\b(19|20)\d{2}\b|\b\d{1,2}\b", " ", line)
        words = [w for w in _DATE_WORDY_RE.findall(rest)]
        if len(words) <= 5:
            return d
    return None


def sentence_date(pages: list[str]) -> str | None:
    """Any full date in the first pages: the weakest cue, a date the text cites."""
    head = "\n".join(pages[:2])[:6000]
    for m in re.finditer(r"\b\d{1,2}\.?\s+[A-Za-zéûä]+\s+(?:19|20)\d{2}\b", head):
        d = parse_date(m.group(0))
        if d and len(d) == 10:
            return d
    m = _CN_DATE_ANY_RE.search(head)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


def filename_date(path: str) -> tuple[str | None, int | None]:
    """A full date in the file name, else a year standing alone in it."""
    name = Path(path).name
    m = _FILE_DATE_RE.search(name)
    if m:
        return f"{m.group(1)}-{m.group(3)}-{m.group(4)}", int(m.group(1))
    years = [int(y) for y in _FILE_YEAR_RE.findall(name)]
    return None, (years[-1] if years else None)


def _identifier_year(celex: str | None, com: str | None) -> int | None:
    """The year a document's own number carries: COM(2020) 563, CELEX 52020PC0563."""
    m = re.search(r"\(((?:19|20)\d{2})\)", com or "")
    if m:
        return int(m.group(1))
    parts = celex_parts(celex or "")
    return parts[1] if parts and not parts[4] else None


def document_date(ex: Extracted, pages: list[str], path: str, *, title: str | None, celex: str | None,
                  is_act: bool, com: str | None = None) -> tuple[Found | None, Found | None]:
    """``(date, year)``, each with its source and confidence."""
    file_date, file_year = filename_date(path)
    candidates: list[tuple[str | None, str, float]] = [
        (consolidation_date(celex), "consolidation", 0.95),
        (act_date(title) if is_act else None, "act", 0.9),
        (dateline(pages), "dateline", 0.85),
        (ex.date if ex.kind != "pdf" else None, f"{ex.kind}-metadata", 0.8),
        (file_date, "filename", 0.7),
        (ex.date if ex.kind == "pdf" else None, "pdf-metadata", 0.6),
    ]
    for value, source, conf in candidates:
        if value and _year(value):
            return Found(value, source, conf), Found(_year(value), source, conf)
    year = _identifier_year(celex, com)
    if year:
        return None, Found(year, "identifier", 0.5)
    if file_year:
        return None, Found(file_year, "filename-year", 0.4)
    d = sentence_date(pages)
    if d and _year(d):
        return Found(d, "text", 0.3), Found(_year(d), "text", 0.3)
    return None, None
