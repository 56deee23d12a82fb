"""A description for every record, and the document's original address.

The description is the document's own abstract or summary when it has one,
an act's statement of its subject matter (Article 1, § 1), else its lead
paragraph: the first run of prose after the title block, never a
disclaimer, a table of contents or site chrome. A description the file's
metadata gives (HTML meta description, front matter) is used when it is a
real sentence.

The original source (``url``) is the address the document gives itself:
the catalog's, an HTML page's canonical link or og:url, a "URL:" /
"Source:" line, or a "this report is available at <URL>" statement.
"""

from __future__ import annotations

import re

from ..model import Extracted
from .titles import is_boilerplate
from .values import Found

MAX_CHARS = 600
MIN_CHARS = 120

_ABSTRACT_HEAD_RE = re.compile(
    r"^\s*(abstract|summary|executive summary|zusammenfassung|résumé|resumen|synopsis|key (findings|messages)|at a glance|摘要|内容提要)\s*[:.]?\s*(?P<rest>.*)$",
    re.I,
)
_SUBJECT_RE = re.compile(r"^\W*(?:article|artikel|art\.)\s+1\b(?!\s*[(.,])\W*(?:\w+\W*){0,5}$|^\W*§\s*1\b\W*(?:[\w-]+\W*){0,6}$|^第一条", re.I)
# An amending act's Article 1 says only what it changes.
_AMENDING_RE = re.compile(r"\b(is|are) (hereby )?amended as follows|wird wie folgt geändert|werden wie folgt geändert|est modifié", re.I)
# An act's preamble formulas before the recitals.
_PREAMBLE_RE = re.compile(
    r"^\W*(having regard|after transmission|after consulting|acting in accordance|whereas|the european parliament and the council|"
    r"the european commission|the council of the european union|has adopted|have adopted|auf grund des|der bundestag hat)",
    re.I,
)
_MARKERS_RE = re.compile(r"►\s*[A-Z]?\d*\s*|\s*◄")
_TOC_RE = re.compile(r"\.{4,}|…{2,}|\s\d{1,3}\s*$")
_URL_LINE_RE = re.compile(r"^\s*(?:url|source|quelle|来源|link|permalink|original)\s*[:：]\s*(https?://\S+)\s*$", re.I)
_AVAILABLE_RE = re.compile(
    r"\b(?:this|the)\s+(?:document|report|paper|publication|study|brief|plan|page)\b[^.]{0,60}?\b(?:is|are)\s+available\s+(?:at|from|online at|on)\s*:?\s*(https?://[^\s)>\]]+/[^\s)>\]]+)",
    re.I,
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?。])\s+")
_CHROME_RE = re.compile(
    r"cookie|javascript|skip to|subscribe|newsletter|all rights reserved|this site uses|©|advertisement|scroll to continue|"
    r"this text is meant purely as a documentation tool|creative commons|licen[cs]e|https?://|www\.|^(by|von|par)\s",
    re.I,
)


def find_description(ex: Extracted, pages: list[str], title: str | None) -> Found | None:
    """The record's description (see the module docstring)."""
    if ex.description and len(ex.description) >= 60 and not _CHROME_RE.search(ex.description) and not _is_title(ex.description, title):
        return Found(_trim(ex.description), f"{ex.kind}-metadata", 0.8)
    lines = _lines(pages)
    found = _abstract(lines, title) or _subject_matter(lines)
    if found:
        return found
    lead = _lead(lines, title)
    if lead:
        return Found(lead, "lead", 0.6)
    return None


def _is_title(text: str, title: str | None) -> bool:
    """A PDF /Subject that only repeats the title (EUR-Lex PDFs do)."""
    words = set(re.findall(r"\w+", text.lower()))
    title_words = set(re.findall(r"\w+", (title or "").lower()))
    return bool(words) and len(words & title_words) >= 0.8 * len(words)


def _lines(pages: list[str]) -> list[str]:
    out: list[str] = []
    for page in pages[:8]:
        out += [re.sub(r"\s+", " ", l).strip() for l in page.split("\n")]
        out.append("")
        if len(out) > 800:
            break
    return out


