"""Hits: the documents of one result page with their metadata, passages and
the other versions of their work."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any

import numpy as np

from .. import config
from ..lru import SizedLRU
from ..model import Hit, Passage
from .evaluate import Terms
from .generation import Generation
from ..text.sections import label_at
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
    "relpath",
    "root",  # the folder it was ingested from (the web shows the path below it)
    "authors",
    "topics",
    "page_count",
    "kind",
    "paged",
    "description",
    "url",
    "identifiers",
    "ocr_pages",  # pages whose text came from OCR, marked on the passages
    "family",
)

#: What a hit says of each of its other versions.
VERSION_FIELDS = ("id", "title", "date", "year", "kind", "language", "type", "page_count")


def hit_meta(info: dict[str, Any]) -> dict[str, Any]:
    meta = {k: info.get(k) for k in HIT_FIELDS}
    meta["family"] = meta["family"] or info.get("id")  # indexes older than families
    return meta


def versions_of(
    gen: Generation, row: int, match: np.ndarray | None = None, *, include_self: bool = False, limit: int | None = None
) -> list[dict[str, Any]]:
    """The other versions of document ``row``'s work (with ``include_self``
    every version), newest first, each saying whether it is in ``match``
    (the search's matches); empty for a document alone. ``limit``: the
    newest so many only (see :func:`version_count`)."""
    families = gen.table.families
    if not families.multi[row]:
        return []
    out = []
    for other in families.members(row).tolist():
        if other == row and not include_self:
            continue
        if limit is not None and len(out) >= limit:
            break
        info = gen.snap.infos[other]
        v = {k: info.get(k) for k in VERSION_FIELDS}
        if match is not None:
            v["matches"] = bool(match[other])
        out.append(v)
    return out


def version_count(gen: Generation, row: int) -> int:
    """How many other versions document ``row``'s work has."""
    families = gen.table.families
    return int(families.size[families.code[row]]) - 1


def passage_cache(budget: int) -> SizedLRU:
    """Passages by page and query terms: a page turn, a facet click or a
    popular query does not highlight the same pages again."""
    return SizedLRU(budget, passage_bytes)


def passage_bytes(p: Passage) -> int:
    """About what a cached passage holds in memory: its texts as Python
    strings, a tuple and a list slot per segment, the passage object with
    its dict, and the cache entry with its key."""
    # Counting three bytes a character (as when passages held their HTML)
    # undercounted 3.5 times: at 1,000,000 pages an 8.5 MB budget held 30
    # MB. Strings of one character are CPython's shared ones.
    return _PASSAGE_OVERHEAD + sum((sys.getsizeof(s) if len(s) > 1 else 0) + _SEGMENT_OVERHEAD for s, _ in p.segments)


_PASSAGE_OVERHEAD = 400
_SEGMENT_OVERHEAD = 64


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
    # "All N matching pages": the pages that match the query page by page.
    matching = gen.evaluator.matching_records(plan.node, plan.request.exact, rows) if len(recs) else {}
    hits = []
    for row in rows.tolist():
        info = snap.full_info(row)  # shown: paths, identifiers, page labels
        pages = sorted(per_doc[row], key=lambda sr: (-sr[0], sr[1]))
        on_page = matching.get(row)
        matched_pages = int(np.isin([rec for _, rec in pages], on_page).sum()) if on_page is not None else 0
        shown: list[Passage] = []
        if per_hit:
            chosen = pages[:per_hit]
            if not chosen and (terms.stems or terms.exacts or terms.phrases) and gen.first_record[row] >= 0:
                chosen = [(0.0, int(gen.first_record[row]))]
            shown = [passage_at(gen, info, rec, terms, s, passages) for s, rec in chosen]
        hits.append(
            Hit(
                id=info["id"],
                score=float(final[row]),
                meta=hit_meta(info),
                passages=shown,
                matched_pages=matched_pages,
                versions=versions_of(gen, row, plan.match, limit=config.HIT_VERSIONS),
                version_count=version_count(gen, row),
            )
        )
    return hits


def section_label(marks: list, section: int, offset: int) -> str | None:
    """The heading an unpaged document's passage is under ("Article 12"), if any."""
    return label_at(marks[section - 1], offset) if 0 < section <= len(marks) else None


def passage_at(gen: Generation, info: dict[str, Any], rec: int, terms: Terms, score: float, cache: SizedLRU) -> Passage:
    """The passage of page record ``rec`` for ``terms`` (cached without its score)."""
    key = (gen.snap.key, rec, terms.key())
    found = cache.get(key)
    if found is None:
        page = int(gen.snap.page_num[rec])
        labels = info.get("page_labels") or None
        label = labels[page - 1] if labels and page - 1 < len(labels) and labels[page - 1] != str(page) else None
        found = make_passage(
            gen.snap.page_text(rec),
            page,
            info.get("language") or "und",
            terms.stems_for(info.get("language") or "und"),
            terms.exacts,
            terms.phrases,
            label=label,
        )
        if not info.get("paged", True):
            # ``info`` is the document's full record, marks included: reading
            # them again cost 0.1 ms a passage (a third of the stored reads).
            found.label = section_label(info.get("section_marks") or [], page, found.start)
        found = cache.put(key, found)
    return replace(found, score=score)
