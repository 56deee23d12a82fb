"""Wildcard patterns (``alloc*``, ``allow?nce``) matched in time linear in
the term's length.

A pattern compiled into one regular expression (``e.*.*.*z``) backtracks:
``e*?*?*?*?*?*?*?*?*?*?*?*?*z`` took 93 s over the lexicon and hung a
server worker. Here runs of ``*`` collapse into one, the pattern is split at
each ``*`` into fixed-length pieces (letters and ``?``), and a term matches
when the first piece starts it, the last ends it and the others occur in
order in between, each at its leftmost place: taking the leftmost place
never loses a match, so nothing is ever tried twice. A piece is found with
``str.find`` or, when it holds a ``?``, with a regular expression without
any repetition (which cannot backtrack). Matching a term of length n costs
O(n * pattern length) at worst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longer patterns are cut (the parser cuts whole queries at 2,000 characters).
MAX_PATTERN = 100


@dataclass(frozen=True)
class _Piece:
    text: str  # letters and ?
    rx: re.Pattern[str] | None  # None: no ?, found with str.find

    @classmethod
    def of(cls, text: str) -> _Piece:
        if "?" not in text:
            return cls(text, None)
        return cls(text, re.compile("".join("." if ch == "?" else re.escape(ch) for ch in text), re.DOTALL))

    def at(self, term: str, pos: int) -> bool:
        """The piece occurs at ``pos``."""
        if self.rx is None:
            return term.startswith(self.text, pos)
        return len(term) - pos >= len(self.text) and self.rx.match(term, pos) is not None

    def find(self, term: str, pos: int, end: int) -> int:
        """The leftmost place at or after ``pos`` where the piece ends by ``end``, or -1."""
        if self.rx is None:
            return term.find(self.text, pos, end)
        m = self.rx.search(term, pos, end)
        return m.start() if m else -1


class Pattern:
    """A compiled pattern; ``matches(term)`` is linear in ``len(term)``."""

    def __init__(self, pattern: str):
        pattern = re.sub(r"\*+", "*", pattern[:MAX_PATTERN])
        self.pattern = pattern
        parts = pattern.split("*")
        self.star = len(parts) > 1
        self.first = _Piece.of(parts[0])
        self.last = _Piece.of(parts[-1]) if self.star else None
        self.middle = [_Piece.of(p) for p in parts[1:-1] if p]
        self.min_len = sum(len(p) for p in parts)
        #: Letters before the first wildcard: terms to consider start with them.
        self.prefix = re.split(r"[*?]", pattern, maxsplit=1)[0]

    def matches(self, term: str) -> bool:
        if not self.star:
            return len(term) == len(self.first.text) and self.first.at(term, 0)
        n = len(term)
        if n < self.min_len or not self.first.at(term, 0):
            return False
        assert self.last is not None
        end = n - len(self.last.text)  # where the last piece must start
        if not self.last.at(term, end):
            return False
        pos = len(self.first.text)
        for piece in self.middle:
            found = piece.find(term, pos, end)
            if found < 0:
                return False
            pos = found + len(piece.text)
        return True
