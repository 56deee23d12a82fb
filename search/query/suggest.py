""""Did you mean": a corrected query, offered only when it finds more."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable

from ..index import Snapshot
from ..lru import SizedLRU
from ..model import SearchRequest
from ..text import analysis
from .parse import MatchAll
from .plan import Plan

#: Fewer matches than this and a correction is looked for.
FEW = 3


def suggestion(snap: Snapshot, plan: Plan, run: Callable[[SearchRequest], Plan], cache: SizedLRU) -> str | None:
    """A corrected query for a plan with few matches that finds more documents
    with the same filters, or None. ``run`` plans the corrected request."""
    if plan.total >= FEW or isinstance(plan.node, MatchAll):
        return None
    req = plan.request
    key = (snap.key, req.q, req.exact, repr(sorted(req.filters.items())), req.year_from, req.year_to)
    found = cache.get(key)
    if found is None:
        found = cache.put(key, _better(snap, plan, run) or "")
    return found or None


def _better(snap: Snapshot, plan: Plan, run: Callable[[SearchRequest], Plan]) -> str | None:
    corrected = corrected_query(snap, plan.request.q)
    if corrected is None:
        return None
    return corrected if run(replace(plan.request, q=corrected)).total > plan.total else None


def corrected_query(snap: Snapshot, q: str) -> str | None:
    """``q`` with its rare words replaced by close, more common index words
    (None when nothing changes)."""
    words = re.findall(r"(?<![\w:])[^\W\d_]{3,}(?![\w:*?])", q)[:4]
    if not words:
        return None
    corrected = q
    changed = False
    for w in dict.fromkeys(words):
        f = analysis.fold(w)
        if w.isupper() or analysis.CJK_RE.search(w):
            continue
        df = snap.doc_frequency("exact", f)  # from the term dictionary, no postings read
        if df > 2:
            continue
        # Typos seldom hit the first letters; requiring them prunes
        # Whoosh's automaton search of the term dictionary (~60 ms at
        # 100,000 pages for distance 2 and one letter). One slip first;
        # two only for an unknown long word, with three letters fixed.
        cands = []
        tries = [(1, 1 if len(f) <= 5 else 2)] + ([(2, 3)] if df == 0 and len(f) >= 8 else [])
        for maxdist, prefix in tries:
            cands = [(t, n) for t, n in snap.similar_terms("exact", f, maxdist, prefix) if t != f and n > max(df, 1)]
            if cands:
                break
        if not cands:
            continue
        best = cands[0][0]
        corrected = re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", best, corrected)
        changed = True
    if not changed or corrected == q:
        return None
    return corrected

