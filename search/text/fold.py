"""Folding: the one normal form in which words are compared.

:func:`fold` is what index terms, query words, highlighting and data-file
lookups all use: lower case (``casefold``: ß → ss), compatibility forms
decomposed (ﬁ → fi, ² → 2) and accents stripped from Latin, Greek and
Cyrillic letters (Québec → quebec). Marks of other scripts are part of the
letter (Devanagari vowel signs, kana voicing) and stay.

:func:`term_key` adds what multi-word terms of the data files need: any run
of spaces and hyphens is one space, any apostrophe is ``'``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "strip_marks", "term_key", "SEP_CHARS", "SEP_PATTERN", "APOSTROPHES"]

#: Characters that separate the words of a term ("cap-and-trade", "EU ETS").
SEP_CHARS = " \t\n\r\f\v-\u2010\u2011\u2013\u00ad"
#: A run of separators, as a regex.
SEP_PATTERN = r"[\s\-\u2010\u2011\u2013\u00ad]+"
APOSTROPHES = "'\u2019\u02bc"
_SEP_RE = re.compile(SEP_PATTERN)
_APOS_RE = re.compile(f"[{APOSTROPHES}]")


#: Where combining marks can be (a superset of Unicode's combining classes
#: above 0, in few ranges: a character class of the exact ~200 ranges made
#: the regex slower than a loop over every character).
_MAYBE_MARK_RE = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u1dff\u20d0-\u20ff\u2cef-\u2dff\u302a-\u302f\u3099\u309a"
    "\ua66f-\uabff\ufb1e\ufe20-\ufe2f\U00010000-\U0010ffff]+"
)


def strip_marks(s: str) -> str:
    """Remove accents from Latin, Greek and Cyrillic letters only.

    Kana voicing marks and the vowel signs of Indic scripts belong to their
    letters, so marks are dropped only after a base character below U+0530
    (a mark after a dropped one follows that character too). Only the
    characters that can be marks are looked at one by one: a loop over every
    character of the decomposed text was a quarter of ingest's analysis time.
    """
    if s.isascii():
        return s
    d = unicodedata.normalize("NFKD", s)
    out: list[str] = []
    last = 0
    for m in _MAYBE_MARK_RE.finditer(d):
        a, b = m.span()
        prev = d[a - 1] if a else ""
        out.append(d[last:a])
        for ch in d[a:b]:
            if unicodedata.combining(ch) and prev and ord(prev) < 0x530:
                continue
            out.append(ch)
            prev = ch
        last = b
    if not out:
        return unicodedata.normalize("NFC", d)
    out.append(d[last:])
    return unicodedata.normalize("NFC", "".join(out))


def fold(s: str, *, keep_case: bool = False) -> str:
    """``s`` without accents and (unless ``keep_case``) case-folded."""
    if s.isascii():
        return s if keep_case else s.lower()
    s = strip_marks(s)
    return s if keep_case else s.casefold()


def term_key(s: str, *, keep_case: bool = False) -> str:
    """The lookup key of a data-file term: :func:`fold` of the stripped text,
    one space for any run of spaces or hyphens, one kind of apostrophe."""
    s = fold(s.strip(), keep_case=keep_case)
    s = _SEP_RE.sub(" ", s)
    return _APOS_RE.sub("'", s)
