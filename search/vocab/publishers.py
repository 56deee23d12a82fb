"""Known publishers and the cues that name a publisher: ``data/publishers.yaml``.

This module loads and checks the file and answers lookups; which cue wins
for a document is decided in :mod:`search.ingest.publishers`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..text.datafile import DATA_DIR, DataFileError, entry_error, read_yaml
from ..text.fold import term_key

DEFAULT_PATH = DATA_DIR / "publishers.yaml"

#: Where a cue looks: the first and last lines, the first lines joined into
#: one string (a letterhead broken over lines), the file path.
WHERE = ("lines", "head", "path")
#: What a cue says: the issuing body of the text, or a name in its masthead.
AS = ("issuer", "masthead")
_ENTRY_KEYS = {"name", "jurisdiction", "aliases", "domains", "cues"}
_CUE_KEYS = {"pattern", "where", "as", "join", "case"}


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern[str]
    where: str  # one of WHERE
    kind: str  # one of AS


@dataclass(frozen=True)
class Publisher:
    name: str
    jurisdiction: str | None
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class PublisherRules:
    publishers: tuple[Publisher, ...]
    bylines: re.Pattern[str]  # "<label>: <org>"; group "org"
    imprints: tuple[re.Pattern[str], ...]  # group "org"
    not_publishers: frozenset[str]  # folded names

    def canonical(self, name: str) -> Publisher | None:
        """The known publisher a printed name (or alias) stands for."""
        return _names(self).get(term_key(name.strip().strip(".,;:")))

    def by_domain(self, host: str) -> Publisher | None:
        """The known publisher whose site ``host`` belongs to."""
        host = host.lower().removeprefix("www.")
        best: tuple[int, Publisher] | None = None
        for p in self.publishers:
            for d in p.domains:
                d = d.lower().split("/")[0]
                if host == d or host.endswith("." + d):
                    if best is None or len(d) > best[0]:
                        best = (len(d), p)
        return best[1] if best else None


@functools.lru_cache(maxsize=8)
def _names(rules: PublisherRules) -> dict[str, Publisher]:
    out: dict[str, Publisher] = {}
    for p in rules.publishers:
        for n in (p.name, *p.aliases):
            out.setdefault(term_key(n), p)
    return out


def _rx(path: Path, where: str, pattern: object, flags: int) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern.strip():
        raise DataFileError(f"{path}: {where}: {pattern!r} must be a regular expression in quotes")
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise DataFileError(f"{path}: {where}: pattern {pattern!r} is not a valid regular expression: {e}") from None


def _str_list(path: Path, i: int, raw: dict, key: str) -> tuple[str, ...]:
    v = raw.get(key) or []
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise entry_error(path, i, raw, f"'{key}' must be a list of non-empty strings")
    return tuple(x.strip() for x in v)


def parse(path: Path) -> PublisherRules:
    """Load and check a publishers file."""
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping with bylines, imprints and publishers, found {type(data).__name__}")
    unknown = set(data) - {"bylines", "imprints", "publishers", "not_publishers"}
    if unknown:
        raise DataFileError(f"{path}: unknown key(s) {sorted(unknown)} (allowed: bylines, imprints, not_publishers, publishers)")
    labels = data.get("bylines") or []
    if not isinstance(labels, list) or not all(isinstance(x, str) and x.strip() for x in labels):
        raise DataFileError(f"{path}: 'bylines' must be a list of labels")
    alternation = "|".join(re.escape(x.strip()).replace(r"\ ", r"[\s-]+") for x in sorted(labels, key=len, reverse=True))
    bylines = re.compile(rf"^(?:{alternation or '(?!)'})\s*:\s*(?P<org>\S.{{1,100}}?)\s*$", re.IGNORECASE)
    imprints = data.get("imprints") or []
    if not isinstance(imprints, list):
        raise DataFileError(f"{path}: 'imprints' must be a list of patterns")
    imprint_rx = []
    for n, p in enumerate(imprints, 1):
        rx = _rx(path, f"imprints: item {n}", p, re.IGNORECASE)
        if "org" not in rx.groupindex:
            raise DataFileError(f"{path}: imprints: item {n}: the pattern needs a group (?P<org>...) for the name")
        imprint_rx.append(rx)
    not_publishers = data.get("not_publishers") or []
    if not isinstance(not_publishers, list) or not all(isinstance(x, str) for x in not_publishers):
        raise DataFileError(f"{path}: 'not_publishers' must be a list of names")
    items = data.get("publishers") or []
    if not isinstance(items, list):
        raise DataFileError(f"{path}: 'publishers' must be a list of entries")
    publishers = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(items):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
            raise entry_error(path, i, raw, f"expected a mapping with at least a name, found {raw!r}")
        unknown = set(raw) - _ENTRY_KEYS
        if unknown:
            raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(_ENTRY_KEYS))})")
        jur = raw.get("jurisdiction")
        if jur is not None and not isinstance(jur, str):
            raise entry_error(path, i, raw, "'jurisdiction' must be a jurisdiction id")
        cues = []
        for n, c in enumerate(raw.get("cues") or [], 1):
            if not isinstance(c, dict) or set(c) - _CUE_KEYS:
                raise entry_error(path, i, raw, f"cue {n} must be a mapping with keys from {sorted(_CUE_KEYS)}")
            where = c.get("where", "head" if c.get("join") else "lines")
            kind = c.get("as", "masthead")
            if where not in WHERE or kind not in AS:
                raise entry_error(path, i, raw, f"cue {n}: where must be one of {list(WHERE)} and as one of {list(AS)}")
            flags = 0 if c.get("case") else re.IGNORECASE
            cues.append(Cue(_rx(path, f"entry {i + 1}: cue {n}", c.get("pattern"), flags | re.MULTILINE), where, kind))
        p = Publisher(raw["name"].strip(), jur, _str_list(path, i, raw, "aliases"), _str_list(path, i, raw, "domains"), tuple(cues))
        for n in (p.name, *p.aliases):
            key = term_key(n)
            if key in seen and seen[key] != p.name:
                raise entry_error(path, i, raw, f"name or alias {n!r} already belongs to {seen[key]!r}")
            seen[key] = p.name
        publishers.append(p)
    return PublisherRules(tuple(publishers), bylines, tuple(imprint_rx), frozenset(term_key(x) for x in not_publishers))


@functools.lru_cache(maxsize=None)
def rules() -> PublisherRules:
    """The packaged rules (cached)."""
    return parse(DEFAULT_PATH)


def check_jurisdictions(rules_: PublisherRules | None = None) -> list[str]:
    """Publisher entries whose jurisdiction is not a known id (for tests)."""
    from .jurisdictions import load

    reg = load()
    return [p.name for p in (rules_ or rules()).publishers if p.jurisdiction and reg.get(p.jurisdiction) is None]
