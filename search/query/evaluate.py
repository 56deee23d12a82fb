"""Evaluating a query tree over one snapshot, at document level, with numpy.

Matching is per document: ``free allocation cement`` finds a report that
says "free allocation" on page 12 and "cement" on page 40. Scores are BM25F
over the document's title, metadata and full text, plus a bonus for the best
single page (words that occur together rank higher), so the page a hit
cites is also the page that earned it.

Every leaf (a word, a phrase, a wildcard) becomes a :class:`Scored`: a mask
of matching documents, a score per document, and the matching page records
with their own scores (for passages). Boolean nodes combine these arrays.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from functools import reduce

import numpy as np

from ..text import analysis
from ..vocab.facets import FACETS
from .facets import DocTable, resolve_value
from .. import config
from ..index import Snapshot
from . import budget
from .wildcard import Pattern
from ..lru import SizedLRU
from .parse import And, Compound, Filter, MatchAll, Node, Not, Or, Phrase, Wildcard, Word, YearRange


@dataclass(frozen=True)
class Params:
    k1: float = 1.2
    b_content: float = 0.75
    b_title: float = 0.4
    b_meta: float = 0.5
    w_content: float = 1.0
    w_title: float = 3.0
    title_bonus: float = 1.0  # a title match scores again on its own (see _concept)
    w_meta: float = 1.0
    w_author: float = 1.0
    phrase_boost: float = 1.5  # quoted phrases weigh more than loose words
    compound_bonus: float = 0.25  # cap-and-trade: weight of the words standing together
    synonym_weight: float = 0.8  # a glossary alternative, against the words typed
    page_bonus: float = 0.5  # share of the best page's score added to a document's
    coord_power: float = 0.0  # relaxed queries: scale by (matched / words) ** power
    enough: int = 5  # relax a long query when fewer documents than this have every word
    min_share: float = 0.0  # relaxing never requires fewer than this share of the words (0: down to one)
    max_expansions: int = 200  # wildcard terms


@dataclass
class Scored:
    mask: np.ndarray  # bool per document row
    score: np.ndarray  # float32 per document row
    rec_ids: np.ndarray  # page records that matched (int32)
    rec_scores: np.ndarray  # their score contributions (float32)
    idf: float | None = None  # a single concept's idf (scores are proportional to it)
    pages: tuple[np.ndarray, np.ndarray] | None = None  # page_scores(), computed once

    def nbytes(self) -> int:
        recs = self.rec_ids.nbytes + self.rec_scores.nbytes
        # page_scores() may add up to as much again after the entry is cached
        extra = sum(a.nbytes for a in self.pages) if self.pages else recs
        return self.mask.nbytes + self.score.nbytes + recs + extra + 200

    def masked(self, keep: np.ndarray) -> "Scored":
        return Scored(self.mask & keep, np.where(keep, self.score, 0).astype(np.float32), self.rec_ids, self.rec_scores)


_NO_RECS = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


@dataclass
class Terms:
    """What to highlight: single words (stemmed or exact) and phrases.

    A phrase's words are marked only where the whole phrase occurs, so a
    glossary alternative such as "emission allowance" does not light up
    every "emission" on the page.
    """

    stems: set[str] = field(default_factory=set)
    exacts: set[str] = field(default_factory=set)
    phrases: set[tuple[str, ...]] = field(default_factory=set)

    def key(self) -> tuple:
        return (frozenset(self.stems), frozenset(self.exacts), frozenset(self.phrases))


class Evaluator:
    """Evaluates query trees on one snapshot; leaf results are cached."""

    def __init__(self, snap: Snapshot, table: DocTable, params: Params | None = None):
        self.snap = snap
        self.table = table
        self.p = params or Params()
        self.n = snap.n_docs
        self.langs = sorted({info.get("language") or "und" for info in snap.infos}) or ["en"]
        p = self.p
        self.norm = {
            "content": _norm(snap.doc_content_len, p.b_content),
            "title": _norm(snap.doc_title_len, p.b_title),
            "meta": _norm(snap.doc_meta_len, p.b_meta),
            "author": _norm(snap.doc_author_len, p.b_meta),
        }
        self.weight = {"content": p.w_content, "title": p.w_title, "meta": p.w_meta, "author": p.w_author}
        avg_page = float(snap.page_len[snap.page_doc >= 0].mean()) if snap.n_pages else 1.0
        self.page_norm = (1 - p.b_content + p.b_content * snap.page_len / max(avg_page, 1.0)).astype(np.float32)
        self._leaf_cache = SizedLRU(config.cache_budgets().leaves, lambda v: v[0].nbytes())
        self._local = threading.local()

    # -- public ------------------------------------------------------------

    def clear_cache(self) -> None:
        self._leaf_cache.clear()

    def evaluate(self, node: Node, *, exact: bool, scope: np.ndarray | None = None) -> tuple[Scored, Terms, list[str]]:
        """Evaluate a tree; ``scope`` (the request's filters) guides relaxation."""
        notes: list[str] = []
        terms = Terms()
        scope = np.ones(self.n, dtype=bool) if scope is None else scope
        # Positions decoded whole, kept for this evaluation only: glossary
        # alternatives share words (排放, 交易; emissions, trading).
        self._local.decoded = {}
        try:
            if isinstance(node, And) and node.implicit:
                scored = self._implicit_and(node, exact, terms, scope, notes)
            else:
                scored = self._eval(node, exact, terms)
        finally:
            self._local.decoded = {}
        return scored, terms, notes

    # -- nodes -------------------------------------------------------------

    def _eval(self, node: Node, exact: bool, terms: Terms) -> Scored:
        budget.check()
        if isinstance(node, MatchAll):
            return self._all()
        if isinstance(node, (Word, Phrase, Wildcard)):
            return self._leaf(node, exact, terms)
        if isinstance(node, Compound):
            words, phrase = self._compound_parts(node)
            out = self._and(tuple(words), exact, terms)
            return self._with_bonus(out, [self._eval(phrase, exact, terms)])
        if isinstance(node, Filter):
            return self._constant(self._filter_mask(node))
        if isinstance(node, YearRange):
            return self._constant(self.table.year_mask(node.lo, node.hi))
        if isinstance(node, Not):
            inner = self._eval(node.child, exact, Terms())
            return self._constant(~inner.mask)
        if isinstance(node, And):
            return self._and(node.children, exact, terms)
        if isinstance(node, Or):
            kids = [self._eval(c, exact, terms) for c in node.children]
            if node.synonyms:
                return self._synonyms(kids)
            return _sum(kids, any_of=True)
        raise TypeError(f"unknown query node {node!r}")  # pragma: no cover

    def _and(self, children, exact: bool, terms: Terms) -> Scored:
        pos = [c for c in children if not isinstance(c, Not)]
        neg = [c.child for c in children if isinstance(c, Not)]
        kids = [self._eval(c, exact, terms) for c in pos] or [self._all()]
        out = _sum(kids, any_of=False)
        for c in neg:
            out = out.masked(~self._eval(c, exact, Terms()).mask)
        return out

    def _implicit_and(self, node: And, exact: bool, terms: Terms, scope: np.ndarray, notes: list[str]) -> Scored:
        """Words typed one after another: all required unless that finds too few.

        A researcher pasting a whole question should get the documents that
        match most of it, not nothing; documents matching more of the words
        rank higher (coordination).
        """
        children: list[Node] = []
        bonus_nodes: list[Node] = []
        for c in node.children:
            if isinstance(c, Compound):
                words, phrase = self._compound_parts(c)
                children.extend(words)
                bonus_nodes.append(phrase)
            else:
                children.append(c)
        soft_nodes = [
            c
            for c in children
            if (isinstance(c, (Word, Wildcard)) and c.field is None) or (isinstance(c, Or) and c.synonyms)
        ]
        bonus = [self._eval(b, exact, terms) for b in bonus_nodes]
        if len(soft_nodes) < 2:
            return self._with_bonus(self._and(tuple(children), exact, terms), bonus)
        hard_nodes = [c for c in children if c not in soft_nodes]
        soft = [self._eval(c, exact, terms) for c in soft_nodes]
        hard = self._and(hard_nodes, exact, terms) if hard_nodes else None
        base = scope.copy() if hard is None else scope & hard.mask
        matched = np.zeros(self.n, dtype=np.int32)
        for s in soft:
            matched += s.mask
        n = len(soft)
        need = n
        totals = np.bincount(matched[base], minlength=n + 1)  # docs with exactly k words
        at_least = np.cumsum(totals[::-1])[::-1]  # docs with >= k words
        enough = 1 if n <= 2 else self.p.enough
        if at_least[need] < enough:
            # Too few have every word: rank everything that has any of them.
            # BM25 already puts documents with more (and rarer) words first;
            # requiring "most" of the words lost relevant documents on
            # Cranfield (nDCG@10 0.33 when keeping >= 10 documents).
            need = max(1, math.ceil(n * self.p.min_share)) if self.p.min_share else 1
        mask = matched >= need
        kids = soft + ([hard] if hard is not None else [])
        out = _sum(kids, any_of=True)
        out.mask = mask if hard is None else mask & hard.mask
        if need < n:
            coord = (matched / n) ** self.p.coord_power
            out.score = (out.score * coord).astype(np.float32)
            few = int(at_least[n])
            have = "No document has" if few == 0 else f"Only {few} document{'s' if few > 1 else ''} {'have' if few > 1 else 'has'}"
            notes.append(f"{have} all {n} words; showing documents with {'any' if need == 1 else f'at least {need}'} of them, best matches first.")
        out.score = np.where(out.mask, out.score, 0).astype(np.float32)
        return self._with_bonus(out, bonus)

    def _compound_parts(self, node: Compound) -> tuple[list[Word], Phrase]:
        """A compound's words to require (common words left out) and the
        phrase that earns a bonus where they stand together."""
        required = [w for w in node.words if not analysis.is_stopword(w, self.langs)] or list(node.words)
        return [Word(w, node.field) for w in required], Phrase(" ".join(node.words), node.field)

    def _with_bonus(self, out: Scored, bonus: list[Scored]) -> Scored:
        """Add optional scores (never changing which documents match)."""
        w = self.p.compound_bonus
        if not bonus or not w:
            return out
        score = out.score.copy()
        for b in bonus:
            score += np.where(out.mask, w * b.score, 0).astype(np.float32)
        recs = [out.rec_ids] + [b.rec_ids for b in bonus]
        rscores = [out.rec_scores] + [w * b.rec_scores for b in bonus]
        return Scored(out.mask, score, np.concatenate(recs), np.concatenate(rscores).astype(np.float32))

    # -- leaves ------------------------------------------------------------

    def _leaf(self, node: Word | Phrase | Wildcard, exact: bool, terms: Terms) -> Scored:
        key = (node, exact)
        cached = self._leaf_cache.get(key)
        if cached is None:
            t = Terms()
            if isinstance(node, Word):
                scored = self._word(node, exact, t)
            elif isinstance(node, Phrase):
                scored = self._phrase(node, t)
            else:
                scored = self._wildcard(node, t)
            cached = self._leaf_cache.put(key, (scored, t))
        scored, t = cached
        terms.stems |= t.stems
        terms.exacts |= t.exacts
        terms.phrases |= t.phrases
        return scored

    def _word(self, node: Word, exact: bool, terms: Terms) -> Scored:
        w = node.text
        if analysis.is_cjk(w) or analysis.CJK_RE.search(w):
            if node.field == "author":
                # Author terms hold no word positions: each piece of the
                # name is looked up (a phrase would come back here).
                found = [self._concept({"author": [self.snap.postings("author", t)]}) for t in analysis.exact_terms(w)]
                return _sum(found, any_of=False) if found else self._empty()
            return self._phrase(Phrase(w, node.field), terms)
        f = analysis.fold(w)
        stemmed = [] if exact else analysis.stem_variants(w, self.langs)
        stop = not exact and analysis.is_stopword(w, self.langs)
        fields: dict[str, list[tuple[str, str]]] = {}
        want = {node.field} if node.field else {"content", "title", "meta"}
        if "content" in want:
            if exact or stop:
                fields["content"] = [("exact", f)]
            else:
                fields["content"] = [("content", t) for t in stemmed]
        if "title" in want:
            fields["title"] = [("title_x", f)] if exact or stop else [("title", t) for t in stemmed]
        if "meta" in want:
            fields["meta"] = [("meta", t) for t in (stemmed or [f])]
        if "author" in want:
            fields["author"] = [("author", t) for t in (stemmed or [f])]
        terms.exacts.add(f)
        if not exact:
            terms.stems.update(stemmed)
        return self._concept(
            {name: [self.snap.postings(fld, t) for fld, t in pairs] for name, pairs in fields.items()}
        )

    def _phrase(self, node: Phrase, terms: Terms) -> Scored:
        words = analysis.exact_terms(node.text)
        if not words:
            return self._empty()
        if len(words) == 1 and not analysis.is_cjk(words[0]):
            scored = self._word(Word(node.text, node.field), True, terms)
        else:
            if all(analysis.is_cjk(w) for w in words):
                terms.exacts.update(words)  # CJK bigrams are marked where they occur
            else:
                terms.phrases.add(tuple(words))
            parts = {}
            if node.field in (None, "content"):
                parts["content"] = [self._phrase_postings("exact", words)]
            if node.field in (None, "title"):
                parts["title"] = [self._phrase_postings("title_x", words)]
            if node.field == "author":
                return self._and(tuple(Word(w, "author") for w in words), True, terms)
            scored = self._concept(parts)
        scored.score = (scored.score * self.p.phrase_boost).astype(np.float32)
        scored.rec_scores = (scored.rec_scores * self.p.phrase_boost).astype(np.float32)
        return scored

    def _phrase_postings(self, field: str, words: list[str]):
        """Records where ``words`` occur in sequence, with the count of occurrences.

        Common words hold their place in the sequence but are not looked up:
        "cap and trade" is cap, any word, trade (as in engines that drop
        stopwords, Lucene's among them). Reading the positions of "and" on
        every page cost 60 ms at 100,000 pages.
        """
        from ..index import Postings

        placed = [(k, w) for k, w in enumerate(words) if not analysis.is_stopword(w, self.langs)]
        if not placed:
            placed = list(enumerate(words))
        # The position tables carry the record numbers too: no separate
        # postings read (that was a third of a phrase's cost).
        tables = []
        for k, w in placed:
            table = self.snap.positions(field, w)
            if not len(table):
                return Postings(*_NO_RECS)
            tables.append((k, table))  # the table is the key of decodings kept
        tables.sort(key=lambda kt: len(kt[1]))
        cand = reduce(_intersect_sorted, (t.ids for _, t in tables))
        if not len(cand):
            return Postings(*_NO_RECS)
        # Every candidate's positions at once: key = candidate << 32 | (position - k)
        # for the k-th word; the phrase occurs where all words share a key.
        # Keys come out ascending (candidates, then positions, ascending).
        keys = None
        kept = getattr(self._local, "decoded", None)
        for k, table in tables:
            owner, pos = table.decode(np.searchsorted(table.ids, cand), kept)
            kk = (owner << 32) | (pos - k + len(words))
            keys = kk if keys is None else _intersect_sorted(keys, kk)
            if not len(keys):
                return Postings(*_NO_RECS)
        counts = np.bincount(keys >> 32, minlength=len(cand))
        found = counts > 0
        return Postings(cand[found].astype(np.int32), counts[found].astype(np.float32))

    def _wildcard(self, node: Wildcard, terms: Terms) -> Scored:
        pattern = Pattern(analysis.fold(node.pattern))
        found = []
        for i, t in enumerate(self.snap.expand_prefix("exact", pattern.prefix, limit=5000)):
            if not i % 256:
                budget.check()
            if pattern.matches(t):
                found.append(t)
                if len(found) == self.p.max_expansions:
                    break
        terms.exacts.update(found)
        parts = {}
        if node.field in (None, "content"):
            parts["content"] = [self.snap.postings("exact", t) for t in found]
        if node.field in (None, "title"):
            parts["title"] = [self.snap.postings("title_x", t) for t in found]
        return self._concept(parts)

    # -- scoring -----------------------------------------------------------

    def _concept(self, parts: dict) -> Scored:
        """BM25F of one concept from its postings in each field."""
        n = self.n
        snap = self.snap
        tfw = np.zeros(n, dtype=np.float32)
        mask = np.zeros(n, dtype=bool)
        title_tf = None
        page_ids, page_tf = [], []
        for fname, plist in parts.items():
            plist = [p for p in plist if len(p)]
            if not plist:
                continue
            ids = np.concatenate([p.ids for p in plist]) if len(plist) > 1 else plist[0].ids
            tf = np.concatenate([p.tf for p in plist]) if len(plist) > 1 else plist[0].tf
            if fname == "content":
                rows = snap.page_doc[ids]
                page_ids.append(ids)
                page_tf.append(tf)
            else:
                rows = snap.record_row[ids]
            ok = rows >= 0
            if not ok.all():
                rows, tf = rows[ok], tf[ok]
            dtf = np.bincount(rows, weights=tf, minlength=n).astype(np.float32)
            mask |= dtf > 0
            tfw += self.weight[fname] * dtf / self.norm[fname]
            if fname == "title":
                title_tf = dtf / self.norm["title"]
        df = int(mask.sum())
        if df == 0:
            return self._empty()
        idf = self._idf(df)
        k1 = self.p.k1
        score = np.where(mask, idf * tfw * (k1 + 1) / (k1 + tfw), 0).astype(np.float32)
        if title_tf is not None and self.p.title_bonus:
            # In BM25F a long text saturates the combined count, so a title
            # match barely moves a report that repeats the words on 50 pages.
            # The title, which says what a document is about, also scores
            # on its own.
            score += (self.p.title_bonus * idf * title_tf * (k1 + 1) / (k1 + title_tf)).astype(np.float32)
        if page_ids:
            ids = np.concatenate(page_ids) if len(page_ids) > 1 else page_ids[0]
            tf = np.concatenate(page_tf) if len(page_tf) > 1 else page_tf[0]
            ps = (idf * tf * (k1 + 1) / (tf + k1 * self.page_norm[ids])).astype(np.float32)
        else:
            ids, ps = _NO_RECS
        return Scored(mask, score, ids, ps, idf)

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _synonyms(self, kids: list[Scored]) -> Scored:
        """A term and its glossary alternatives: the best of them counts.

        An alternative is scored with the idf of the whole group, not its
        own: a German synonym found only in the two German documents is not
        rarer than the concept it stands for, and must not outrank the
        documents that use the words typed.
        """
        group_idf = self._idf(int(np.logical_or.reduce([k.mask for k in kids]).sum()))
        first, rest = kids[0], kids[1:]
        factors = [
            self.p.synonym_weight * (min(1.0, group_idf / k.idf) if k.idf else 1.0) for k in rest
        ]
        return _dismax(first, list(zip(rest, factors)))

    def _filter_mask(self, node: Filter) -> np.ndarray:
        facet = FACETS[node.facet]
        column = self.table.columns[node.facet]
        value = resolve_value(facet, column, node.value)
        return column.mask([value], self.n)

    def _all(self) -> Scored:
        return Scored(np.ones(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32), *_NO_RECS)

    def _empty(self) -> Scored:
        return Scored(np.zeros(self.n, dtype=bool), np.zeros(self.n, dtype=np.float32), *_NO_RECS)

    def _constant(self, mask: np.ndarray) -> Scored:
        return Scored(mask, np.zeros(self.n, dtype=np.float32), *_NO_RECS)

    # -- pages -------------------------------------------------------------

    def page_scores(self, scored: Scored) -> tuple[np.ndarray, np.ndarray]:
        """Matching page records and their summed scores (records unique)."""
        if scored.pages is None:
            ids = scored.rec_ids
            if not len(ids):
                scored.pages = _NO_RECS
            elif len(ids) == 1 or bool((ids[1:] > ids[:-1]).all()):
                # One posting list (ascending, no repeats): nothing to sum.
                keep = scored.rec_scores != 0
                scored.pages = (ids[keep].astype(np.int32), scored.rec_scores[keep].astype(np.float32))
            else:
                # A dense sum over every record beats sorting the ids (np.unique).
                dense = np.bincount(scored.rec_ids, weights=scored.rec_scores, minlength=self.snap.n_records)
                recs = np.flatnonzero(dense).astype(np.int32)
                scored.pages = (recs, dense[recs].astype(np.float32))
        return scored.pages

    def best_page(self, scored: Scored) -> np.ndarray:
        """Per document, the score of its best page (0 when none)."""
        best = np.zeros(self.n, dtype=np.float32)
        recs, sums = self.page_scores(scored)
        if len(recs):
            np.maximum.at(best, self.snap.page_doc[recs], sums)
        return best


def _norm(lengths: np.ndarray, b: float) -> np.ndarray:
    present = lengths[lengths > 0]
    avg = float(present.mean()) if len(present) else 1.0
    return (1 - b + b * lengths / max(avg, 1e-9)).astype(np.float32).clip(min=1e-3)


def _sum(kids: list[Scored], *, any_of: bool) -> Scored:
    if len(kids) == 1:
        k = kids[0]
        return Scored(k.mask.copy(), k.score.copy(), k.rec_ids, k.rec_scores)
    mask = reduce(np.logical_or if any_of else np.logical_and, (k.mask for k in kids))
    score = reduce(np.add, (k.score for k in kids))
    if not any_of:
        score = np.where(mask, score, 0)
    recs = [k.rec_ids for k in kids if len(k.rec_ids)]
    rscores = [k.rec_scores for k in kids if len(k.rec_ids)]
    rec_ids = np.concatenate(recs) if recs else _NO_RECS[0]
    rec_scores = np.concatenate(rscores) if rscores else _NO_RECS[1]
    return Scored(mask, score.astype(np.float32), rec_ids, rec_scores)


def _intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both of two ascending arrays without repeats."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    if len(b) < 16 * len(a):
        # Alike in size: one merge of the two sorted runs (a stable sort
        # finds them), then neighbours that are equal.
        both = np.concatenate((a, b))
        both.sort(kind="stable")
        return both[:-1][both[1:] == both[:-1]]
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return a[b[at] == a]


def _dismax(first: Scored, rest: list[tuple[Scored, float]]) -> Scored:
    """The best of several scorings of one concept, each with a weight."""
    mask = reduce(np.logical_or, [first.mask] + [k.mask for k, _ in rest])
    score = first.score.copy()
    for k, w in rest:
        score = np.maximum(score, k.score * w)
    rec_ids = np.concatenate([first.rec_ids] + [k.rec_ids for k, _ in rest])
    rec_scores = np.concatenate([first.rec_scores] + [k.rec_scores * w for k, w in rest])
    return Scored(mask, score.astype(np.float32), rec_ids, rec_scores.astype(np.float32))
