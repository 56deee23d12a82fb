"""Document type and ETS topics, decided by the rules in ``data/doctypes.yaml``
and ``data/topics.yaml``.

The rules are data that staff edit; this module loads, validates and applies
them. ``doc_type`` scores weighted pattern rules over the title, the first
pages, the file path, the file kind and the page layout. ``topics`` counts
topic keywords per 1,000 words, with title hits counting extra.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..text.datafile import DATA_DIR, DataFileError, entry_error, numeric_settings, read_yaml, require_mapping
from ..text.matcher import Term, TermMatcher, default_case_sensitive
from ..text.normalize import word_count

DOCTYPES_PATH = DATA_DIR / "doctypes.yaml"
TOPICS_PATH = DATA_DIR / "topics.yaml"

_PLACES = ("title", "first_pages", "path", "kind", "layout")
_RULE_KEYS = {"type", "where", "patterns", "regex", "case", "weight", "kinds", "min_pages", "max_words_per_page"}
_TOPIC_KEYS = {"id", "label", "keywords", "min_density"}
_LANG_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_WORD_CHARS = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f"


@dataclass(frozen=True)
class TypeRule:
    type: str
    where: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    weight: float
    kinds: tuple[str, ...] = ()
    min_pages: int = 0
    max_words_per_page: float | None = None
    #: All patterns as one alternation, when they can be joined: one scan of
    #: a place instead of one per pattern (~5x faster on 5,000 characters).
    combined: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    label: str
    min_density: float | None  # None: the file-wide setting


@dataclass(frozen=True)
class Rules:
    """Everything loaded from the two data files."""

    type_labels: dict[str, str]  # in tie-break order
    type_rules: tuple[TypeRule, ...]
    min_score: float
    first_pages_chars: int
    default_type: str
    long_pdf_type: str
    long_pdf_pages: int
    topics: dict[str, Topic]  # in file order
    topic_matcher: TermMatcher[str]
    scoring: dict[str, float]


# ---------------------------------------------------------------- applying


def doc_type(*, title: str, text: str, path: str, kind: str, page_count: int, words_per_page: float,
             rules: Rules | None = None) -> str:
    """The document type id (one of the ``types`` in doctypes.yaml).

    ``text`` may be the whole text; only its start is read. ``path`` is best
    given relative to the library root, since folder names are evidence.
    ``rules`` defaults to the packaged rule files.
    """
    rules = rules or load_rules()
    places = {
        "title": title or "",
        "first_pages": (text or "")[: rules.first_pages_chars],
        "path": (path or "").replace("\\", "/"),
        "kind": (kind or "").lower().lstrip("."),
    }
    scores: dict[str, float] = {}
    for rule in rules.type_rules:
        if _rule_fires(rule, places, kind, page_count, words_per_page):
            scores[rule.type] = scores.get(rule.type, 0.0) + rule.weight
    order = list(rules.type_labels)
    if scores:
        best = max(scores.items(), key=lambda kv: (kv[1], -order.index(kv[0])))
        if best[1] >= rules.min_score:
            return best[0]
    if places["kind"] == "pdf" and page_count >= rules.long_pdf_pages:
        return rules.long_pdf_type
    return rules.default_type


def _rule_fires(rule: TypeRule, places: dict[str, str], kind: str, page_count: int, words_per_page: float) -> bool:
    for where in rule.where:
        if where == "layout":
            if rule.kinds and (kind or "").lower() not in rule.kinds:
                continue
            if page_count < rule.min_pages:
                continue
            if rule.max_words_per_page is not None and words_per_page > rule.max_words_per_page:
                continue
            return True
        text = places[where]
        if rule.combined is not None:
            if rule.combined.search(text):
                return True
        elif any(p.search(text) for p in rule.patterns):
            return True
    return False


def _combine(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One regex matching wherever any of ``patterns`` does, or None when
    they cannot be joined safely (different flags, group references, inline
    global flags)."""
    if len(patterns) < 2 or len({p.flags for p in patterns}) != 1:
        return None
    if any(re.search(r"\\\d|\(\?P=|\(\?[aiLmsux]+\)", p.pattern) for p in patterns):
        return None
    # Plain phrases start with the same word-start check: asked once per
    # position instead of once per phrase (most positions fail it).
    start = f"(?<![{_WORD_CHARS}])"
    led = [p.pattern[len(start):] for p in patterns if p.pattern.startswith(start)]
    rest = [p.pattern for p in patterns if not p.pattern.startswith(start)]
    parts = ([f"{start}(?:{'|'.join(f'(?:{x})' for x in led)})"] if led else []) + [f"(?:{x})" for x in rest]
    try:
        return re.compile("|".join(parts), patterns[0].flags)
    except re.error:
        return None


