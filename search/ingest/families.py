"""Document families: one work, its versions grouped.

A family holds the same text in another format (an act as PDF and as
text), the consolidated versions of an act, the revisions of a paper or
report, and translations where an identifier shows them. An amending act
is its own work, not the act it amends, and a press release about an act
is not the act.

:func:`assign` decides over every document of an index at once (ingest
runs it after each batch of changes, see :mod:`.run`), from the metadata
stored in the documents' headers:

1. **Identifiers** (:func:`work_keys`). A legal act is keyed by its base
   act's CELEX number: a consolidated ``02003L0087-20230605`` is the act
   ``32003L0087``; an act number in an act's heading ("Regulation (EU)
   2021/1119") or an ELI gives the same key. Commission documents are keyed
   by their COM/SWD number (a sector-5 CELEX gives it too), German federal
   law by its juris number. Two documents with the same key are one work
   (the key of a legal act counts for legislation only: a guide citing an
   act in its title is not the act); documents with *different* keys are
   never one work, however alike their texts (an amending act repeats much
   of what it amends; a proposal much of the adopted act). A COM number
   may be one a report cites on its first pages, so it joins only with a
   like title or text, or across languages the same day (a translation),
   and the same type of document; DOIs, ISBNs
   and report numbers are printed by documents that cite them too, so
   they join only with a like text.
2. **Text**: documents whose word shingles mostly agree
   (:mod:`search.text.minhash`; similarity at least :data:`SAME_TEXT`) are
   the same text, whatever their titles; revisions share a like title with
   the same numbers (a title's year or issue number tells editions of a
   series apart) and at least :data:`REVISION` of their text, or the very
   same title and :data:`SAME_TITLE`.
3. **Kinds of document**: news (press releases, factsheets) and
   presentations are derivatives of the works they present, so they join
   only their own kind; the text rules also want the same document type.

Staff decide where the rules cannot (catalog fields, see
:mod:`.catalog`): ``family`` names a family (documents with the same name
are one family; a name that is a document's id means that document's
family), ``version_of`` makes a document a version of another, and
``not_same_as`` keeps documents apart. Staff links come first and the
rules never undo them; ``not_same_as`` wins over everything.

Each family's id is its staff name, else the id of its first indexed
member (a document alone is its own family), and its newest member (latest
date; at the same date a PDF before HTML before text, the typeset original
being what one cites) is the one exports give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from ..text import minhash
from ..text.fold import fold

#: Estimated text similarity (Jaccard of 5-word shingles) above which two
#: documents are the same text in whatever format. Copies measured
#: 0.90–0.99 (PDF against text, an OJ text against EUR-Lex's page) and
#: different works at most 0.37 (two consolidations of one act), 0.34 (an
#: act against the act it amends) and 0.12 otherwise.
SAME_TEXT = 0.8
#: Revisions: this much text in common and titles alike (:data:`TITLE_ALIKE`).
REVISION = 0.5
#: The same title (normalised, at least :data:`TITLE_WORDS` words) and this
#: much text in common: a heavily revised edition.
SAME_TITLE = 0.3
#: Title words (normalised) in common, as a share of the longer title's words.
TITLE_ALIKE = 0.6
TITLE_WORDS = 4
#: Weak identifiers (DOI, ISBN, report number) join with this much text in
#: common; a shared COM number with this much, a like title or another language.
WEAK_ID_TEXT = 0.3

#: Document types that present other works and join only their own kind.
DERIVATIVE_TYPES = ("news", "presentation")
#: At the same date the typeset original comes first.
KIND_ORDER = {"pdf": 0, "html": 1, "text": 2}

_CELEX_RE = re.compile(r"^([0-9CE])((?:19|20)\d{2})([A-Z]{1,2})(\d{4,})(\(\d+\))?(?:-(\d{8}))?$")
_COM_RE = re.compile(r"^(COM|SWD|SEC|JOIN)\((\d{4})\) (\d+)$")
_SECTOR5 = {"PC": "COM", "DC": "COM", "SC": "SWD", "JC": "JOIN"}
_ELI_RE = re.compile(r"/eli/(dir|reg|dec)(?:_impl|_del)?/((?:19|20)\d{2})/(\d+)(?:/|$)")
_ELI_KIND = {"dir": "L", "reg": "R", "dec": "D"}
_ACT_KIND_RE = re.compile(r"\b(directive|regulation|decision)\b", re.I)
_ACT_KIND = {"directive": "L", "regulation": "R", "decision": "D"}
_TITLE_NOISE = re.compile(
    r"\(text with eea relevance\)|\btext with eea relevance\b|\bconsolidated (?:text|version)\b|"
    r"\b(?:draft|revised|revision|updated?|final|version|v\s?\d+(?:\.\d+)*)\b"
)
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Member:
    """What the rules read of one document (from its stored metadata)."""

    row: int
    id: str
    dn: int
    type: str
    kind: str
    language: str
    title_words: frozenset[str]
    title_key: str  # the normalised title, words joined
    keys: tuple[str, ...]  # work keys from identifiers (see work_keys)
    weak: tuple[str, ...]  # weak identifiers: doi, isbn, report
    signature: np.ndarray | None
    date_key: int
    day: str | None = None  # the date, when it names the day
    label: str | None = None  # staff family name
    version_of: str | None = None
    not_same_as: tuple[str, ...] = ()

    @property
    def type_class(self) -> str:
        return self.type if self.type in DERIVATIVE_TYPES else "work"


@dataclass
class Assignment:
    """A document's family as stored in its header."""

    family: str
    newest: str  # the id of the family's newest member
    size: int
    by: str  # why its members are one family ("" alone)


