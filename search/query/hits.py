"""Hits: the documents of one result page with their metadata and passages."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..lru import SizedLRU
from ..model import Hit, Passage
from .evaluate import Terms
from .generation import Generation
from .passages import make_passage
from .plan import Plan

#: Metadata every hit carries (the JSON contract plus what pages need).
HIT_FIELDS = (
    "id",
    "title",
    "year",
    "date",
    "jurisdictions",
    "type",
    "publisher",
    "language",
    "path",
    "root",  # the folder it was ingested from (the web shows the path below it)
    "authors",
    "topics",
    "page_count",
    "kind",
    "paged",
    "description",
)


def hit_meta(info: dict[str, Any]) -> dict[str, Any]:
    return {k: info.get(k) for k in HIT_FIELDS}


def passage_cache(budget: int) -> SizedLRU:
    """Passages by page and query terms: a page turn, a facet click or a
    popular query does not highlight the same pages again."""
    return SizedLRU(budget, _passage_size)


def _passage_size(p: Passage) -> int:
    # As when passages held their HTML (the budgets were tuned so): the
    # text plus "<mark></mark>" around each match.
    return 300 + 3 * sum(len(s) + (13 if hit else 0) for s, hit in p.segments)


def page_hits(gen: Generation, plan: Plan, final: np.ndarray, rows: np.ndarray, passages: SizedLRU) -> list[Hit]:
    """The hits of ``rows`` (one result page), each with its best passages.

    A document that matched only in its title or metadata shows its first
    page, so every hit says something about itself.
    """
    if not len(rows):
        return []
    snap = gen.snap
    terms = plan.terms
    per_hit = plan.request.passages
    recs, sums = gen.evaluator.page_scores(plan.scored)
    per_doc: dict[int, list[tuple[float, int]]] = {int(r): [] for r in rows}
    if len(recs):
        sel = np.isin(snap.page_doc[recs], rows)
        for rec, s in zip(recs[sel].tolist(), sums[sel].tolist()):
            per_doc[int(snap.page_doc[rec])].append((s, rec))
    hits = []
    for row in rows.tolist():
        info = snap.infos[row]
        pages = sorted(per_doc[row], key=lambda sr: (-sr[0], sr[1]))
        shown: list[Passage] = []
        if per_hit:
            chosen = pages[:per_hit]
            if not chosen and (terms.stems or terms.exacts or terms.phrases) and gen.first_record[row] >= 0:
                chosen = [(0.0, int(gen.first_record[row]))]
            shown = [passage_at(gen, info, rec, terms, s, passages) for s, rec in chosen]
        hits.append(Hit(id=info["id"], score=float(final[row]), meta=hit_meta(info), passages=shown, matched_pages=len(pages)))
    return hits


def passage_at(gen: Generation, info: dict[str, Any], rec: int, terms: Terms, score: float, cache: SizedLRU) -> Passage:
    """The passage of page record ``rec`` for ``terms`` (cached without its score)."""
    key = (gen.snap.key, rec, terms.key())
    found = cache.get(key)
    if found is None:
        page = int(gen.snap.page_num[rec])
        labels = info.get("page_labels") or None
        label = labels[page - 1] if labels and page - 1 < len(labels) and labels[page - 1] != str(page) else None
        found = cache.put(
            key,
            make_passage(
                gen.snap.page_text(rec),
                page,
                info.get("language") or "und",
                terms.stems,
                terms.exacts,
                terms.phrases,
                label=label,
            ),
        )
    return replace(found, score=score)
