"""The ETS glossary: equivalent terms across acronyms and languages.

``Glossary.find`` locates glossary terms in a string (a query, typically) and
returns, for each, the entry's other terms so the caller can expand the query.
It is a pure string function: no index involved.

This module also holds what the other hand-edited data files share: the
``TermMatcher`` (many terms, one compiled regex, one pass over the text; word
boundaries for Latin script, none for CJK; case and accent handling), the
``fold`` normaliser and ``DataFileError`` with the YAML loading helpers.
``search.jurisdictions`` and ``search.classify`` import them from here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Generic, Iterable, Iterator, TypeVar

import yaml

from .yamlfiles import load_yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_PATH = DATA_DIR / "glossary.yaml"

T = TypeVar("T")


# ---------------------------------------------------------------- data files


class DataFileError(ValueError):
    """A hand-edited data file is malformed; the message names file and entry."""


def read_yaml(path: Path) -> Any:
    """Parse a YAML data file, turning every failure into a DataFileError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise DataFileError(f"{path}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise DataFileError(f"{path}: not UTF-8 text: {e}") from e
    try:
        return load_yaml(text)
    except yaml.YAMLError as e:
        raise DataFileError(f"{path}: not valid YAML: {e}") from e


def numeric_settings(path: Path, data: dict[str, Any], key: str, defaults: dict[str, float]) -> dict[str, float]:
    """A mapping of named non-negative numbers under ``key``, over ``defaults``."""
    out = dict(defaults)
    given = data.get(key) or {}
    if not isinstance(given, dict):
        raise DataFileError(f"{path}: '{key}' must be a mapping")
    for k, v in given.items():
        if k not in defaults:
            raise DataFileError(f"{path}: {key}: unknown setting {k!r} (known: {', '.join(defaults)})")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise DataFileError(f"{path}: {key}: {k} must be a non-negative number")
        out[k] = float(v)
    return out


def entry_error(path: Path, index: int, entry: Any, problem: str) -> DataFileError:
    """An error naming the file, the entry's position and, if it has one, its id."""
    eid = entry.get("id") if isinstance(entry, dict) else None
    where = f"entry {index + 1}" + (f" (id {eid!r})" if eid is not None else "")
    return DataFileError(f"{path}: {where}: {problem}")


def require_mapping(path: Path, data: Any, key: str) -> list[Any]:
    """The top-level list ``key`` of a data file, or a clear error."""
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise DataFileError(f"{path}: expected a non-empty list under '{key}:'")
    return items


# ---------------------------------------------------------------- normalising

# Letters, digits and marks of the scripts that separate words with spaces.
# A Latin-script term must not touch one of these on either side, so "EU"
# does not match inside "EUR" or "neutral", while CJK terms need no boundary.
_WORD = (
    "0-9A-Za-z\u00aa\u00b2\u00b3\u00b5\u00b9\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
    "\u0300-\u036f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff\u2070-\u209f"
)
_WORD_RE = re.compile(f"[{_WORD}]")
_AFTER = f"(?![{_WORD}])"
_SEP_CHARS = " \t\n\r\f\v-\u2010\u2011\u2013\u00ad"
_SEP = r"[\s\-\u2010\u2011\u2013\u00ad]+"  # a space or hyphen in a term: any run of these
_APOS = "'\u2019\u02bc"
_SEP_RE = re.compile(_SEP)
_APOS_RE = re.compile(f"[{_APOS}]")


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


def _strip_marks(s: str) -> str:
    """Remove accents from Latin, Greek and Cyrillic letters only.

    Kana voicing marks and Hangul must survive, so marks are dropped only
    after a base character below U+0530.
    """
    out: list[str] = []
    prev = ""
    for ch in unicodedata.normalize("NFKD", s):
        if unicodedata.combining(ch) and prev and ord(prev) < 0x530:
            continue
        out.append(ch)
        prev = ch
    return unicodedata.normalize("NFC", "".join(out))


def fold(s: str, *, keep_case: bool = False) -> str:
    """Normalise for lookups: no accents, one space for any space/hyphen run,
    one apostrophe, and (unless ``keep_case``) case-folded."""
    s = _strip_marks(s.strip())
    s = _SEP_RE.sub(" ", s)
    s = _APOS_RE.sub("'", s)
    return s if keep_case else s.casefold()


def is_latin_char(ch: str) -> bool:
    """True for characters of the space-separated scripts (see ``_WORD``)."""
    return bool(_WORD_RE.match(ch))


def default_case_sensitive(term: str) -> bool:
    """Terms written all in capitals ("EU", "TIER", "NZ ETS") match exactly;
    everything else ignores case."""
    return any(c.isupper() for c in term) and not any(c.islower() for c in term)


# ---------------------------------------------------------------- matcher


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
    base = _strip_marks(ch)
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
            self._prefixes.append((fold(text, keep_case=cs), cs, term))
        else:
            table = self._exact if cs else self._folded
            table.setdefault(fold(text, keep_case=cs), []).append(term)
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
        folded = fold(text)
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
        exact = fold(surface, keep_case=True)
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


# ---------------------------------------------------------------- glossary


@dataclass(frozen=True)
class GlossaryTerm:
    text: str
    lang: str  # ISO 639-1 code; "en" for the entry's `terms` list
    case_sensitive: bool


@dataclass(frozen=True)
class GlossaryEntry:
    id: str
    label: str  # English
    terms: tuple[GlossaryTerm, ...]  # preferred first: English `terms`, then the other languages
    note: str | None = None


@dataclass(frozen=True)
class GlossaryMatch:
    start: int
    end: int  # character span in the input text
    surface: str  # the text as written
    entry_id: str
    label: str
    alternatives: list[str]  # the entry's other terms, preferred first


_LANG_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_ENTRY_KEYS = ("id", "label", "terms", "note")  # "id" is not Indonesian here
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class Glossary:
    """The loaded glossary; ``find`` locates its terms in a string."""

    def __init__(self, entries: list[GlossaryEntry]):
        self._entries = entries
        terms = [Term(t.text, (e, t), t.case_sensitive) for e in entries for t in e.terms]
        self._matcher: TermMatcher[tuple[GlossaryEntry, GlossaryTerm]] = TermMatcher(terms)

    def entries(self) -> list[GlossaryEntry]:
        """All entries in file order."""
        return list(self._entries)

    def get(self, entry_id: str) -> GlossaryEntry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def find(self, text: str) -> list[GlossaryMatch]:
        """Glossary terms in ``text``: non-overlapping, longest first, left to right."""
        out: list[GlossaryMatch] = []
        for hit in self._matcher.finditer(text):
            entry, _ = hit.terms[0].payload
            matched = {fold(t.payload[1].text) for t in hit.terms}
            alternatives = [t.text for t in entry.terms if fold(t.text) not in matched]
            out.append(GlossaryMatch(hit.start, hit.end, hit.surface, entry.id, entry.label, alternatives))
        return out


def _parse_term(path: Path, i: int, raw: dict[str, Any], item: Any, lang: str) -> GlossaryTerm:
    if isinstance(item, str):
        text, case = item, None
    elif isinstance(item, dict) and isinstance(item.get("term"), str):
        unknown = set(item) - {"term", "case"}
        if unknown:
            raise entry_error(path, i, raw, f"term {item!r}: unknown key(s) {sorted(unknown)} (allowed: term, case)")
        text, case = item["term"], item.get("case")
        if case not in (None, "exact", "any"):
            raise entry_error(path, i, raw, f"term {text!r}: case must be 'exact' or 'any', not {case!r}")
    else:
        raise entry_error(path, i, raw, f"each term must be a string or {{term: ..., case: ...}}, found {item!r}")
    text = text.strip()
    if not text or text == "*":
        raise entry_error(path, i, raw, "empty term")
    cs = default_case_sensitive(text) if case is None else case == "exact"
    return GlossaryTerm(text, lang, cs)


def _parse_entry(path: Path, i: int, raw: Any) -> GlossaryEntry:
    if not isinstance(raw, dict):
        raise entry_error(path, i, raw, f"expected a mapping with id, label and terms, found {raw!r}")
    for key in ("id", "label"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise entry_error(path, i, raw, f"'{key}' is missing or not a string")
    if not _ID.match(raw["id"]):
        raise entry_error(path, i, raw, "id must be lowercase letters, digits, '-', '_' or '.'")
    if not isinstance(raw.get("terms"), list) or not raw["terms"]:
        raise entry_error(path, i, raw, "'terms' must be a non-empty list")
    lang_keys = [k for k in raw if k not in _ENTRY_KEYS and _LANG_KEY.match(str(k))]
    unknown = [k for k in raw if k not in _ENTRY_KEYS and k not in lang_keys]
    if unknown:
        raise entry_error(path, i, raw, f"unknown key(s) {unknown} (allowed: id, label, terms, note, language codes)")
    terms: list[GlossaryTerm] = []
    for lang_key in ["terms", *lang_keys]:
        items = raw[lang_key]
        if not isinstance(items, list):
            items = [items]
        lang = "en" if lang_key == "terms" else lang_key
        terms += [_parse_term(path, i, raw, item, lang) for item in items]
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        raise entry_error(path, i, raw, "'note' must be a string")
    return GlossaryEntry(raw["id"], raw["label"].strip(), tuple(terms), note)


def _check_duplicates(path: Path, entries: list[GlossaryEntry]) -> None:
    """A term in two entries would make expansion ambiguous: refuse it."""
    seen_ids: set[str] = set()
    owner: dict[tuple[str, bool], str] = {}
    for i, e in enumerate(entries):
        if e.id in seen_ids:
            raise DataFileError(f"{path}: entry {i + 1}: duplicate id {e.id!r}")
        seen_ids.add(e.id)
        for t in e.terms:
            key = (fold(t.text, keep_case=t.case_sensitive), t.case_sensitive)
            if owner.get(key, e.id) != e.id:
                raise DataFileError(
                    f"{path}: entry {i + 1} (id {e.id!r}): term {t.text!r} is already in entry {owner[key]!r}"
                )
            owner[key] = e.id


def parse(path: Path) -> Glossary:
    """Load and validate a glossary file."""
    data = read_yaml(path)
    raw_entries = require_mapping(path, data, "entries")
    entries = [_parse_entry(path, i, raw) for i, raw in enumerate(raw_entries)]
    _check_duplicates(path, entries)
    return Glossary(entries)


@functools.lru_cache(maxsize=None)
def _load_default() -> Glossary:
    return parse(DEFAULT_PATH)


def load(path: str | Path | None = None) -> Glossary:
    """The glossary at ``path``, or the packaged one (cached)."""
    return _load_default() if path is None else parse(Path(path))


__all__ = [
    "DataFileError",
    "Glossary",
    "GlossaryEntry",
    "GlossaryMatch",
    "GlossaryTerm",
    "Term",
    "TermHit",
    "TermMatcher",
    "fold",
    "load",
]