@dataclass
class Result:
    families: dict[str, Assignment]  # by document id
    notes: list[str] = field(default_factory=list)  # staff overrides that could not apply


# -- what the rules read ---------------------------------------------------------


def work_keys(identifiers: dict[str, Any], *, title: str = "", doc_type: str = "") -> tuple[str, ...]:
    """The keys naming the work a document is, from its identifiers: at
    most one legal-act key (``celex:32003L0087``, legislation only) or else
    a Commission document key (``com:COM(2020) 563``), and a juris number."""
    ids = {k: str(v) for k, v in (identifiers or {}).items() if v}
    legislation = doc_type == "legislation"
    act = com = None
    m = _CELEX_RE.match(ids.get("celex", "").strip().upper())
    if m:
        sector, year, kind, number = m.group(1), m.group(2), m.group(3), m.group(4)
        if sector in "03" and legislation:
            act = f"celex:3{year}{kind}{number}{m.group(5) or ''}"
        elif sector == "5" and kind in _SECTOR5:
            com = f"com:{_SECTOR5[kind]}({year}) {int(number)}"
        elif sector not in "035":
            act = f"celex:{m.group(0)}"
    if act is None and legislation:
        act = _act_key(ids.get("act", ""), title) or _eli_key(ids.get("eli", ""))
    if com is None and act is None:
        c = _COM_RE.match(ids.get("com", "").strip())
        if c:
            com = f"com:{c.group(1)}({c.group(2)}) {int(c.group(3))}"
    keys = [k for k in (act or com,) if k]
    if ids.get("juris"):
        keys.append(f"juris:{ids['juris'].strip().upper()}")
    return tuple(keys)


def _act_key(act: str, title: str) -> str | None:
    """An act number as its CELEX key: "(EU) 2021/1119" in a Regulation's
    heading is ``celex:32021R1119``; other numbering schemes (a State
    Council decree) key as themselves."""
    act = re.sub(r"\s+", " ", act).strip()
    if not act:
        return None
    kind = _ACT_KIND_RE.search(title or "")
    letter = _ACT_KIND[kind.group(1).lower()] if kind else None
    m = re.fullmatch(r"\((?:EU|EC|EEC|EU, Euratom)\) No (\d{1,4})/((?:19|20)\d{2})", act)
    if m:
        number, year = m.group(1), m.group(2)
    else:
        m = re.fullmatch(r"(?:\((?:EU|EC|EEC|EU, Euratom)\) )?((?:19|20)\d{2})/(\d{1,5})(?:/(?:EU|EC|EEC|CFSP))?", act)
        if not m:
            return f"act:{act}" if not re.search(r"\d+/\d+", act) else None
        year, number = m.group(1), m.group(2)
    return f"celex:3{year}{letter}{int(number):04d}" if letter else None