def _paragraph(lines: list[str], start: int) -> str:
    """The prose from ``lines[start]`` on, up to a blank line or a heading,
    cut at a sentence end near :data:`MAX_CHARS`. A sentence that began on
    the lines before ``start`` is taken whole."""
    if start >= len(lines):  # a heading on the last line: nothing follows it
        return ""
    back = 0
    while (
        back < 6
        and not re.match(r"^\(\d+\)\s", lines[start - back])
        and start - back - 1 >= 0
        and lines[start - back - 1]
        and not lines[start - back - 1].endswith((".", ":", ";", "!", "?"))
        and not _is_heading(lines[start - back - 1])
        and not _CHROME_RE.search(lines[start - back - 1])
    ):
        back += 1
    start -= back
    parts: list[str] = []
    for line in lines[start:]:
        if not line:
            if sum(map(len, parts)) >= MIN_CHARS:
                break
            continue
        if not any(c.isalpha() for c in line) and len(line) <= 4:
            continue  # a footnote number on a line of its own
        if re.match(r"^(by|von|par)\s", line, re.I):
            continue  # a byline inside an abstract box
        if parts and _is_heading(line) and sum(map(len, parts)) >= MIN_CHARS:
            break
        if _TOC_RE.search(line) or is_boilerplate(line) or _PREAMBLE_RE.match(line) or _CHROME_RE.search(line):
            if parts:
                break
            continue
        if line.endswith("?") and parts:
            break  # the next question of an FAQ
        if line[:1] in "•-–*" and parts and not parts[-1].endswith((".", ";", ":", "!", "?")):
            parts[-1] += "."  # a list of points, each a sentence
        parts.append(line.lstrip("•-–* "))
        if sum(map(len, parts)) > 2 * MAX_CHARS:
            break
    text = re.sub(r"(\w)- (\w)", r"\1\2", " ".join(parts))
    text = re.sub(r"\(\s*\)|\(\s*\^?\d+\s*\)", "", text)  # footnote calls left empty or bare
    return _trim(text)


def _trim(text: str) -> str:
    text = re.sub(r"\s+", " ", _MARKERS_RE.sub(" ", text)).strip()
    if len(text) <= MAX_CHARS:
        return text
    out = ""
    for sentence in _SENTENCE_END_RE.split(text):
        if out and len(out) + len(sentence) + 1 > MAX_CHARS:
            break
        out = f"{out} {sentence}".strip()
    return out if out else text[:MAX_CHARS].rsplit(" ", 1)[0] + " …"


def _is_heading(line: str) -> bool:
    return len(line) < 80 and not line.endswith((".", ",", ";", ":")) and line[:1].isupper() and len(line.split()) <= 10


def _is_prose(line: str) -> bool:
    words = line.split()
    if len(words) < 8 or _TOC_RE.search(line) or _CHROME_RE.search(line) or line.endswith("?"):
        return False
    letters = sum(c.isalpha() for c in line)
    lower = sum(1 for w in words if w[:1].islower())
    return letters >= 0.6 * len(line) and lower >= 0.4 * len(words)


def _abstract(lines: list[str], title: str | None) -> Found | None:
    title_key = re.sub(r"\W+", " ", (title or "").lower()).strip()
    lines = [l for l in lines if not (title_key and len(l) > 10 and re.sub(r"\W+", " ", l.lower()).strip() in title_key)]
    for i, line in enumerate(lines[:200]):
        m = _ABSTRACT_HEAD_RE.match(line)
        if not m or len(line) > 200:
            continue
        rest = m.group("rest")
        if rest and len(rest) > 40:
            text = _paragraph([rest] + lines[i + 1 :], 0)
        else:
            text = _paragraph(lines, i + 1)
        if len(text) >= 80:
            return Found(text, "abstract", 0.85)
    return None


def _subject_matter(lines: list[str]) -> Found | None:
    """An act's Article 1 or § 1: what the act is about, in its own words."""
    for i, line in enumerate(lines):
        if not _SUBJECT_RE.match(line):
            continue
        # The article's heading ("Subject matter", "Zweck des Gesetzes") may
        # share its line or follow it.
        j = i + 1
        while j < len(lines) and (not lines[j] or _is_heading(lines[j])) and j < i + 4:
            j += 1
        text = _paragraph(lines, j)
        if len(text) >= 60 and not _AMENDING_RE.search(text[:200]):
            return Found(text, "subject-matter", 0.75)
        break
    return None


def _lead(lines: list[str], title: str | None) -> str | None:
    title_key = re.sub(r"\W+", " ", (title or "").lower()).strip()
    start = _after_title(lines, title_key)
    for i, line in enumerate(lines[start:], start):
        if not _is_prose(line) or is_boilerplate(line) or _PREAMBLE_RE.match(line):
            continue
        if title_key and re.sub(r"\W+", " ", line.lower()).strip() in title_key:
            continue
        text = _paragraph(lines, i)
        if len(text) >= 80 and text.count("?") < 3:
            return text
    return None


def _after_title(lines: list[str], title_key: str) -> int:
    """The line after the title's last line, when the title is printed among
    the first lines (the lead follows the title, not the site's chrome)."""
    if not title_key:
        return 0
    last = 0
    for i, line in enumerate(lines[:200]):
        key = re.sub(r"\W+", " ", line.lower()).strip()
        if len(key) >= 12 and key in title_key:
            last = i + 1
            if title_key.endswith(key):
                return last
    return last


def find_url(ex: Extracted, pages: list[str]) -> Found | None:
    """The document's own address (see the module docstring)."""
    if ex.url:
        return Found(ex.url, f"{ex.kind}-metadata", 0.9)
    head = "\n".join(pages[:2])[:8000]
    for line in head.splitlines()[:40]:
        m = _URL_LINE_RE.match(line)
        if m:
            return Found(m.group(1).rstrip(".,;"), "text", 0.8)
    m = _AVAILABLE_RE.search(head.replace("\n", " "))
    if m:
        return Found(m.group(1).rstrip(".,;"), "text", 0.6)
    return None
