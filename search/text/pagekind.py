"""Pages that point elsewhere: tables of contents, glossaries, reference lists.

A question's words are spread over a report's table of contents (every
chapter title), its glossary (one entry per term) and its reference list
(every cited title), so plain page scores rank these pages first for
long questions, though the page that answers is elsewhere. Ingest records
them (:func:`navigation_pages`) and page ranking weighs them less.

Two cues, both about the page's form and true across documents:

- a **table of contents**: most of the page's words stand on lines that end
  in a page number (after a space or a dot leader), and those numbers go up
  down the page;
- a **heading** that names a glossary, a list of abbreviations or a list of
  references, on one of the page's first lines (after a running header).

A page that mixes a table of contents with the start of the text (a
statute's section list before § 1, an introduction after the last
chapter title) is not one: the text's words outnumber the list's.
"""

from __future__ import annotations

import re

__all__ = ["navigation_pages", "is_navigation"]

#: Headings of a page of pointers, in the library's languages (one line,
#: optionally numbered: "5. References", "Annex 2 - Glossary").
_HEADINGS = (
    r"glossary(?: of terms)?|abbreviations(?: and acronyms)?|acronyms(?: and abbreviations)?|list of (?:abbreviations|acronyms)"
    r"|references|bibliography|endnotes|works cited"
    r"|glossar|abkürzungen|abkürzungsverzeichnis|literatur|literaturverzeichnis|quellenverzeichnis"
    r"|glossaire|sigles(?: et acronymes)?|bibliographie|références"
    r"|术语|术语表|缩略语|缩略语表|参考文献"
)
_HEADING_RE = re.compile(rf"^(?:(?:annex|appendix|anhang|anlage)\s+\w+\s*[-–:.]?\s*)?(?:[\dIVX]+(?:\.\d+)*\.?\s+)?(?:{_HEADINGS})\s*:?$", re.I)
#: A contents line: text with a letter, then a page number after a space or
#: a leader of dots; an optional section number in front ("3.4.2."). The
#: letter is asserted by a lookahead: two lazy runs around it backtracked
#: over every split of a long line (half of ingest's analysis time).
_CONTENTS_LINE_RE = re.compile(r"^(?:[\dIVXivx]+(?:\.\d+)*\.?\s+)?(?=\D*?[^\W\d_])\D*?(?:\s|\.{2,}|…+|_{2,})\s*(\d{1,4})$")
_WORD_RE = re.compile(r"[^\W_]+")
#: A heading counts on the first lines only (a running header may come first).
HEADING_LINES = 4
#: A table of contents: at least this many lines ...
MIN_CONTENTS_LINES = 5
#: ... holding this share of the page's words ...
CONTENTS_SHARE = 0.6
#: (an entry may wrap over this many lines before its numbered line)
WRAPPED_LINES = 2
#: ... with page numbers that go up (this share of neighbouring pairs).
ASCENDING_SHARE = 0.8


def is_navigation(text: str) -> bool:
    """Is this page a table of contents, a glossary or a reference list?"""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return False
    if any(_HEADING_RE.match(line) for line in lines[:HEADING_LINES]):
        return True
    # Only a line ending in a digit can be an entry: most pages have too few
    # to be a table of contents, and need no counting of words.
    if sum(1 for line in lines if line[-1].isdigit()) < MIN_CONTENTS_LINES:
        return False
    numbers: list[int] = []
    listed = total = 0
    pending: list[int] = []  # the words of the lines since the last entry
    for line in lines:
        words = len(_WORD_RE.findall(line))
        total += words
        m = _CONTENTS_LINE_RE.match(line) if line[-1].isdigit() else None
        if m:
            numbers.append(int(m.group(1)))
            # An entry wrapped over lines ends on the numbered one.
            listed += words + (sum(pending) if len(pending) <= WRAPPED_LINES else 0)
            pending = []
        else:
            pending.append(words)
    if len(numbers) < MIN_CONTENTS_LINES or listed < CONTENTS_SHARE * total:
        return False
    ascending = sum(1 for a, b in zip(numbers, numbers[1:]) if b >= a)
    return ascending >= ASCENDING_SHARE * (len(numbers) - 1)


def navigation_pages(pages: list[str]) -> list[int]:
    """The 1-based numbers of the pages that are tables of contents,
    glossaries or reference lists."""
    return [i for i, text in enumerate(pages, 1) if text and is_navigation(text)]