def topics(*, title: str, text: str, rules: Rules | None = None) -> list[str]:
    """Topic ids for a document, best first."""
    rules = rules or load_rules()
    sc = rules.scoring
    body_hits: dict[str, float] = {}
    specific: set[str] = set()
    for hit in rules.topic_matcher.finditer(text or ""):
        best: dict[str, float] = {}
        for t in hit.terms:
            best[t.payload] = max(best.get(t.payload, 0.0), t.weight)
        for tid, w in best.items():
            body_hits[tid] = body_hits.get(tid, 0.0) + w
            if w >= 1.0:
                specific.add(tid)
    title_hits = {t.payload for hit in rules.topic_matcher.finditer(title or "") for t in hit.terms if t.weight >= 1.0}
    words = max(word_count(text or ""), 1)
    scored: list[tuple[float, int, str]] = []
    for n, (tid, topic) in enumerate(rules.topics.items()):
        hits = body_hits.get(tid, 0.0)
        density = 1000.0 * hits / words
        threshold = topic.min_density if topic.min_density is not None else sc["min_density"]
        in_title = tid in title_hits
        # Everyday words ("compliance", "industrial", "households") weigh
        # less, and alone never make a topic: one specific keyword must occur.
        if in_title or (tid in specific and hits >= sc["min_hits"] and density >= threshold):
            scored.append((density + (sc["title_bonus"] if in_title else 0.0), -n, tid))
    scored.sort(reverse=True)
    return [tid for _, _, tid in scored[: int(sc["max_topics"])]]


def topic_label(tid: str) -> str:
    """Display label of a topic id (the id itself if unknown)."""
    topic = load_rules().topics.get(tid)
    return topic.label if topic else tid


def type_label(tid: str) -> str:
    """Display label of a document type id (the id itself if unknown)."""
    return load_rules().type_labels.get(tid, tid)


# ---------------------------------------------------------------- loading


def _compile_pattern(path: Path, i: int, raw: dict[str, Any], pattern: Any, regex: bool, exact: bool) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern.strip():
        raise entry_error(path, i, raw, f"pattern {pattern!r} must be a non-empty string")
    flags = re.MULTILINE | (0 if exact else re.IGNORECASE)
    if regex:
        source = pattern
    else:
        # A plain phrase: literal text, any whitespace between words, and a
        # word boundary wherever the phrase starts or ends with a letter.
        words = [re.escape(w) for w in pattern.split()]
        source = r"[\s\-]+".join(words)
        if re.match(f"[{_WORD_CHARS}]", pattern.strip()[0]):
            source = f"(?<![{_WORD_CHARS}])" + source
        if re.match(f"[{_WORD_CHARS}]", pattern.strip()[-1]):
            source += f"(?![{_WORD_CHARS}])"
    try:
        return re.compile(source, flags)
    except re.error as e:
        raise entry_error(path, i, raw, f"pattern {pattern!r} is not a valid regular expression: {e}") from e


def _parse_type_rule(path: Path, i: int, raw: Any, types: dict[str, str]) -> TypeRule:
    if not isinstance(raw, dict):
        raise entry_error(path, i, raw, f"expected a mapping with type, where, patterns, weight; found {raw!r}")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(_RULE_KEYS))})")
    if raw.get("type") not in types:
        raise entry_error(path, i, raw, f"type {raw.get('type')!r} is not one of {list(types)}")
    where = raw.get("where")
    if isinstance(where, str):
        where = [where]
    if not isinstance(where, list) or not where or any(w not in _PLACES for w in where):
        raise entry_error(path, i, raw, f"'where' must list places from {list(_PLACES)}")
    weight = raw.get("weight", 1)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool):
        raise entry_error(path, i, raw, "'weight' must be a number")
    case = raw.get("case", "any")
    if case not in ("any", "exact"):
        raise entry_error(path, i, raw, f"case must be 'any' or 'exact', not {case!r}")
    patterns_raw = raw.get("patterns") or []
    if not isinstance(patterns_raw, list):
        raise entry_error(path, i, raw, "'patterns' must be a list")
    if set(where) - {"layout"} and not patterns_raw:
        raise entry_error(path, i, raw, "'patterns' must not be empty unless the rule only looks at the layout")
    regex = raw.get("regex", False)
    if not isinstance(regex, bool):
        raise entry_error(path, i, raw, "'regex' must be true or false")
    patterns = tuple(_compile_pattern(path, i, raw, p, regex, case == "exact") for p in patterns_raw)
    kinds = raw.get("kinds") or []
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        raise entry_error(path, i, raw, "'kinds' must be a list of file kinds")
    min_pages = raw.get("min_pages", 0)
    mwp = raw.get("max_words_per_page")
    if not isinstance(min_pages, int) or (mwp is not None and not isinstance(mwp, (int, float))):
        raise entry_error(path, i, raw, "'min_pages' must be an integer and 'max_words_per_page' a number")
    return TypeRule(raw["type"], tuple(where), patterns, float(weight), tuple(k.lower() for k in kinds), min_pages,
                    None if mwp is None else float(mwp), _combine(patterns))


