"""Scoring etslib's records against the gold records of ``tests/gold/records``.

The gold files were written by reading the documents (see their headers);
this module compares field by field and lists the misses, for
``scripts/metadata-report`` and the tests that hold the targets.

Rules of comparison (the gold files' headers explain the cataloguing rules):

- title: equal to the gold title or one of ``title_also`` after folding
  (case, accents, quotes, dashes, spaces, trailing punctuation);
- year: equal;
- jurisdictions: the same set as the gold's primary jurisdictions;
- type: equal;
- publisher: equal (folded) to the gold publisher or one of
  ``publisher_also``; a gold ``null`` wants no publisher;
- topics: precision, the share of etslib's topics that the gold lists
  (a document with no etslib topics adds nothing);
- families: pairwise precision and recall over all pairs of documents put
  in the same family.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOLD_DIR = ROOT / "tests" / "gold" / "records"

#: The issue's targets (share of documents right, per field).
TARGETS = {
    "title": 0.95,
    "year": 0.97,
    "jurisdictions": 0.95,
    "type": 0.97,
    "publisher": 0.92,
    "topic_precision": 0.90,
    "family_precision": 0.95,
    "family_recall": 0.95,
}
FIELDS = ("title", "year", "jurisdictions", "type", "publisher")


def load_gold(folder: Path = GOLD_DIR) -> dict[str, dict[str, Any]]:
    """Gold records by path relative to the shared corpus."""
    out: dict[str, dict[str, Any]] = {}
    for f in sorted(folder.glob("*.yaml")):
        for rec in yaml.safe_load(f.read_text("utf-8"))["documents"]:
            out[rec["path"]] = rec
    return out


_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "–": "-", "—": "-", "‐": "-"})


def fold_text(s: Any) -> str:
    """Case, accents, quotes, dashes and spacing folded; trailing punctuation dropped."""
    s = unicodedata.normalize("NFKD", str(s or "")).translate(_QUOTES)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    s = re.sub(r"\s+", " ", s).strip()
    return s.rstrip(" .,;:")


@dataclass
class Miss:
    path: str
    field: str
    got: Any
    want: Any


@dataclass
class Score:
    documents: int
    right: dict[str, int]
    topic_precision: float
    topics_predicted: int
    family_precision: float
    family_recall: float
    family_pairs: tuple[int, int, int]  # predicted, gold, both
    misses: list[Miss] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # gold documents etslib has no record of

    def share(self, name: str) -> float:
        return self.right[name] / self.documents if self.documents else 0.0

    def figures(self) -> dict[str, float]:
        out = {name: self.share(name) for name in FIELDS}
        out["topic_precision"] = self.topic_precision
        out["family_precision"] = self.family_precision
        out["family_recall"] = self.family_recall
        return out


def _title_ok(got: Any, gold: Mapping[str, Any]) -> bool:
    wanted = [gold.get("title")] + list(gold.get("title_also") or [])
    return fold_text(got) in {fold_text(t) for t in wanted if t}


def _publisher_ok(got: Any, gold: Mapping[str, Any]) -> bool:
    if gold.get("publisher") is None:
        return not got
    wanted = [gold["publisher"]] + list(gold.get("publisher_also") or [])
    return fold_text(got) in {fold_text(p) for p in wanted}


def _pairs(families: Mapping[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = {}
    for path, fam in families.items():
        groups.setdefault(fam, []).append(path)
    return {frozenset(p) for members in groups.values() for p in combinations(sorted(members), 2)}


def score(records: Mapping[str, Mapping[str, Any]], gold: Mapping[str, Mapping[str, Any]]) -> Score:
    """Compare ``records`` (etslib's metadata by corpus-relative path) with ``gold``."""
    right = {name: 0 for name in FIELDS}
    misses: list[Miss] = []
    missing: list[str] = []
    topics_right = topics_predicted = 0
    got_family: dict[str, str] = {}
    want_family: dict[str, str] = {}
    for path, want in sorted(gold.items()):
        got = records.get(path)
        if got is None:
            missing.append(path)
            continue
        checks = {
            "title": _title_ok(got.get("title"), want),
            "year": got.get("year") == want.get("year"),
            "jurisdictions": set(got.get("jurisdictions") or []) == set(want.get("jurisdictions") or []),
            "type": got.get("type") == want.get("type"),
            "publisher": _publisher_ok(got.get("publisher"), want),
        }
        for name, ok in checks.items():
            if ok:
                right[name] += 1
            else:
                wanted = want.get(name) if name != "jurisdictions" else sorted(want.get(name) or [])
                misses.append(Miss(path, name, got.get(name), wanted))
        predicted = list(dict.fromkeys(got.get("topics") or []))
        good = [t for t in predicted if t in set(want.get("topics") or [])]
        topics_predicted += len(predicted)
        topics_right += len(good)
        if len(good) < len(predicted):
            misses.append(Miss(path, "topics", sorted(set(predicted) - set(good)), sorted(want.get("topics") or [])))
        got_family[path] = str(got.get("family") or got.get("id") or path)
        want_family[path] = str(want.get("family") or path)
    pred_pairs, gold_pairs = _pairs(got_family), _pairs(want_family)
    both = len(pred_pairs & gold_pairs)
    for pair in sorted(gold_pairs - pred_pairs, key=sorted):
        misses.append(Miss(" + ".join(sorted(pair)), "family", "apart", "one family"))
    for pair in sorted(pred_pairs - gold_pairs, key=sorted):
        misses.append(Miss(" + ".join(sorted(pair)), "family", "one family", "apart"))
    return Score(
        documents=len(gold) - len(missing),
        right=right,
        topic_precision=topics_right / topics_predicted if topics_predicted else 1.0,
        topics_predicted=topics_predicted,
        family_precision=both / len(pred_pairs) if pred_pairs else 1.0,
        family_recall=both / len(gold_pairs) if gold_pairs else 1.0,
        family_pairs=(len(pred_pairs), len(gold_pairs), both),
        misses=misses,
        missing=missing,
    )


def records_of_index(index: Path, corpus: Path) -> dict[str, dict[str, Any]]:
    """Every document's metadata in an etslib index, by path relative to ``corpus``."""
    from search.query.searcher import Searcher

    base = str(corpus.resolve()).rstrip("/") + "/"
    out: dict[str, dict[str, Any]] = {}
    with Searcher(index) as s:
        # Every document, whatever its family (a search lists one a family).
        for info in s.documents():
            path = str(info.get("path") or "")
            if path.startswith(base):
                out[path[len(base):]] = info
    return out


def format_report(sc: Score, *, misses: bool = True) -> str:
    lines = [f"{sc.documents} documents scored against the gold records" + (f" ({len(sc.missing)} not indexed)" if sc.missing else "")]
    lines.append(f"{'field':<22}{'right':>10}{'share':>9}{'target':>9}  verdict")
    for name in FIELDS:
        t = TARGETS[name]
        lines.append(f"{name:<22}{sc.right[name]:>6}/{sc.documents:<3}{sc.share(name):>9.1%}{t:>9.0%}  {'PASS' if sc.share(name) >= t else 'MISS'}")
    for name, value, detail in (
        ("topic_precision", sc.topic_precision, f"{sc.topics_predicted} topics"),
        ("family_precision", sc.family_precision, f"{sc.family_pairs[0]} pairs"),
        ("family_recall", sc.family_recall, f"{sc.family_pairs[1]} pairs"),
    ):
        t = TARGETS[name]
        lines.append(f"{name:<22}{detail:>10}{value:>9.1%}{t:>9.0%}  {'PASS' if value >= t else 'MISS'}")
    if misses and sc.misses:
        lines.append("")
        lines.append("misses:")
        for m in sc.misses:
            lines.append(f"  {m.field:<14} {m.path}\n      got:  {m.got!r}\n      want: {m.want!r}")
    for path in sc.missing:
        lines.append(f"  not indexed: {path}")
    return "\n".join(lines)


def iter_gold_paths(gold: Mapping[str, Any], corpus: Path) -> Iterable[Path]:
    """The folders to ingest for the gold documents (their top two levels)."""
    tops = sorted({"/".join(p.split("/")[:1]) for p in gold})
    return [corpus / t for t in tops]
