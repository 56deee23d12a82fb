"""Planning a request: the one step every search, count, export and
suggestion goes through.

A :class:`Plan` is the request read and evaluated: the query parsed and
rewritten (common words, glossary), the filters spelled as the index
spells them, the documents the filters and years allow (the scope), and
the scored tree; its total counts works (document families) unless the
request lists every version. What a caller does next (rank a page, count, list every
match) needs nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from ..lru import SizedLRU
from ..model import DEFAULT_SORT, SORTS, SearchRequest
from . import budget
from .evaluate import _NO_RECS, Scored, Terms

from .values import resolve_filters, resolve_nodes
from .generation import Generation
from .parse import And, MatchAll, Node, parse, to_string
from ..text.segment import segment
from .rewrite import drop_common_words, expand_glossary, segment_cjk


@dataclass
class Plan:
    request: SearchRequest  # clamped, filters as the index spells them ("eu" → "EU")
    node: Node  # the tree evaluated, after rewrites
    notes: list[str]  # how the query was read: parse, common words, relaxing
    expansions: list[tuple[str, list[str]]]  # glossary additions (surface, alternatives)
    interpreted: str  # the query as the parser read it
    sort: str  # the order used (an empty query lists newest first)
    year_mask: np.ndarray  # documents within the year range
    scope: np.ndarray  # documents the filters and years allow
    scored: Scored
    terms: Terms  # what to highlight
    match: np.ndarray  # matching documents within the scope
    total: int  # matching works (document families), or documents with all_versions
    documents: int  # matching documents, every version counted


def make_plan(
    gen: Generation,
    req: SearchRequest,
    *,
    glossary: Callable[[], Any],
    results: SizedLRU,
    filters_resolved: bool = False,
) -> Plan:
    """Read and evaluate ``req`` on one generation.

    :param glossary: gives the glossary (loaded only when a query is expanded).
    :param results: evaluated trees by (generation, tree, switches), shared
        between requests: a facet click or a page turn on the same words
        costs no new scoring.
    :param filters_resolved: the filters are already as the index spells
        them (a request taken from an earlier plan).
    """
    req = clamp(req)
    node, notes, expansions, interpreted = read_query(req, ["en"] + gen.evaluator.langs, glossary)
    table = gen.table
    node, value_notes = resolve_nodes(node, table)
    notes += value_notes
    if not filters_resolved:
        filters, value_notes = resolve_filters(req.filters, table)
        req = replace(req, filters=filters)
        notes += value_notes
    year_mask = table.year_mask(req.year_from, req.year_to)
    scope = table.filter_mask(req.filters) & year_mask
    # The scope steers only the relaxing of implicit AND (see Evaluator), so
    # it is part of the key only there.
    key = (gen.snap.key, node, req.exact, scope.tobytes() if isinstance(node, And) and node.implicit else b"")
    cached = results.get(key)
    if cached is None:
        try:
            cached = results.put(key, gen.evaluator.evaluate(node, exact=req.exact, scope=scope))
        except budget.OverBudget as e:
            # Stopped, not cached: the same query may finish when the worker
            # is less busy. The note stands even though nothing is shown.
            n = gen.snap.n_docs
            cached = (Scored(np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float32), *_NO_RECS), Terms(), [])
            notes.append(str(e))
    scored, terms, relaxed = cached
    match = scored.mask & scope
    documents = int(match.sum())
    total = documents if req.all_versions else table.families.distinct(match)
    return Plan(
        request=req,
        node=node,
        # "showing documents with any of them" is no help when none are shown.
        notes=notes + (relaxed if total else []),
        expansions=expansions,
        interpreted=interpreted,
        sort=effective_sort(req, node),
        year_mask=year_mask,
        scope=scope,
        scored=scored,
        terms=terms,
        match=match,
        total=total,
        documents=documents,
    )


def clamp(req: SearchRequest) -> SearchRequest:
    """Page, page size and passages within what the engine serves."""
    return replace(
        req,
        page=max(1, min(int(req.page or 1), 10_000)),
        limit=max(1, min(int(req.limit or 10), 1000)),
        passages=max(0, min(int(req.passages), 10)),
    )


def read_query(
    req: SearchRequest, langs: list[str], glossary: Callable[[], Any]
) -> tuple[Node, list[str], list[tuple[str, list[str]]], str]:
    """Parse and rewrite a query: the tree, notes, expansions, reading."""
    parsed = parse(req.q)
    notes = list(parsed.notes)
    # A Chinese sentence is cut into words; the glossary's terms stay whole
    # when the glossary expands them.
    expand = req.expand and not req.exact
    node, made = segment_cjk(parsed.node, lambda run: segment(run, glossary().cjk_terms() if expand else ()))
    if made:
        notes.append("Read as the words " + " ".join(made) + ".")
    node, dropped = drop_common_words(node, langs)
    if dropped:
        notes.append("Common words ignored: " + ", ".join(dict.fromkeys(dropped)) + " (quote a phrase to keep them).")
    expansions: list[tuple[str, list[str]]] = []
    if expand:
        node, expansions = expand_glossary(node, glossary(), split=segment)
    return node, notes, expansions, to_string(parsed.node)


def effective_sort(req: SearchRequest, node: Node) -> str:
    sort = req.sort if req.sort in SORTS else DEFAULT_SORT
    return "newest" if sort == "relevance" and isinstance(node, MatchAll) else sort
