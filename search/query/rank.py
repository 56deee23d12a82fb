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
    """
    table = gen.table
    match = plan.match
    if plan.sort == "relevance":
        rows = np.flatnonzero(match)
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
    return order[match[order]]