def _eli_key(eli: str) -> str | None:
    m = _ELI_RE.search(eli or "")
    if not m:
        return None
    return f"celex:3{m.group(2)}{_ELI_KIND[m.group(1)]}{int(m.group(3)):04d}"


def weak_keys(identifiers: dict[str, Any]) -> tuple[str, ...]:
    """DOI, ISBN and report numbers: the work's own, or ones it cites."""
    out = []
    ids = identifiers or {}
    if ids.get("doi"):
        out.append("doi:" + str(ids["doi"]).strip().lower())
    if ids.get("isbn"):
        digits = re.sub(r"[^0-9Xx]", "", str(ids["isbn"])).upper()
        if len(digits) in (10, 13):
            out.append("isbn:" + digits)
    if ids.get("report"):
        out.append("report:" + re.sub(r"\s+", " ", str(ids["report"])).strip().upper())
    return tuple(out)


def title_words(title: str) -> list[str]:
    """A title's words with version markers and the OJ's "(Text with EEA
    relevance)" left out: two revisions of a paper have the same words."""
    t = _TITLE_NOISE.sub(" ", fold(title or ""))
    return _WORD.findall(t)


def date_key(info: dict[str, Any]) -> int:
    """yyyymmdd as an int (0 when unknown); a bare year counts as 1 January."""
    digits = "".join(ch for ch in str(info.get("date") or "") if ch.isdigit())
    if len(digits) >= 4:
        return int((digits + "0101")[:8])
    y = info.get("year")
    return int(f"{int(y)}0101") if y else 0


