"""Ordering the documents of a plan: final scores and the result order."""

from __future__ import annotations

import numpy as np

from .evaluate import Params
from .generation import Generation
from .plan import Plan


def final_scores(gen: Generation, plan: Plan, params: Params) -> np.ndarray:
    """Document scores plus the bonus for their best page."""
    return plan.scored.score + params.page_bonus * gen.evaluator.best_page(plan.scored)


def ranked(gen: Generation, plan: Plan, final: np.ndarray, need: int) -> np.ndarray:
    """The matching rows in result order; at least the first ``need`` are in order.

    By relevance only the best ``need`` rows are sorted (a page asks for the
    rows up to its end); the other orders are precomputed per generation.
    A work with several matching versions is listed once, at its first
    version in that order (the best-ranked by relevance, the newest by
    date), unless the request lists every version.
    """
    table = gen.table
    match = plan.match
    collapse = not plan.request.all_versions
    if plan.sort == "relevance":
        rows = np.flatnonzero(match)
        if collapse:
            rows = table.families.best_of_each(rows, final, table.date_rank)
        need = min(len(rows), need)
        if need == 0:
            return rows
        vals = final[rows]
        # Ties: newer first, then stable by row.
        if need < len(rows):
            part = np.argpartition(-vals, need - 1)[:need]
            cut = vals[part].min()
            part = np.flatnonzero(vals >= cut)
            rows, vals = rows[part], vals[part]
        order = np.lexsort((table.date_rank[rows], -vals))
        return rows[order]
    # By name: the title order is built only when a list is sorted by title.
    order = getattr(table, {"newest": "order_newest", "oldest": "order_oldest", "title": "order_title"}[plan.sort])
    rows = order[match[order]]
    return table.families.first_of_each(rows) if collapse else rows


def export_rows(gen: Generation, plan: Plan, final: np.ndarray) -> np.ndarray:
    """Every match in result order for an export: one row a work, its newest
    matching version, unless the request lists every version."""
    rows = ranked(gen, plan, final, need=plan.documents)
    if plan.request.all_versions:
        return rows
    return gen.table.families.newest_matching(rows, plan.match)