def _load_doctypes(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    types_raw = require_mapping(path, data, "types")
    types: dict[str, str] = {}
    for i, t in enumerate(types_raw):
        if not (isinstance(t, dict) and isinstance(t.get("id"), str) and isinstance(t.get("label"), str)):
            raise DataFileError(f"{path}: types: item {i + 1} must be {{id: ..., label: ...}}, found {t!r}")
        types[t["id"]] = t["label"]
    rules = tuple(_parse_type_rule(path, i, r, types) for i, r in enumerate(require_mapping(path, data, "rules")))
    default = data.get("default", "other")
    long_pdf = data.get("long_pdf") or {"type": default, "min_pages": 10**9}
    if default not in types or not isinstance(long_pdf, dict) or long_pdf.get("type") not in types:
        raise DataFileError(f"{path}: 'default' and 'long_pdf.type' must be among the types {list(types)}")
    min_score = data.get("min_score", 1)
    chars = data.get("first_pages_chars", 5000)
    if not isinstance(min_score, (int, float)) or not isinstance(chars, int) or not isinstance(long_pdf.get("min_pages", 0), int):
        raise DataFileError(f"{path}: min_score must be a number, first_pages_chars and long_pdf.min_pages integers")
    return dict(type_labels=types, type_rules=rules, min_score=float(min_score), first_pages_chars=chars,
                default_type=default, long_pdf_type=long_pdf["type"], long_pdf_pages=long_pdf.get("min_pages", 0))


def _parse_topic(path: Path, i: int, raw: Any) -> tuple[Topic, list[Term[str]]]:
    if not isinstance(raw, dict):
        raise entry_error(path, i, raw, f"expected a mapping with id, label, keywords; found {raw!r}")
    lang_keys = [k for k in raw if k not in _TOPIC_KEYS and _LANG_KEY.match(str(k))]
    unknown = set(raw) - _TOPIC_KEYS - set(lang_keys)
    if unknown:
        raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)} (allowed: id, label, keywords, min_density, language codes)")
    for key in ("id", "label"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise entry_error(path, i, raw, f"'{key}' is missing or not a string")
    if not isinstance(raw.get("keywords"), list) or not raw["keywords"]:
        raise entry_error(path, i, raw, "'keywords' must be a non-empty list")
    min_density = raw.get("min_density")
    if min_density is not None and not isinstance(min_density, (int, float)):
        raise entry_error(path, i, raw, "'min_density' must be a number")
    terms: list[Term[str]] = []
    for key in ["keywords", *lang_keys]:
        items = raw[key] if isinstance(raw[key], list) else [raw[key]]
        for kw in items:
            terms.append(_keyword(path, i, raw, key, kw))
    topic = Topic(raw["id"], raw["label"].strip(), None if min_density is None else float(min_density))
    return topic, terms


def _keyword(path: Path, i: int, raw: dict[str, Any], key: str, kw: Any) -> Term[str]:
    """A topic keyword: a string, or {term, case, weight}. German keywords
    also match as the head of a compound ("Versteigerung" in
    "Versteigerungstermin"), as German builds its words."""
    if isinstance(kw, dict):
        unknown = set(kw) - {"term", "case", "weight"}
        if unknown or not isinstance(kw.get("term"), str):
            raise entry_error(path, i, raw, f"{key}: keyword {kw!r} must be a string or {{term, case, weight}}")
        text, case, weight = kw["term"].strip(), kw.get("case"), kw.get("weight", 1.0)
        if case not in (None, "exact", "any"):
            raise entry_error(path, i, raw, f"{key}: keyword {text!r}: case must be 'exact' or 'any'")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 1:
            raise entry_error(path, i, raw, f"{key}: keyword {text!r}: weight must be a number above 0 and at most 1")
    elif isinstance(kw, str):
        text, case, weight = kw.strip(), None, 1.0
    else:
        text = ""
    if not text:
        raise entry_error(path, i, raw, f"{key}: keyword {kw!r} must be a non-empty string")
    if key == "de" and not text.endswith("*") and " " not in text and text[-1:].isalpha():
        text += "*"
    cs = default_case_sensitive(text.rstrip("*")) if case is None else case == "exact"
    return Term(text, raw["id"], cs, float(weight))


def _load_topics(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    items = require_mapping(path, data, "topics")
    scoring = numeric_settings(
        path, data, "scoring", {"min_hits": 3.0, "min_density": 0.5, "title_bonus": 3.0, "max_topics": 8.0}
    )
    topics_: dict[str, Topic] = {}
    terms: list[Term[str]] = []
    for i, raw in enumerate(items):
        topic, tterms = _parse_topic(path, i, raw)
        if topic.id in topics_:
            raise entry_error(path, i, raw, "duplicate id")
        topics_[topic.id] = topic
        terms += tterms
    return dict(topics=topics_, topic_matcher=TermMatcher(terms), scoring=scoring)


def _parse(doctypes: Path, topics_path: Path) -> Rules:
    return Rules(**_load_doctypes(doctypes), **_load_topics(topics_path))


@functools.lru_cache(maxsize=None)
def _load_default() -> Rules:
    return _parse(DOCTYPES_PATH, TOPICS_PATH)


def load_rules(doctypes: Path | None = None, topics: Path | None = None) -> Rules:
    """Load both rule files; the packaged pair (the default) is cached."""
    if doctypes is None and topics is None:
        return _load_default()
    return _parse(Path(doctypes or DOCTYPES_PATH), Path(topics or TOPICS_PATH))
