"""The ETS glossary: equivalent terms across acronyms and languages.

``Glossary.find`` locates glossary terms in a string (a query, typically) and
returns, for each, the entry's other terms so the caller can expand the query.
It is a pure string function: no index involved.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..text.analysis import CJK_RE
from ..text.datafile import DATA_DIR, DataFileError, entry_error, read_yaml, require_mapping
from ..text.fold import term_key
from ..text.matcher import Term, TermMatcher, default_case_sensitive
from ..text.phrases import PhraseSet

DEFAULT_PATH = DATA_DIR / "glossary.yaml"



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
    # An ambiguous acronym expands only when the query has one of these
    # words (any form) ...
    context: tuple[str, ...] = ()
    # ... or else only in documents with one of these topics.
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlossaryMatch:
    start: int
    end: int  # character span in the input text
    surface: str  # the text as written
    entry_id: str
    label: str
    alternatives: list[str]  # the entry's other terms, preferred first
    alternative_langs: list[str] = field(default_factory=list)  # each alternative's language
    lang: str = "en"  # the language of the term matched
    acronym: bool = False  # the term matched is an acronym (written in capitals)
    context: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()


_LANG_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_ENTRY_KEYS = ("id", "label", "terms", "note", "context", "topics")  # "id" is not Indonesian here
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

    def cjk_terms(self) -> tuple[str, ...]:
        """The Chinese/Japanese/Korean terms: words a segmenter keeps whole."""
        found = getattr(self, "_cjk", None)
        if found is None:
            found = self._cjk = tuple(t.text for e in self._entries for t in e.terms if CJK_RE.search(t.text))
        return found

    def phrases(self) -> PhraseSet:
        """Its terms of two or more words, which a new index counts whole
        (see :mod:`search.text.phrases`)."""
        found = getattr(self, "_phrases", None)
        if found is None:
            found = self._phrases = PhraseSet.of_texts(t.text for e in self._entries for t in e.terms)
        return found

    def get(self, entry_id: str) -> GlossaryEntry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def find(self, text: str) -> list[GlossaryMatch]:
        """Glossary terms in ``text``: non-overlapping, longest first, left to right."""
        out: list[GlossaryMatch] = []
        for hit in self._matcher.finditer(text):
            entry, term = hit.terms[0].payload
            matched = {term_key(t.payload[1].text) for t in hit.terms}
            alts = [t for t in entry.terms if term_key(t.text) not in matched]
            out.append(GlossaryMatch(hit.start, hit.end, hit.surface, entry.id, entry.label, [t.text for t in alts],
                                     [t.lang for t in alts], term.lang, _is_acronym(term.text), entry.context, entry.topics))
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
    lists = {}
    for key in ("context", "topics"):
        v = raw.get(key) or []
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise entry_error(path, i, raw, f"'{key}' must be a list of words")
        lists[key] = tuple(x.strip() for x in v)
    return GlossaryEntry(raw["id"], raw["label"].strip(), tuple(terms), note, lists["context"], lists["topics"])


def _is_acronym(text: str) -> bool:
    """An acronym: one word of capitals and digits (NAP, ETS2, CO2)."""
    return bool(re.fullmatch(r"[A-Z][A-Z0-9]{1,7}", text.replace("-", "")))


def _check_duplicates(path: Path, entries: list[GlossaryEntry]) -> None:
    """A term in two entries would make expansion ambiguous: refuse it."""
    seen_ids: set[str] = set()
    owner: dict[tuple[str, bool], str] = {}
    for i, e in enumerate(entries):
        if e.id in seen_ids:
            raise DataFileError(f"{path}: entry {i + 1}: duplicate id {e.id!r}")
        seen_ids.add(e.id)
        for t in e.terms:
            key = (term_key(t.text, keep_case=t.case_sensitive), t.case_sensitive)
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
