"""Where a passage of an unpaged document is: the document's own headings.

HTML and text files have no pages; extraction cuts their text into parts
of about 3,000 characters (:func:`~.normalize.split_sections`). A part's
number means nothing to a reader ("section 54" of a regulation reads like
an Article), so each part carries *marks*: where a heading of the
document's own starts, with a short location label:

- structural headings found in the text itself, in the languages of the
  library: "Article 12", "Annex I", "Chapter III", "§ 5", "Artikel 3",
  "第五条" (a Chinese law's article starts its paragraph);
- the headings the file marks up (Markdown ``#`` lines, HTML ``h1``–``h6``),
  passed in by the extractor: their number ("124.") or their words.

A mark is ``[offset, label, length]``: the heading's offset in the part's
text, its label, and the length of the heading line when it is one to show
as a heading (0 for an article that starts a paragraph, and for the label a
part inherits from the part before, at offset 0). :func:`label_at` gives
the label in force at an offset; a part without any is "part N of M".
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

__all__ = ["section_marks", "label_at", "heading_label", "short_label"]

Mark = list  # [offset: int, label: str, length: int], as JSON keeps it

#: Longest label kept (a heading's words are cut at a word boundary).
MAX_LABEL = 80
#: A heading line is short; longer lines are paragraphs.
MAX_HEADING_LINE = 200

_ROMAN = r"[IVXLC]+"
_NUM = r"\d+[a-z]{0,2}"
# A structural heading line: the unit, its number, and at most a title after it.
_STRUCTURAL = [
    (re.compile(rf"^(?:Article|ARTICLE|Artikel|ARTIKEL|Art\.)\s+({_NUM})\b(?![./]\d)"), "Article {}"),
    (re.compile(rf"^(?:Annex|ANNEX|Anhang|ANHANG|Annexe|ANNEXE)\s+({_ROMAN}|{_NUM}|[A-Z])\b"), "Annex {}"),
    (re.compile(r"^(?:Annex|ANNEX|Anhang|ANHANG)$"), "Annex"),
    (re.compile(rf"^(?:Anlage|ANLAGE)\s+({_NUM}|{_ROMAN})\b"), "Anlage {}"),
    (re.compile(rf"^(?:Chapter|CHAPTER|Kapitel|KAPITEL)\s+({_ROMAN}|{_NUM})\b"), "Chapter {}"),
    (re.compile(rf"^(?:Title|TITLE)\s+({_ROMAN})\b"), "Title {}"),
    (re.compile(rf"^(?:Part|PART|Teil|TEIL)\s+({_ROMAN}|{_NUM})\b"), "Part {}"),
    (re.compile(rf"^(?:Abschnitt|ABSCHNITT)\s+({_NUM}|{_ROMAN})\b"), "Abschnitt {}"),
    (re.compile(rf"^§\s*({_NUM})\b"), "§ {}"),
    (re.compile(r"^(第[一二三四五六七八九十百千零〇两\d]+[条章节])(?=[\s　]|$)"), "{}"),
]
_CJK_UNIT = _STRUCTURAL[-1][0]
_RAW_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$")
# A marked heading that starts with its number: "124. How will …", "3.2 Scope".
_NUMBERED = re.compile(r"^(\d{1,4}(?:\.\d{1,3})*\.?)\s+\S")
# Table-of-contents leaders and page numbers at the end of a heading.
_LEADERS = re.compile(r"\s*(?:[.…·_]\s*){3,}\s*\d*\s*$")
_LINE = re.compile(r"[^\n]+")


def _clean(line: str) -> str:
    return " ".join(_LEADERS.sub("", line).split())


def heading_label(line: str, marked: bool = False) -> str | None:
    """The location label of a heading line, or None if it is not one.

    :param marked: the file marks the line up as a heading (its words make
        the label when it has no structural unit).
    """
    text = _clean(line)
    if not text:
        return None
    for rx, fmt in _STRUCTURAL:
        m = rx.match(text)
        if m:
            return fmt.format(*m.groups())
    if not marked:
        return None
    if len(text) <= MAX_LABEL:
        return text
    cut = text[: MAX_LABEL - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def short_label(label: str, width: int = 24) -> str:
    """A label short enough for a passage's margin: a heading's number
    ("124.") or structural unit as it is, other words cut to ``width``."""
    m = _NUMBERED.match(label)
    if m:
        return m.group(1).rstrip(".") if "." in m.group(1)[:-1] else m.group(1)
    if len(label) <= width:
        return label
    return label[: width - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-") + "…"


def section_marks(sections: list[str], marked: Iterable[str] = ()) -> list[list[Mark]]:
    """Each part's marks (see the module docstring), in order.

    :param marked: the heading lines the file marks up, as extracted
        (whitespace does not matter).
    """
    headings = [_clean(h) for h in marked if h and h.strip()]
    # A heading's text also stands in a table of contents before it: only
    # its last occurrences (as many as the file marks up) are the heading.
    times = Counter(headings)
    seen = Counter(_clean(m.group()) for text in sections for m in _LINE.finditer(text) if _clean(m.group()) in times)
    out: list[list[Mark]] = []
    current: str | None = None
    for number, text in enumerate(sections):
        marks: list[Mark] = []
        for m in _LINE.finditer(text):
            line = m.group()
            stripped = line.strip()
            if not stripped:
                continue
            raw = _RAW_MD_HEADING.match(stripped)
            if raw:  # a Markdown heading left in text read as plain (an older text cache)
                label = heading_label(raw.group(1), marked=True)
                if label:
                    marks.append([m.start() + (len(line) - len(line.lstrip())), label, len(stripped)])
                continue
            key = _clean(stripped)
            is_marked = False
            if key in times:
                seen[key] -= 1
                is_marked = seen[key] < times[key]
                if number == 0 and m.start() == 0 and headings and key == headings[0]:
                    continue  # the document's own title, not a place in it
            if not is_marked and _LEADERS.search(stripped):
                continue  # a table of contents entry, not the part itself
            label = heading_label(stripped, marked=is_marked)
            if label is None:
                continue
            heading_like = _is_heading_line(stripped)
            if not (is_marked or heading_like or _CJK_UNIT.match(stripped)):
                continue  # "Article 10 of Directive … shall apply": a sentence, not a heading
            shown = is_marked or heading_like
            start = m.start() + (len(line) - len(line.lstrip()))
            marks.append([start, label, len(stripped) if shown else 0])
        if current is not None and (not marks or marks[0][0] > 0):
            marks.insert(0, [0, current, 0])
        if marks:
            current = marks[-1][1]
        out.append(marks)
    return out


def _is_heading_line(line: str) -> bool:
    """A structural line that stands as a heading ("Article 12", "§ 5 – Zweck
    des Gesetzes"), not a paragraph that starts with its unit ("第五条 全国…",
    "Article 3 shall apply …")."""
    if _CJK_UNIT.match(line):
        return len(line) <= 40 and not line.rstrip().endswith(("。", "；"))
    return len(line) <= 120 and len(line.split()) <= 8 and not line.rstrip().endswith((".", ";", ",", ":"))


def label_at(marks: list[Mark] | None, offset: int) -> str | None:
    """The label in force at ``offset`` of a part (None when the part has none)."""
    label = None
    for m in marks or ():
        try:
            at, text = int(m[0]), str(m[1])
        except (TypeError, ValueError, IndexError):
            continue
        if at > offset:
            break
        label = text
    return label
