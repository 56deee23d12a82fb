"""Finding many terms in a text at once: :class:`TermMatcher`.

The hand-edited vocabularies (jurisdiction names and aliases, topic
keywords, the glossary) are matched against documents and queries with one
compiled regex and one pass over the text: word boundaries for Latin
script, none for CJK; accents never matter, case only for case-sensitive
terms. Lookups of what matched go through :func:`search.text.fold.term_key`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import chain
from typing import Any, Generic, Iterable, Iterator, TypeVar

from .fold import APOSTROPHES, SEP_CHARS, SEP_PATTERN, strip_marks, term_key

T = TypeVar("T")


# Letters, digits and marks of the scripts that separate words with spaces.
# A Latin-script term must not touch one of these on either side, so "EU"
# does not match inside "EUR" or "neutral", while CJK terms need no boundary.
_WORD = (
    "0-9A-Za-z\u00aa\u00b2\u00b3\u00b5\u00b9\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff\u2070-\u209f"
)
_WORD_RE = re.compile(f"[{_WORD}]")
_AFTER = f"(?![{_WORD}])"
_SEP_CHARS = SEP_CHARS
_SEP = SEP_PATTERN  # a space or hyphen in a term: any run of these
_APOS = APOSTROPHES


def _variant_table() -> dict[str, frozenset[str]]:
    """Base character -> itself plus every accented or super/subscript form."""
    groups: dict[str, set[str]] = {}
    # Latin-1 covers the accents of the main Western European languages and
    # keeps each class a 256-bit map; characters beyond it (Polish, Czech,
    # Vietnamese) would make every class a big charset and double the
    # compile time. They still match themselves. Sub/superscript digits are
    # in for "CO₂".
    codepoints = chain((0xB2, 0xB3, 0xB9), range(0xC0, 0x100), range(0x2070, 0x207A), range(0x2080, 0x208A))
    for cp in codepoints:
        ch = chr(cp)
        base = unicodedata.normalize("NFKD", ch)[:1]
        if base != ch and base.isascii() and base.isalnum():
            groups.setdefault(base, {base}).add(ch)
    return {k: frozenset(v) for k, v in groups.items()}


_VARIANTS = _variant_table()


def is_latin_char(ch: str) -> bool:
    """True for characters of the space-separated scripts (see ``_WORD``)."""
    return bool(_WORD_RE.match(ch))


def default_case_sensitive(term: str) -> bool:
    """Terms written all in capitals ("EU", "TIER", "NZ ETS") match exactly;
    everything else ignores case."""
    return any(c.isupper() for c in term) and not any(c.islower() for c in term)




@dataclass(frozen=True)
class Term(Generic[T]):
    """One term for a TermMatcher: its text, flags and what it stands for."""

    text: str
    payload: T
    case_sensitive: bool = False
    weight: float = 1.0


@dataclass(frozen=True)
class TermHit(Generic[T]):
    start: int
    end: int
    surface: str
    terms: tuple[Term[T], ...]  # every term with this normalised form


def _unit_chars(ch: str, case_sensitive: bool) -> frozenset[str]:
    """Every character that one character of a term matches: its accented
    forms, and both cases unless the term is case-sensitive."""
    base = strip_marks(ch)
    base = base if len(base) == 1 else ch
    bases = {base} if case_sensitive else {base.lower(), base.upper(), ch.lower(), ch.upper()}
    chars = {ch}
    for b in bases:
        if len(b) == 1:
            chars |= {b} | _VARIANTS.get(b, frozenset())
    return frozenset(chars)


def _unit(ch: str, case_sensitive: bool) -> str:
    """The regex for one character of a term."""
    if ch in _SEP_CHARS:
        return _SEP
    if ch in _APOS:
        return f"[{_APOS}]"
    chars = _unit_chars(ch, case_sensitive)
    if len(chars) == 1:
        return re.escape(ch)
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


_END = ""  # trie key marking where a term ends


class TermMatcher(Generic[T]):
    """Find many terms in a text in one regex pass.

    Latin-script terms match at word boundaries only; CJK (and other
    unspaced scripts) match anywhere. Accents never matter; case matters for
    case-sensitive terms only. A space or hyphen in a term matches any run of
    spaces or hyphens, so "cap-and-trade" also finds "cap and trade" and a
    term broken across lines. With ``plural`` an English plural "s"/"es"
    may follow a Latin term. A term ending in "*" matches any word ending.
    At each position the longest term wins; hits never overlap.
    """

    def __init__(self, terms: Iterable[Term[T]], *, plural: bool = True):
        self._exact: dict[str, list[Term[T]]] = {}
        self._folded: dict[str, list[Term[T]]] = {}
        self._prefixes: list[tuple[str, bool, Term[T]]] = []
        self._plural = plural
        # Latin-script terms and the rest live in separate tries: only the
        # former need a word boundary before them.
        self._tries: dict[str, dict[str, Any]] = {"latin": {}, "other": {}}
        self._first: dict[str, set[str]] = {"latin": set(), "other": set()}
        self._pending: list[tuple[str, bool, bool]] = []  # trie input, built with the regex
        for term in terms:
            self._add(term)
        # Compiled on first use: building the regex takes ~0.2 s, and a
        # registry loaded only for its names and labels never needs it.
        self._regex_cache: re.Pattern[str] | None | bool = False
        # Surface text -> terms: documents repeat the same few hits, and
        # folding each one (Unicode decomposition) was a tenth of ingest.
        self._looked_up: dict[str, tuple[Term[T], ...]] = {}

    @property
    def _regex(self) -> re.Pattern[str] | None:
        if self._regex_cache is False:
            self._build_tries()
            self._regex_cache = self._compile()
        return self._regex_cache

    def _add(self, term: Term[T]) -> None:
        text = term.text.strip()
        wildcard = text.endswith("*")
        if wildcard:
            text = text[:-1].rstrip()
        if not text or text[0] in _SEP_CHARS:
            return
        cs = term.case_sensitive
        if wildcard:
            self._prefixes.append((term_key(text, keep_case=cs), cs, term))
        else:
            table = self._exact if cs else self._folded
            table.setdefault(term_key(text, keep_case=cs), []).append(term)
        self._pending.append((text, cs, wildcard))

    def _build_tries(self) -> None:
        for text, cs, wildcard in self._pending:
            units: list[str] = []
            for ch in text:
                u = _unit(ch, cs)
                if not (units and u == _SEP and units[-1] == _SEP):  # "a - b": one separator run
                    units.append(u)
            kind = "latin" if is_latin_char(text[0]) else "other"
            self._first[kind] |= _unit_chars(text[0], cs) if text[0] not in _APOS else set(_APOS)
            node = self._tries[kind]
            for u in units:
                node = node.setdefault(u, {})
            node.setdefault(_END, set()).add(self._ending(text, cs, wildcard))
        self._pending = []

    def _ending(self, text: str, cs: bool, wildcard: bool) -> str:
        if wildcard:
            return f"[{_WORD}]*"
        if not is_latin_char(text[-1]):
            return ""
        if self._plural and text[-1].isalpha():
            return ("(?:e?s)?" if cs else "(?:[eE]?[sS])?") + _AFTER
        return _AFTER

    def _compile(self) -> re.Pattern[str] | None:
        # One regex, but each position is rejected cheaply: the Latin trie
        # only runs at a word start, and each trie only where its first
        # character class matches (a lookahead), so a 1 MB text costs a few
        # checks per character instead of one per term.
        parts = []
        for kind, boundary in (("latin", f"(?<![{_WORD}])"), ("other", "")):
            if self._tries[kind]:
                first = "".join(re.escape(c) for c in sorted(self._first[kind]))
                parts.append(f"{boundary}(?=[{first}]){self._trie_regex(self._tries[kind], root=True)}")
        return re.compile("|".join(parts)) if parts else None

    def _trie_regex(self, node: dict[str, Any], root: bool = False) -> str:
        return self._node_regex(node, root)[0]

    def _node_regex(self, node: dict[str, Any], root: bool = False) -> tuple[str, int]:
        """Regex for a trie node and the length of its longest continuation."""
        # Longer continuations first so the longest term wins at a position;
        # the regex backtracks to shorter ones when a longer one fails.
        children = []
        for unit, child in node.items():
            if unit != _END:
                regex, depth = self._node_regex(child)
                children.append((depth + 1, unit + regex))
        children.sort(key=lambda c: -c[0])
        alts = [regex for _, regex in children]
        alts += sorted(node.get(_END, ()), key=len, reverse=True)
        depth = children[0][0] if children else 0
        if len(alts) == 1 and not root:
            return alts[0], depth
        return "(?:" + "|".join(alts) + ")", depth

    _TOKEN_RE = re.compile(r"[^\s\-\u2010\u2011\u2013\u00ad]+")
    _EDGE = ".,;:!?()[]{}\"«»“”„<>/"

    def _find_tokens(self, text: str) -> Iterator[TermHit[T]]:
        """The same hits for a short text by looking word n-grams up in the
        term tables: no regex to build, which is what a query needs."""
        if not hasattr(self, "_max_words"):
            keys = list(self._exact) + list(self._folded)
            self._max_words = max((k.count(" ") + 1 for k in keys), default=1)
            self._cjk_terms = sorted(
                {k for k in keys if k and not is_latin_char(k[0])}, key=len, reverse=True
            )
        toks = []
        for m in self._TOKEN_RE.finditer(text):
            a, b = m.start(), m.end()
            while a < b and text[a] in self._EDGE:
                a += 1
            while b > a and text[b - 1] in self._EDGE:
                b -= 1
            if a < b:
                toks.append((a, b))
        hits: list[TermHit[T]] = []
        i = 0
        while i < len(toks):
            found = None
            if is_latin_char(text[toks[i][0]]):
                for n in range(min(self._max_words, len(toks) - i), 0, -1):
                    start, end = toks[i][0], toks[i + n - 1][1]
                    terms = self._lookup(text[start:end])
                    if terms:
                        found = (n, TermHit(start, end, text[start:end], terms))
                        break
            if found:
                hits.append(found[1])
                i += found[0]
            else:
                i += 1
        # Unspaced scripts match anywhere, longest first, outside Latin hits.
        taken = [(h.start, h.end) for h in hits]
        folded = term_key(text)
        if len(folded) == len(text):
            for key in self._cjk_terms:
                pos = folded.find(key)
                while pos >= 0:
                    end = pos + len(key)
                    if not any(a < end and pos < b for a, b in taken):
                        terms = self._lookup(text[pos:end])
                        if terms:
                            hits.append(TermHit(pos, end, text[pos:end], terms))
                            taken.append((pos, end))
                    pos = folded.find(key, end)
        hits.sort(key=lambda h: h.start)
        return iter(hits)

    def finditer(self, text: str) -> Iterator[TermHit[T]]:
        """Non-overlapping hits, left to right, longest first at each position."""
        if len(text) <= 500 and not self._prefixes:
            yield from self._find_tokens(text)
            return
        if self._regex is None:
            return
        for m in self._regex.finditer(text):
            surface = m.group()
            terms = self._lookup(surface)
            if terms:
                yield TermHit(m.start(), m.end(), surface, terms)

    def _lookup(self, surface: str) -> tuple[Term[T], ...]:
        found = self._looked_up.get(surface)
        if found is None:
            if len(self._looked_up) >= 100_000:
                self._looked_up.clear()
            found = self._looked_up[surface] = self._lookup_uncached(surface)
        return found

    def _lookup_uncached(self, surface: str) -> tuple[Term[T], ...]:
        exact = term_key(surface, keep_case=True)
        folded = exact.casefold()
        candidates = [(exact, folded)]
        if self._plural and folded.endswith("s"):
            candidates.append((exact[:-1], folded[:-1]))
            if folded.endswith("es"):
                candidates.append((exact[:-2], folded[:-2]))
        for e, f in candidates:
            hit = self._exact.get(e) or self._folded.get(f)
            if hit:
                return tuple(hit)
        best: tuple[int, Term[T]] | None = None
        for prefix, cs, term in self._prefixes:
            if (exact if cs else folded).startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), term)
        return (best[1],) if best else ()


