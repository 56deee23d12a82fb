"""One document's pages: its whole text, and the pages matching a query."""

from __future__ import annotations

import numpy as np

from ..lru import SizedLRU
from ..model import Passage
from ..text import analysis
from .evaluate import Terms
from .generation import Generation
from .hits import passage_at
from .plan import Plan


def page_texts(gen: Generation, row: int) -> list[str]:
    """Document ``row``'s text page by page (blank pages as "")."""
    snap = gen.snap
    pages = [""] * int(snap.infos[row].get("page_count") or 0)
    for rec in np.flatnonzero(snap.page_doc == row).tolist():
        n = int(snap.page_num[rec])
        if n > len(pages):
            pages.extend([""] * (n - len(pages)))
        pages[n - 1] = snap.page_text(rec)
    return pages


def matching_pages(gen: Generation, plan: Plan, row: int, limit: int, passages: SizedLRU) -> list[Passage]:
    """The pages of document ``row`` that match ``plan`` page by page (see
    :meth:`~search.query.evaluate.Evaluator.matching_records`), best first."""
    recs, sums = page_matches(gen, plan, row)
    pairs = sorted(zip(sums.tolist(), recs.tolist()), key=lambda sr: (-sr[0], sr[1]))[:limit]
    info = gen.snap.full_info(row)
    return [passage_at(gen, info, rec, plan.terms, s, passages) for s, rec in pairs]


def page_matches(gen: Generation, plan: Plan, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Document ``row``'s page records that match the query, with their
    scores; when no page holds the query as a whole (its words are spread
    over the document), the pages holding its words, as the hit's passages
    show them."""
    recs, sums = gen.evaluator.page_scores(plan.scored)
    sel = gen.snap.page_doc[recs] == row
    recs, sums = recs[sel], sums[sel]
    matching = gen.evaluator.matching_records(plan.node, plan.request.exact, [row]).get(row)
    keep = np.isin(recs, matching) if matching is not None else np.zeros(len(recs), dtype=bool)
    if not keep.any():
        return recs, sums
    return recs[keep], sums[keep]


def marked_pages(gen: Generation, row: int, terms: Terms) -> list[list[tuple[str, bool]]]:
    """Document ``row``'s pages as segments ``(text, is_match)`` covering each
    whole page: the text view's highlighting of the query's words."""
    lang = gen.snap.infos[row].get("language") or "und"
    any_terms = bool(terms.stems or terms.exacts or terms.phrases)
    out = []
    for text in page_texts(gen, row):
        spans = analysis.match_spans(text, lang, terms.stems, terms.exacts, terms.phrases) if any_terms and text else []
        out.append(segments_of(text, spans))
    return out


def segments_of(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at ``spans`` (sorted, possibly overlapping) into
    ``(text, is_match)`` segments that cover it whole."""
    out: list[tuple[str, bool]] = []
    cursor = 0
    for a, b in spans:
        a = max(a, cursor)
        if b <= a:
            continue
        if a > cursor:
            out.append((text[cursor:a], False))
        out.append((text[a:b], True))
        cursor = b
    if cursor < len(text):
        out.append((text[cursor:], False))
    return out
