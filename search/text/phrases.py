"""Phrases indexed whole: a store's phrase vocabulary.

A phrase is found by intersecting its words' positions. For a common
word at 1,000,000 pages that is most of a search's time, and the glossary
adds a dozen phrases to a one-word query ("allowances" also searches
"emission allowances", "emission permits" ...). So each phrase of a
vocabulary (the glossary's terms of two or more words, fixed when a store
is created) is also counted at ingest, page by page, as one term of its
own; a query for it then reads one posting list.

The counts are exactly what the position intersection finds
(``Evaluator._phrase_postings``): a common word holds its place but is not
compared ("cap on emissions" also counts "cap of emissions"). Which words
are common depends on the languages of the index at query time, so a
vocabulary records which slots it left open (words that are stopwords in
any language), and a query uses the counts only where its own open slots
are the same; otherwise it intersects positions as before.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Iterable, Sequence

from .analysis import exact_terms, is_stopword
from .datafile import DATA_DIR

#: Marks a slot of a pattern that matches any token (a common word).
OPEN = "~"


@lru_cache(maxsize=1)
def stopword_languages() -> tuple[str, ...]:
    """Every language with a shipped stopword list."""
    return tuple(sorted(p.stem for p in (DATA_DIR / "stopwords").glob("*.txt")))


def pattern_of(text: str) -> str | None:
    """The pattern of a phrase: its exact tokens with open slots marked;
    None for a text of fewer than two tokens or of common words only."""
    words = exact_terms(text)
    if len(words) < 2 or any(" " in w or w.startswith(OPEN) for w in words):
        return None
    langs = stopword_languages()
    open_ = [is_stopword(w, langs) for w in words]
    if all(open_):
        return None
    return " ".join(OPEN + w if o else w for w, o in zip(words, open_))


class PhraseSet:
    """The phrases a store counts at ingest, and how to count them on a page."""

    def __init__(self, patterns: Iterable[str] = ()):
        self.patterns: tuple[str, ...] = tuple(sorted(set(patterns)))
        #: Names this vocabulary: what a worker counted pages with is checked
        #: against the store's before they are written ("" when empty).
        self.fingerprint = hashlib.sha1("\n".join(self.patterns).encode("utf-8")).hexdigest()[:16] if self.patterns else ""
        self._open: dict[str, frozenset[int]] = {}
        # first compared word → (key, (offset from it, word) of the others)
        self._anchors: dict[str, list[tuple[str, tuple[tuple[int, str], ...]]]] = {}
        for pattern in self.patterns:
            toks = pattern.split(" ")
            words = [t[1:] if t.startswith(OPEN) else t for t in toks]
            slots = frozenset(k for k, t in enumerate(toks) if t.startswith(OPEN))
            key = " ".join(words)
            self._open[key] = slots
            placed = [k for k in range(len(words)) if k not in slots]
            k0 = placed[0]
            rest = tuple((k - k0, words[k]) for k in placed[1:])
            self._anchors.setdefault(words[k0], []).append((key, rest))
        self._anchor_set = frozenset(self._anchors)

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> "PhraseSet":
        """The vocabulary of these phrases (single words are left out)."""
        return cls(p for p in map(pattern_of, texts) if p)

    def __len__(self) -> int:
        return len(self.patterns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhraseSet) and other.patterns == self.patterns

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def __repr__(self) -> str:
        return f"PhraseSet({len(self.patterns)} phrases, {self.fingerprint or 'empty'})"

    def __reduce__(self):
        # A worker's task carries the patterns only; the tables are rebuilt once there.
        return (_shared, (self.patterns,))

    def key(self, words: Sequence[str], open_slots: Iterable[int]) -> str | None:
        """The term a phrase of these exact tokens was counted under, if it
        was counted with the same open slots; else None."""
        key = " ".join(words)
        slots = self._open.get(key)
        if slots is None or slots != frozenset(open_slots):
            return None
        return key

    def count(self, tokens: Sequence[str]) -> tuple[list[str], list[int]]:
        """The phrases occurring in a token stream (a page's exact terms)
        and how often: as a field's ``(terms, counts)``."""
        present = self._anchor_set.intersection(tokens)
        if not present:
            return [], []
        found: dict[str, int] = {}
        n = len(tokens)
        anchors = self._anchors
        for p, t in enumerate(tokens):
            if t not in present:
                continue
            for key, rest in anchors[t]:
                for off, w in rest:
                    q = p + off
                    if q >= n or tokens[q] != w:
                        break
                else:
                    found[key] = found.get(key, 0) + 1
        return list(found), list(found.values())


@lru_cache(maxsize=4)
def _shared(patterns: tuple[str, ...]) -> PhraseSet:
    """One PhraseSet per vocabulary in a process (tasks each carry one)."""
    return PhraseSet(patterns)


#: No phrases counted: every phrase is found from positions.
EMPTY = PhraseSet()
