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


def strip_marks(s: str) -> str:
    """Remove accents from Latin, Greek and Cyrillic letters only.

    Kana voicing marks and the vowel signs of Indic scripts belong to their
    letters, so marks are dropped only after a base character below U+0530.
    """
    if s.isascii():
        return s
    out: list[str] = []
    prev = ""
    for ch in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(ch) and prev and ord(prev) < 0x530:
            continue
        out.append(ch)
        prev = ch
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