def member_of(row: int, info: dict[str, Any]) -> Member:
    sources = info.get("sources") or {}
    words = title_words(info.get("title") or "")
    return Member(
        row=row,
        id=info["id"],
        dn=int(info.get("dn", row)),
        type=str(info.get("type") or "other"),
        kind=str(info.get("kind") or ""),
        language=str(info.get("language") or "und"),
        title_words=frozenset(words),
        title_key=" ".join(words),
        keys=work_keys(info.get("identifiers") or {}, title=info.get("title") or "", doc_type=str(info.get("type") or "")),
        weak=weak_keys(info.get("identifiers") or {}),
        signature=minhash.decode(info.get("minhash") or ""),
        date_key=date_key(info),
        day=str(info["date"])[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", str(info.get("date") or "")) else None,
        label=info.get("family") if sources.get("family") == "catalog" and info.get("family") else None,
        version_of=info.get("version_of") or None,
        not_same_as=tuple(info.get("not_same_as") or ()),
    )


# -- the decision ----------------------------------------------------------------------


def title_alike(a: Member, b: Member) -> float:
    """Words the titles share, as a share of the longer title's words."""
    if not a.title_words or not b.title_words:
        return 0.0
    return len(a.title_words & b.title_words) / max(len(a.title_words), len(b.title_words))


def _numbers(m: Member) -> frozenset[str]:
    """The numbers in a title (years, issue numbers; version markers are
    left out of title words already)."""
    return frozenset(w for w in m.title_words if w.isdigit())


def _text(a: Member, b: Member) -> float | None:
    if a.signature is None or b.signature is None:
        return None
    return minhash.similarity(a.signature, b.signature)


def evidence(a: Member, b: Member) -> tuple[int, str] | None:
    """Whether the rules make ``a`` and ``b`` one work: (strength, why) or
    None. Strength orders the joins: identifiers, then text."""
    if a.type_class != b.type_class:
        return None
    text = _text(a, b)
    titles = title_alike(a, b)
    shared = set(a.keys) & set(b.keys)
    if shared:
        acts = sorted(k for k in shared if not k.startswith("com:"))
        if acts:
            return 3, "same " + _key_label(acts[0])
        # A COM number is read from a document's first pages, where a report
        # may cite one before any of its own: a like title or text confirms
        # it is the document's own, or, for a translation (another
        # language), the same type and the same day.
        if a.type == b.type and (
            titles >= TITLE_ALIKE
            or (text is not None and text >= WEAK_ID_TEXT)
            or (a.language != b.language and a.day is not None and a.day == b.day)
        ):
            return 3, "same " + _key_label(sorted(shared)[0])
        return None
    if _conflict(a.keys, b.keys):
        return None
    # Dated to different days: not the same text in another format, but
    # perhaps a revision (the rules below). Daily notices and news items
    # repeat one template with other figures: a news item of another day
    # is another item.
    other_day = a.day is not None and b.day is not None and a.day != b.day
    if text is not None and text >= SAME_TEXT and not other_day:
        return 2, f"same text ({text:.0%} alike)"
    if a.type != b.type or (other_day and a.type == "news"):
        return None
    weak = set(a.weak) & set(b.weak)
    # A DOI, ISBN or report number may be one a document cites: the text
    # must agree too (or, where a text is too short to compare, the title).
    if weak and (
        (text is not None and text >= WEAK_ID_TEXT)
        or (text is None and a.title_key == b.title_key and len(a.title_words) >= TITLE_WORDS)
    ):
        return 2, "same " + _key_label(sorted(weak)[0])
    if text is None:
        return None
    if _numbers(a) != _numbers(b):
        return None  # "Report 2023" and "Report 2024": editions of a series, not revisions
    if text >= REVISION and titles >= TITLE_ALIKE:
        return 1, f"like titles, {text:.0%} of the text alike"
    if text >= SAME_TITLE and a.title_key == b.title_key and len(a.title_words) >= TITLE_WORDS:
        return 1, f"same title, {text:.0%} of the text alike"
    return None


def _conflict(a: Iterable[str], b: Iterable[str]) -> bool:
    """Two sets of work keys naming different works (both non-empty, none shared)."""
    a, b = set(a), set(b)
    return bool(a) and bool(b) and not (a & b)


def _key_label(key: str) -> str:
    scheme, _, value = key.partition(":")
    return {
        "celex": "act (CELEX {})",
        "act": "act ({})",
        "com": "Commission document ({})",
        "juris": "law (juris {})",
        "doi": "DOI ({})",
        "isbn": "ISBN ({})",
        "report": "document number ({})",
    }.get(scheme, scheme + " ({})").format(value)


class _Groups:
    """Union-find over members, each group with what keeps it apart from
    others: its work keys, staff names and the documents staff keep away."""

    def __init__(self, members: list[Member]):
        self.parent = list(range(len(members)))
        self.keys = [set(m.keys) for m in members]
        self.labels = [{m.label} if m.label else set() for m in members]
        self.ids = [{m.id} for m in members]
        self.apart = [set(m.not_same_as) for m in members]
        self.why: list[list[str]] = [[] for _ in members]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def blocked(self, i: int, j: int, *, staff: bool) -> str | None:
        """Why groups ``i`` and ``j`` (roots) cannot be one family, or None."""
        if self.apart[i] & self.ids[j] or self.apart[j] & self.ids[i]:
            return "not_same_as"
        if _conflict(self.labels[i], self.labels[j]):
            return "different family names"
        if not staff and _conflict(self.keys[i], self.keys[j]):
            return "different identifiers"
        return None

    def join(self, i: int, j: int, why: str, *, staff: bool = False) -> str | None:
        """Join the groups of ``i`` and ``j``; returns why not, if blocked."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return None
        reason = self.blocked(a, b, staff=staff)
        if reason:
            return reason
        if len(self.ids[a]) < len(self.ids[b]):
            a, b = b, a
        self.parent[b] = a
        self.keys[a] |= self.keys[b]
        self.labels[a] |= self.labels[b]
        self.ids[a] |= self.ids[b]
        self.apart[a] |= self.apart[b]
        self.why[a] += [w for w in self.why[b] + [why] if w not in self.why[a]]
        return None


def candidates(members: list[Member]) -> set[tuple[int, int]]:
    """Pairs worth checking: sharing a work key, a weak identifier or a
    normalised title, or alike in text (banded LSH over the signatures)."""
    buckets: dict[str, list[int]] = {}
    for i, m in enumerate(members):
        for k in m.keys + m.weak:
            buckets.setdefault(k, []).append(i)
        if len(m.title_words) >= TITLE_WORDS:
            buckets.setdefault("title:" + m.title_key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    for rows in buckets.values():
        if len(rows) > 1:
            # A key shared by very many documents (a series' report number
            # taken from every issue) pairs each only with its neighbours.
            if len(rows) > minhash.MAX_RUN:
                pairs.update(zip(rows[:-1], rows[1:]))
            else:
                pairs.update((a, b) for n, a in enumerate(rows) for b in rows[n + 1 :])
    signed = [i for i, m in enumerate(members) if m.signature is not None]
    if len(signed) > 1:
        sigs = np.stack([members[i].signature for i in signed])
        for a, b in minhash.bands(sigs).tolist():
            pairs.add((signed[a], signed[b]))
    return pairs


def assign(infos: list[dict[str, Any]]) -> Result:
    """Every document's family, from the stored metadata of all documents."""
    members = [member_of(i, info) for i, info in enumerate(infos)]
    by_id = {m.id: i for i, m in enumerate(members)}
    groups = _Groups(members)
    notes: list[str] = []

    # Staff first: names, then "version of".
    named: dict[str, list[int]] = {}
    for i, m in enumerate(members):
        if m.label:
            named.setdefault(m.label, []).append(i)
    for label, rows in sorted(named.items()):
        if label in by_id and by_id[label] not in rows:
            rows = [by_id[label]] + rows
        for r in rows[1:]:
            why = groups.join(rows[0], r, "library catalogue", staff=True)
            if why:
                notes.append(f"{members[r].id}: family {label!r} not applied ({why})")
    for i, m in enumerate(members):
        for other in m.not_same_as:
            if other not in by_id:
                notes.append(f"{m.id}: not_same_as names no indexed document: {other!r}")
        if not m.version_of:
            continue
        j = by_id.get(m.version_of)
        if j is None:
            notes.append(f"{m.id}: version_of names no indexed document: {m.version_of!r}")
            continue
        why = groups.join(j, i, "library catalogue", staff=True)
        if why:
            notes.append(f"{m.id}: version_of {m.version_of!r} not applied ({why})")

    # Then the rules, strongest evidence first.
    found = []
    for a, b in candidates(members):
        ev = evidence(members[a], members[b])
        if ev is not None:
            found.append((-ev[0], members[a].dn, members[b].dn, a, b, ev[1]))
    for _s, _da, _db, a, b, why in sorted(found):
        groups.join(a, b, why)

    return Result(_assignments(members, groups), notes)


def _assignments(members: list[Member], groups: _Groups) -> dict[str, Assignment]:
    rows_of: dict[int, list[int]] = {}
    for i in range(len(members)):
        rows_of.setdefault(groups.find(i), []).append(i)
    out: dict[str, Assignment] = {}
    taken: set[str] = set()
    for root, rows in sorted(rows_of.items(), key=lambda kv: min(members[r].dn for r in kv[1])):
        ordered = sorted(rows, key=lambda r: version_order(members[r]))
        labels = sorted(groups.labels[root])
        if labels:
            family = labels[0]
        else:
            family = members[min(rows, key=lambda r: members[r].dn)].id
        if family in taken:  # a staff name that is also another family's first member
            family = f"{family}~{len(taken)}"
        taken.add(family)
        newest = members[ordered[0]].id
        by = "; ".join(groups.why[root]) if len(rows) > 1 else ""
        for r in rows:
            out[members[r].id] = Assignment(family, newest, len(rows), by)
    return out


def version_order(m: Member) -> tuple[int, int, int]:
    """Newest first; at the same date the typeset original, then the first indexed."""
    return (-m.date_key, KIND_ORDER.get(m.kind, 3), m.dn)
