"""ETS jurisdictions: the registry loaded from ``data/jurisdictions.yaml``.

The data file holds the facts (names in many languages, aliases, regions,
hierarchy, knowledge-panel facts); this module only loads, validates and
applies them:

* ``Registry.resolve`` maps a catalog value or query filter ("EU ETS", "eu",
  "Kalifornien", "US-CA") to a canonical id;
* ``Registry.detect`` finds which jurisdictions a document is about, weighing
  title mentions, mention counts and their spread so that a passing mention
  does not tag a document.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..text.datafile import DATA_DIR, DataFileError, entry_error, numeric_settings, read_yaml, require_mapping
from ..text.fold import term_key as fold
from ..text.matcher import Term, TermMatcher, default_case_sensitive
from ..text.normalize import word_count

DEFAULT_PATH = DATA_DIR / "jurisdictions.yaml"

_ID = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
_LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
_KEYS = {"id", "name", "level", "region", "parent", "members", "icap", "names", "aliases", "facts"}
_FACT_LISTS = ("sectors", "linked")

#: Where the detect() parameters live and what they default to.
DETECT_DEFAULTS = {
    "title_weight": 4.0,
    "min_score": 1.2,
    "min_confidence": 0.25,
    "max_results": 5,
    "strong_score": 4.0,
    "issuer_score": 2.5,
    "heading_score": 2.0,
    "child_min_score": 2.2,
    "act_child_mentions": 5,
}


@dataclass(frozen=True)
class Jurisdiction:
    id: str
    name: str
    region: str
    level: str
    parent: str | None
    names: dict[str, str]
    aliases: tuple[str, ...]
    members: tuple[str, ...]
    facts: dict[str, Any]
    icap: str | None = None

    @property
    def status(self) -> str | None:
        return self.facts.get("status")


@dataclass
class _Evidence:
    title: float = 0.0
    count: float = 0.0
    issuer: bool = False
    heading: bool = False
    segments: set[int] = field(default_factory=set)


class Registry:
    """All jurisdictions, with lookups by id, name or alias, and detection."""

    def __init__(self, items: list[Jurisdiction], terms: list[Term[str | None]], detect: dict[str, float],
                 regions: list[str], source: Path):
        self._items = {j.id: j for j in items}
        self._order = [j.id for j in items]
        self._regions = regions
        self._detect_cfg = detect
        self.source = source
        self._keys = self._resolve_table(items)
        # Weight 0 terms serve resolve() only; ignore-terms carry payload None.
        self._matcher: TermMatcher[str | None] = TermMatcher([t for t in terms if t.weight > 0])

    # ------------------------------------------------------------ lookups

    def get(self, jid: str) -> Jurisdiction | None:
        """The jurisdiction with this exact id, or None."""
        return self._items.get(jid)

    def all(self) -> list[Jurisdiction]:
        """Every jurisdiction in file order."""
        return [self._items[i] for i in self._order]

    def regions(self) -> list[str]:
        """The documented region names, in display order."""
        return list(self._regions)

    def region_of(self, jid: str) -> str:
        """The region of a jurisdiction id (or of anything ``resolve`` accepts);
        "" for an unknown value, so a stray catalog value cannot break a facet."""
        j = self._items.get(jid) or self._items.get(self.resolve(jid) or "")
        return j.region if j else ""

    def children(self, jid: str) -> list[str]:
        """Ids whose parent is ``jid``."""
        return [i for i in self._order if self._items[i].parent == jid]

    def descendants(self, jid: str) -> list[str]:
        """Children, their children, and so on (for a filter that includes sub-systems)."""
        out: list[str] = []
        todo = self.children(jid)
        while todo:
            nxt = todo.pop(0)
            out.append(nxt)
            todo.extend(self.children(nxt))
        return out

    def resolve(self, text: str) -> str | None:
        """Canonical id for an id, name (any language), alias or ICAP policy name.

        Case, accents, spacing and hyphens do not matter: "eu ets", "EU-ETS",
        "Kalifornien", "quebec" and "us-ca" all resolve.
        """
        if not text or not text.strip():
            return None
        key = fold(text.strip().strip("\"'“”‘’"))
        return self._keys.get(key)

    @staticmethod
    def _resolve_table(items: list[Jurisdiction]) -> dict[str, str]:
        table: dict[str, str] = {}
        for j in items:  # ids first: "CA" is Canada even if some alias were "ca"
            table[fold(j.id)] = j.id
        for j in items:
            for s in (j.name, *j.names.values(), *j.aliases, j.icap or ""):
                if s:
                    table.setdefault(fold(s.rstrip("*")), j.id)
        return table

    # ------------------------------------------------------------ detection

    def detect(self, title: str, pages: list[str], *, issuer: str | list[str] | None = None,
               legislation: bool = False) -> list[tuple[str, float]]:
        """Jurisdictions a document is about, as (id, confidence), best first.

        A title mention is strong evidence, and so is the jurisdiction of
        the document's issuer (a German federal law is German law, a
        decree of the State Council Chinese). Body mentions count by number
        (logarithmically, weighted by alias), by how widely they spread over
        the pages (or eighths of an unpaged text) and by density per 1,000
        words. Jurisdictions far behind the strongest one, or with too
        little evidence overall, are dropped; at most ``max_results`` return.
        A sub-system (EU ETS 2 under the EU) is judged on its own evidence,
        and an act (``legislation``) that names one again and again
        regulates it.
        """
        cfg = self._detect_cfg
        ev: dict[str, _Evidence] = defaultdict(_Evidence)
        issuers = [issuer] if isinstance(issuer, str) else list(issuer or [])
        for jid in issuers:
            if jid in self._items:
                ev[jid].issuer = True
        text = "\n".join(pages)
        redefined = self._redefined_acronyms(text)
        for hit in self._matcher.finditer(title or ""):
            if hit.surface in redefined:
                continue
            for jid, w in self._payloads(hit.terms):
                ev[jid].title = max(ev[jid].title, w)

        bounds = self._segment_bounds(pages, len(text))
        headings: dict[int, bool] = {}
        for hit in self._matcher.finditer(text):
            if hit.surface in redefined:
                continue
            seg = _segment(bounds, hit.start)
            line_start = text.rfind("\n", 0, hit.start) + 1
            in_heading = headings.get(line_start)
            if in_heading is None:
                in_heading = headings[line_start] = _in_heading(text, line_start)
            for jid, w in self._payloads(hit.terms):
                e = ev[jid]
                e.count += w
                e.segments.add(seg)
                e.heading = e.heading or (in_heading and w >= 1)
        if not ev:
            return []

        words = word_count(text)
        nseg = len(bounds)
        scores: dict[str, float] = {}
        for jid, e in ev.items():
            spread = len(e.segments) / nseg if nseg else 0.0
            density = 1000.0 * e.count / words if words else 0.0
            body = math.log1p(e.count) * (0.5 + 0.5 * spread) * (1.0 + min(density, 10.0) / 10.0)
            scores[jid] = (
                cfg["title_weight"] * e.title
                + body
                + (cfg["issuer_score"] if e.issuer else 0.0)
                + (cfg["heading_score"] if e.heading else 0.0)
            )
        best = max(scores.values())
        # Confidence is relative to the strongest jurisdiction, and damped
        # when even that one has little evidence (see below).
        damp = min(1.0, best / cfg["strong_score"])
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], self._order.index(kv[0])))
        # The issuer's jurisdiction and one the title names stay however much
        # the text says about others: a German law implementing an EU
        # directive is German law.
        kept = [
            jid
            for jid, s in ranked
            if s >= cfg["min_score"] and (s / best >= cfg["min_confidence"] or ev[jid].issuer or ev[jid].title >= 1)
        ]
        # A sub-system (EU ETS 2 under the EU) is measured against what it
        # needs on its own, not against its parent's many mentions.
        kept += [
            jid
            for jid, s in ranked
            if jid not in kept
            and self._items[jid].parent in kept
            and (s >= cfg["child_min_score"] or legislation and ev[jid].count >= cfg["act_child_mentions"])
        ]
        # A parent named only around its child ("Canada" in a paper on
        # Alberta) is not what the document is about.
        kept = [
            jid
            for jid in kept
            if ev[jid].title or ev[jid].issuer
            or not any(self._items[c].parent == jid and scores[c] > scores[jid] for c in kept)
        ]
        # A kept jurisdiction's confidence: its share of the strongest, or
        # its own evidence against strong_score when that says more (a
        # sub-system kept on its own evidence, an issuer's jurisdiction).
        strong = cfg["strong_score"]
        out = [(jid, round(min(1.0, max(scores[jid] / best * damp, scores[jid] / strong)), 4)) for jid in kept]
        return out[: int(cfg["max_results"])]

    def _redefined_acronyms(self, text: str) -> set[str]:
        """Acronyms of a jurisdiction that the document defines as something
        else: "Near Zero (NZ)" makes every "NZ" in it Near Zero's."""
        out: set[str] = set()
        for m in _ACRONYM_RE.finditer(text[:200000]):
            acronym = m.group(1)
            jid = self.resolve(acronym)
            if jid is None or acronym in out:
                continue
            words = text[max(0, m.start() - 120) : m.start()].split()[-len(acronym):]
            long_form = " ".join(w.strip("\"'‘’“”,;:") for w in words)
            initials = "".join(w[:1] for w in long_form.split()).upper()
            if initials == acronym.upper() and self.resolve(long_form) != jid:
                out.add(acronym)
        return out

    @staticmethod
    def _payloads(terms: tuple[Term[str | None], ...]) -> list[tuple[str, float]]:
        best: dict[str, float] = {}
        for t in terms:
            if t.payload is None:  # an ignore-phrase: swallow the hit
                return []
            best[t.payload] = max(best.get(t.payload, 0.0), t.weight)
        return list(best.items())

    @staticmethod
    def _segment_bounds(pages: list[str], total: int) -> list[int]:
        """Start offsets of the segments used to measure spread: the pages,
        or eighths of the text when there are fewer than four pages."""
        if len(pages) >= 4:
            bounds, pos = [], 0
            for p in pages:
                bounds.append(pos)
                pos += len(p) + 1
            return bounds
        return [total * i // 8 for i in range(8)]


# "Long Form (LF)": where an acronym is defined.
_ACRONYM_RE = re.compile(r"\(([A-Z]{2,5})\)")


def _in_heading(text: str, line_start: int) -> bool:
    """A mention on a heading line: a line of at least three words set in
    capitals ("CHAPTER IVa / EMISSIONS TRADING SYSTEM FOR BUILDINGS …")."""
    b = text.find("\n", line_start)
    line = text[line_start : b if b >= 0 else len(text)].strip(" ‘’'\"*#")
    if len(line) > 160 or len(line.split()) < 3:
        return False
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 10 and sum(c.isupper() for c in letters) >= 0.9 * len(letters)


def _segment(bounds: list[int], pos: int) -> int:
    """Index of the segment (sorted start offsets) that contains ``pos``."""
    return max(bisect.bisect_right(bounds, pos) - 1, 0)


# ---------------------------------------------------------------- loading


def _str_list(path: Path, i: int, raw: dict[str, Any], key: str) -> list[str]:
    v = raw.get(key) or []
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        raise entry_error(path, i, raw, f"'{key}' must be a list of non-empty strings")
    return [x.strip() for x in v]


def _parse_alias(path: Path, i: int, raw: dict[str, Any], item: Any, jid: str) -> Term[str | None]:
    if isinstance(item, str):
        text, case, weight = item, None, 1.0
    elif isinstance(item, dict) and isinstance(item.get("term"), str):
        unknown = set(item) - {"term", "case", "weight"}
        if unknown:
            raise entry_error(path, i, raw, f"alias {item!r}: unknown key(s) {sorted(unknown)} (allowed: term, case, weight)")
        text, case, weight = item["term"], item.get("case"), item.get("weight", 1.0)
        if case not in (None, "exact", "any"):
            raise entry_error(path, i, raw, f"alias {text!r}: case must be 'exact' or 'any', not {case!r}")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 <= weight <= 10:
            raise entry_error(path, i, raw, f"alias {text!r}: weight must be a number from 0 to 10")
    else:
        raise entry_error(path, i, raw, f"each alias must be a string or {{term: ..., case: ..., weight: ...}}, found {item!r}")
    text = text.strip()
    if not text.rstrip("*").strip():
        raise entry_error(path, i, raw, "empty alias")
    cs = default_case_sensitive(text) if case is None else case == "exact"
    return Term(text, jid, cs, float(weight))


def _parse_entry(path: Path, i: int, raw: Any, allowed: dict[str, list[str]]) -> tuple[Jurisdiction, list[Term[str | None]]]:
    if not isinstance(raw, dict):
        raise entry_error(path, i, raw, f"expected a mapping with id, name, level, region..., found {raw!r}")
    unknown = set(raw) - _KEYS
    if unknown:
        raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(_KEYS))})")
    for key in ("id", "name", "level", "region"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise entry_error(path, i, raw, f"'{key}' is missing or not a string")
    jid = raw["id"].strip()
    if not _ID.match(jid):
        raise entry_error(path, i, raw, "id must be capital letters and digits in dash-separated parts, like 'US-CA'")
    for key, plural in (("level", "levels"), ("region", "regions")):
        if raw[key] not in allowed[plural]:
            raise entry_error(path, i, raw, f"{key} {raw[key]!r} is not one of {allowed[plural]}")
    parent = raw.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise entry_error(path, i, raw, "'parent' must be an id")
    names = raw.get("names") or {}
    if not isinstance(names, dict) or not all(
        isinstance(k, str) and _LANG.match(k) and isinstance(v, str) and v.strip() for k, v in names.items()
    ):
        raise entry_error(path, i, raw, "'names' must map language codes (en, de, zh...) to names")
    aliases_raw = raw.get("aliases") or []
    if not isinstance(aliases_raw, list):
        raise entry_error(path, i, raw, "'aliases' must be a list")
    alias_terms = [_parse_alias(path, i, raw, a, jid) for a in aliases_raw]
    facts = raw.get("facts") or {}
    if not isinstance(facts, dict):
        raise entry_error(path, i, raw, "'facts' must be a mapping")
    status = facts.get("status")
    if status is not None and status not in allowed["statuses"]:
        raise entry_error(path, i, raw, f"facts.status {status!r} is not one of {allowed['statuses']}")
    for key in _FACT_LISTS:
        if key in facts and not (isinstance(facts[key], list) and all(isinstance(x, str) for x in facts[key])):
            raise entry_error(path, i, raw, f"facts.{key} must be a list of strings")
    if "start" in facts and facts["start"] is not None and not isinstance(facts["start"], int):
        raise entry_error(path, i, raw, "facts.start must be a year")
    icap = raw.get("icap")
    if icap is not None and not isinstance(icap, str):
        raise entry_error(path, i, raw, "'icap' must be a string")

    name = raw["name"].strip()
    # Names in every language are detection terms too; the English display
    # name is matched case-insensitively like any other name.
    name_terms = [Term(s, jid, default_case_sensitive(s)) for s in {name, *names.values()}]
    j = Jurisdiction(
        id=jid,
        name=name,
        region=raw["region"],
        level=raw["level"],
        parent=parent.strip() if parent else None,
        names={k: v.strip() for k, v in names.items()},
        aliases=tuple(t.text for t in alias_terms),
        members=tuple(_str_list(path, i, raw, "members")),
        facts=facts,
        icap=" ".join(icap.split()) if icap else None,
    )
    return j, name_terms + alias_terms


def _check_references(path: Path, items: list[Jurisdiction]) -> None:
    ids = {j.id for j in items}
    for i, j in enumerate(items):
        refs = [("parent", j.parent)] if j.parent else []
        refs += [("members", m) for m in j.members] + [("facts.linked", x) for x in j.facts.get("linked", [])]
        for what, ref in refs:
            if ref not in ids:
                raise DataFileError(f"{path}: entry {i + 1} (id {j.id!r}): {what} {ref!r} is not a known id")
        seen, p = {j.id}, j.parent
        while p:
            if p in seen:
                raise DataFileError(f"{path}: entry {i + 1} (id {j.id!r}): parent chain loops through {p!r}")
            seen.add(p)
            p = next(x for x in items if x.id == p).parent


def _check_conflicts(path: Path, items: list[Jurisdiction], terms: list[Term[str | None]]) -> None:
    """Two jurisdictions sharing an id, a name or an alias cannot be told apart."""
    owner: dict[str, str] = {}
    index = {j.id: n for n, j in enumerate(items)}
    for j in items:
        if fold(j.id) in owner:
            raise DataFileError(f"{path}: entry {index[j.id] + 1} (id {j.id!r}): duplicate id")
        owner[fold(j.id)] = j.id
    for t in terms:
        if t.payload is None:
            continue
        key = fold(t.text.rstrip("*"))
        prev = owner.setdefault(key, t.payload)
        if prev != t.payload:
            raise DataFileError(
                f"{path}: entry {index[t.payload] + 1} (id {t.payload!r}): name or alias {t.text!r} "
                f"already belongs to {prev!r}"
            )


def _detect_config(path: Path, data: dict[str, Any]) -> dict[str, float]:
    return numeric_settings(path, data, "detect", DETECT_DEFAULTS)


def parse(path: Path) -> Registry:
    """Load and validate a jurisdictions file."""
    data = read_yaml(path)
    raw_items = require_mapping(path, data, "jurisdictions")
    allowed: dict[str, list[str]] = {}
    for key in ("regions", "levels", "statuses"):
        v = data.get(key)
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            raise DataFileError(f"{path}: '{key}' must be a non-empty list of strings")
        allowed[key] = v
    items: list[Jurisdiction] = []
    terms: list[Term[str | None]] = []
    for i, raw in enumerate(raw_items):
        j, jterms = _parse_entry(path, i, raw, allowed)
        items.append(j)
        terms += jterms
    _check_references(path, items)
    _check_conflicts(path, items, terms)
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(x, str) and x.strip() for x in ignore):
        raise DataFileError(f"{path}: 'ignore' must be a list of phrases")
    terms += [Term(x.strip(), None, default_case_sensitive(x)) for x in ignore]
    return Registry(items, terms, _detect_config(path, data), allowed["regions"], path)


@functools.lru_cache(maxsize=None)
def _load_default() -> Registry:
    return parse(DEFAULT_PATH)


def load(path: str | Path | None = None) -> Registry:
    """The registry at ``path``, or the packaged one (cached)."""
    return _load_default() if path is None else parse(Path(path))
