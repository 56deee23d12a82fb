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
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from typing import Iterator

import numpy as np

from ..text import analysis
from ..text.stems import exception_forms
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
    near_weight: float = 0.5  # proximity: a pair of query words standing together, against one word's page score
    near_window: int = 1  # ... within this many positions (1: adjacent, either order)
    near_docs: int = 20  # proximity is looked up on the pages of this many best documents
    # On the pages of the near_docs best documents, a page's coverage is read
    # in its best window of span_window positions (about a paragraph; 0:
    # the whole page, page_coord_power), its score scaled by
    # (span_floor + (1 - span_floor) * share) ** span_power: the floor keeps
    # a page whose words matched by stem alone (no positions) in the running.
    span_window: int = 50
    span_power: float = 0.5
    span_floor: float = 0.5
    page_idf: float = 1.0  # page scores use the idf over pages (1) or over documents (0)
    page_coord_power: float = 0.5  # a page's score scaled by the share of the query's words it holds
    coord_power: float = 0.0  # scale by the idf-weighted share of the query's words matched, to this power
    msm_from: int = 3  # a query of this many loose words or more needs only most of them
    msm_share: float = 0.6  # ... this share of them (rounded up): 5 of 7
    enough: int = 50  # need fewer words when fewer documents than this have the share
    min_share: float = 0.0  # relaxing never requires fewer than this share of the words (0: down to one)
    msm_idf: float = 0.0  # PROTOTYPE: >0: need this share of the query's idf mass instead of a count
    max_expansions: int = 200  # wildcard terms
    stem_only_weight: float = 0.7  # an occurrence matching only by stem, against the form typed (1.0)
    nav_weight: float = 0.5  # a page of contents, glossary or references, against a page of text (search.text.pagekind)


@dataclass
class Scored:
    mask: np.ndarray  # bool per document row
    score: np.ndarray  # float32 per document row
    rec_ids: np.ndarray  # page records that matched (int32)
    rec_scores: np.ndarray  # their score contributions (float32)
    idf: float | None = None  # a single concept's idf (scores are proportional to it)
    pages: tuple[np.ndarray, np.ndarray] | None = None  # page_scores(), computed once
    # The query's concepts (loose words) as (idf, page records matching it):
    # page_scores() weighs a page by the share of them it holds.
    concepts: tuple[tuple[float, np.ndarray], ...] = ()
    # Neighbouring words of the query as (forms, forms, weight): pages where
    # they stand within a few words of each other score more (page_scores()).
    near: tuple[tuple[tuple[str, ...], tuple[str, ...], float], ...] = ()
    # The query's typed words as (forms, weight), a concept's idf shared by
    # its words: pages where most of them stand in one window score more.
    spread: tuple[tuple[tuple[str, ...], float], ...] = ()

    def nbytes(self) -> int:
        recs = self.rec_ids.nbytes + self.rec_scores.nbytes
        # page_scores() may add up to as much again after the entry is cached
        extra = sum(a.nbytes for a in self.pages) if self.pages else recs
        return self.mask.nbytes + self.score.nbytes + recs + extra + 200

    def masked(self, keep: np.ndarray) -> "Scored":
        return Scored(self.mask & keep, np.where(keep, self.score, 0).astype(np.float32), self.rec_ids, self.rec_scores)


_NO_RECS = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
#: Where a positional field's phrases are counted whole (search.index.schema).
_PHRASE_FIELD = {"exact": "phrases", "title_x": "title_ph"}


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
    lang_stems: dict[str, set[str]] = field(default_factory=dict)  # the stems that count on a page of each language

    def key(self) -> tuple:
        """What the terms mark, hashable (a passage's cache key). Made once
        and shared: each passage cached with its own copy held 1.7 KB of
        frozensets, more than the passage. Made again if the sets grew
        (they only grow, while the query is evaluated)."""
        sizes = (len(self.stems), len(self.exacts), len(self.phrases), sum(len(s) for s in self.lang_stems.values()))
        memo = self.__dict__.get("_key")
        if memo is None or memo[0] != sizes:
            key = (frozenset(self.stems), frozenset(self.exacts), frozenset(self.phrases),
                   frozenset((lang, frozenset(s)) for lang, s in self.lang_stems.items()))
            memo = self.__dict__["_key"] = (sizes, key)
        return memo[1]

    def stems_for(self, lang: str) -> set[str]:
        """The stems to mark on a page in ``lang`` (the others were made by
        another language's stemmer and do not match there)."""
        return self.lang_stems.get(lang, set()) if self.lang_stems else self.stems


class Evaluator:
    """Evaluates query trees on one snapshot; leaf results are cached."""

    def __init__(self, snap: Snapshot, table: DocTable, params: Params | None = None):
        self.snap = snap
        self.table = table
        self.p = params or Params()
        self.n = snap.n_docs
        self.langs = sorted({info.get("language") or "und" for info in snap.infos}) or ["en"]
        self.lang_codes = {lang: i for i, lang in enumerate(self.langs)}
        self.row_lang = np.array([self.lang_codes[info.get("language") or "und"] for info in snap.infos] or [0], dtype=np.int16)
        self._plans: dict[str, list] = {}
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
        self.page_nav = snap.page_nav
        self._leaf_cache = SizedLRU(snap.cache_budgets().leaves, lambda v: v[0].nbytes(), oversize=False)  # a search keeps its own (request)
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
            if isinstance(node, Phrase) and not exact and not (scored.mask & scope).any():
                scored = self._phrase_as_words(node, terms, notes) or scored
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
            if node.synonyms:
                # The typed-form bonus is for the words typed: an alternative
                # is scored on its stem alone (one postings read fewer each).
                kids = [self._eval(node.children[0], exact, terms)]
                self._local.alternative = True
                try:
                    kids += [self._eval(c, exact, terms) for c in node.children[1:]]
                finally:
                    self._local.alternative = False
                return self._synonyms(kids, node.weights)
            kids = [self._eval(c, exact, terms) for c in node.children]
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
        n = len(soft)
        idfs = np.array([k.idf if k.idf else self._idf(max(1, int(k.mask.sum()))) for k in soft], dtype=np.float32)
        matched = np.zeros(self.n, dtype=np.int32)
        covered = np.zeros(self.n, dtype=np.float32)
        for k, w in zip(soft, idfs):
            matched += k.mask
            covered += w * k.mask
        totals = np.bincount(matched[base], minlength=n + 1)  # docs with exactly k words
        at_least = np.cumsum(totals[::-1])[::-1]  # docs with >= k words
        # Minimum should match: a long query needs most of its words, not
        # all (a report lacking one word of seven is not dropped), and
        # fewer still when that finds too few documents.
        need = n if n < self.p.msm_from else max(2, math.ceil(n * self.p.msm_share))
        enough = 1 if n <= 2 else self.p.enough
        floor = max(1, math.ceil(n * self.p.min_share)) if self.p.min_share else 1
        while need > floor and at_least[need] < enough:
            need -= 1
        mask = matched >= need
        if self.p.msm_idf and n >= self.p.msm_from:
            share = self.p.msm_idf
            total = float(idfs.sum())
            while True:
                mask = covered >= share * total - 1e-6
                if share <= 0.05 or int((mask & base).sum()) >= enough:
                    break
                share *= 0.8
            need = int(matched[mask].min()) if mask.any() else 1
        kids = soft + ([hard] if hard is not None else [])
        out = _sum(kids, any_of=True)
        out.mask = mask if hard is None else mask & hard.mask
        if need < n and self.p.coord_power:
            # Coordination: documents holding more of the query (the rarer
            # words weighing more) rank higher.
            coord = (covered / float(idfs.sum())) ** self.p.coord_power
            out.score = (out.score * coord).astype(np.float32)
        if need < n:
            few = int(at_least[n])
            if n >= self.p.msm_from and need == max(2, math.ceil(n * self.p.msm_share)):
                notes.append(f"Matched at least {need} of {n} words ({few} document{'s' if few != 1 else ''} with all of them first).")
            else:
                have = "No document has" if few == 0 else f"Only {few} document{'s' if few > 1 else ''} {'have' if few > 1 else 'has'}"
                notes.append(f"{have} all {n} words; showing documents with {'any' if need == 1 else f'at least {need}'} of them, best matches first.")
        out.score = np.where(out.mask, out.score, 0).astype(np.float32)
        out.concepts = tuple((float(w), k.rec_ids) for k, w in zip(soft, idfs))
        out.near = self._near_pairs(soft_nodes, [float(w) for w in idfs])
        out.spread = self._spread_words(soft_nodes, [float(w) for w in idfs])
        return self._with_bonus(out, bonus)

    def _near_pairs(self, nodes: list[Node], idfs: list[float]) -> tuple:
        """Neighbouring typed words (common words left out) with their forms."""
        seq: list[tuple[str, float]] = []
        for node, w in zip(nodes, idfs):
            if isinstance(node, Or) and node.synonyms:
                node = node.children[0]
            words = [node] if isinstance(node, Word) else list(node.children) if isinstance(node, And) else []
            seq += [(c.text, w) for c in words if isinstance(c, Word)]
        out = []
        for (a, wa), (b, wb) in zip(seq, seq[1:]):
            if analysis.CJK_RE.search(a) or analysis.CJK_RE.search(b) or a == b:
                continue
            out.append((_forms(a), _forms(b), (wa + wb) / 2))
        return tuple(out)

    def _spread_words(self, nodes: list[Node], idfs: list[float]) -> tuple:
        """The typed words with positions (not CJK) and their share of
        their concept's idf ("carbon price" as one concept: half each)."""
        out: dict[tuple[str, ...], float] = {}
        for node, w in zip(nodes, idfs):
            if isinstance(node, Or) and node.synonyms:
                node = node.children[0]
            words = [node] if isinstance(node, Word) else list(node.children) if isinstance(node, And) else []
            words = [c.text for c in words if isinstance(c, Word) and not analysis.CJK_RE.search(c.text)]
            for t in words:
                forms = _forms(t)
                out[forms] = out.get(forms, 0.0) + w / len(words)
        return tuple(out.items())

    def _phrase_as_words(self, node: Phrase, terms: Terms, notes: list[str]) -> Scored | None:
        """A quoted phrase found nowhere, searched as its words, every one
        required in any form (stemmed), ranked where they stand together:
        "nationales Emissionshandelssystem" finds "nationale
        Emissionshandelssystem" and "nationalen ..." instead of nothing."""
        words = [w for w in analysis.words(node.text) if not analysis.is_stopword(w, self.langs)]
        if len(words) < 2 or any(analysis.CJK_RE.search(w) for w in words):
            return self._phrase_equivalents(node, None, terms, notes)
        kids = [self._eval(Word(w, node.field), False, terms) for w in words]
        out = _sum(kids, any_of=False)
        idfs = [k.idf or 0.0 for k in kids]
        out.concepts = tuple((w, k.rec_ids) for k, w in zip(kids, idfs))
        out.near = self._near_pairs([Word(w) for w in words], idfs)
        if node.fallback is not None:
            return self._phrase_equivalents(node, out, terms, notes)
        if not out.mask.any():
            return None
        notes.append(f"No document has the exact phrase “{node.text}”: showing documents with all its words in any form, "
                     "those where they stand together first.")
        return out

    def _phrase_equivalents(self, node: Phrase, words: Scored | None, terms: Terms, notes: list[str]) -> Scored | None:
        """A quoted glossary term found nowhere as typed: its words in any
        form (``words``) or its glossary equivalents, weighed as an expansion is."""
        if node.fallback is None:
            return None
        self._local.alternative = True
        try:
            alts = [self._eval(c, False, terms) for c in node.fallback.children[1:]]
        finally:
            self._local.alternative = False
        first = words if words is not None else self._eval(node, False, terms)
        out = self._synonyms([first, *alts], node.fallback.weights)
        if not out.mask.any():
            return None
        out.concepts, out.near = first.concepts, first.near  # where the words typed stand together
        shown = ", ".join(f"“{c.text}”" for c in node.fallback.children[1:4] if isinstance(c, (Word, Phrase)))
        notes.append(f"No document has the exact phrase “{node.text}”: showing documents with its words in any form "
                     f"or its glossary equivalents ({shown}), those with its words standing together first.")
        return out

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
        return Scored(out.mask, score, np.concatenate(recs), np.concatenate(rscores).astype(np.float32), concepts=out.concepts,
                      near=out.near, spread=out.spread)

    # -- leaves ------------------------------------------------------------

    @contextmanager
    def request(self) -> Iterator[None]:
        """Keep the leaves evaluated until the request is answered: its
        pages are then matched word by word (matching_records) from the
        same leaves. At 1,000,000 pages a long question's leaves overflow
        the leaf cache, and were evaluated a second time for the pages."""
        if getattr(self._local, "memo", None) is not None:
            yield  # a request inside a request (a suggestion's plan)
            return
        self._local.memo = {}
        try:
            yield
        finally:
            self._local.memo = None

    def _leaf(self, node: Word | Phrase | Wildcard, exact: bool, terms: Terms) -> Scored:
        # Only a word reads the typed-form bonus, which alternatives skip.
        key = (node, exact, isinstance(node, Word) and getattr(self._local, "alternative", False))
        memo = getattr(self._local, "memo", None)
        cached = memo.get(key) if memo is not None else None
        if cached is None:
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
        if memo is not None:
            memo[key] = cached
        scored, t = cached
        terms.stems |= t.stems
        terms.exacts |= t.exacts
        terms.phrases |= t.phrases
        for lang, stems in t.lang_stems.items():
            terms.lang_stems.setdefault(lang, set()).update(stems)
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
        stop = not exact and analysis.is_stopword(w, self.langs)
        want = {node.field} if node.field else {"content", "title", "meta"}
        terms.exacts.add(f)
        if exact or stop:
            fields: dict[str, list] = {}
            if "content" in want:
                fields["content"] = [self.snap.postings("exact", f)]
            if "title" in want:
                fields["title"] = [self.snap.postings("title_x", f)]
            if "meta" in want:
                fields["meta"] = [self.snap.postings("meta", f)]
            if "author" in want:
                fields["author"] = [self.snap.postings("author", f)]
            return self._concept(fields)
        plan = self._stem_plan(w)
        beta = 1.0 if getattr(self._local, "alternative", False) else self.p.stem_only_weight
        fields = {}
        for name, stem_field, exact_field in (("content", "content", "exact"), ("title", "title", "title_x"),
                                               ("meta", "meta", "meta"), ("author", "author", "author")):
            if name not in want:
                continue
            lists = []
            for kind, term, langs in plan:
                fld = stem_field if kind == "stem" or name in ("meta", "author") else exact_field
                lists.append(self._in_langs(self.snap.postings(fld, term), name, langs, beta if kind == "stem" and beta < 1 and name in ("content", "title") else 1.0))
            if beta < 1 and name in ("content", "title") and any(kind == "stem" for kind, _, _ in plan):
                # The form typed counts fully, a stem-only match less.
                lists.append(self._in_langs(self.snap.postings(exact_field, f), name, None, 1.0 - beta))
            fields[name] = lists
        for kind, term, langs in plan:
            if kind == "stem":
                terms.stems.update((term,))
                for lang in langs or self.langs:
                    terms.lang_stems.setdefault(lang, set()).add(term)
            else:
                terms.exacts.add(term)
        return self._concept(fields)

    def _stem_plan(self, word: str) -> list[tuple[str, str, frozenset[str] | None]]:
        """How a loose word is looked up: ``("stem", stem, langs)`` for the
        stemmed field, one per stem, matching only documents in the languages
        whose stemmer made it (a German stem of "dividend" must not find
        English "divided"), or ``("form", form, langs)`` for the exact forms of a
        stem exception. ``langs`` None: every language."""
        cached = self._plans.get(word)
        if cached is not None:
            return cached
        by_term: dict[tuple[str, str], set[str]] = {}
        for lang in self.langs:
            forms = exception_forms(word, lang)
            if forms:
                for form in forms:
                    by_term.setdefault(("form", form), set()).add(lang)
            else:
                by_term.setdefault(("stem", analysis.stemmer(lang)(word)), set()).add(lang)
        every = set(self.langs)
        plan = [(k, t, None if langs == every else frozenset(langs)) for (k, t), langs in by_term.items()]
        if len(self._plans) > 10_000:
            self._plans.clear()
        self._plans[word] = plan
        return plan

    def _in_langs(self, postings, field: str, langs: frozenset[str] | None, weight: float):
        """Postings kept to documents of ``langs`` (None: all), counts scaled."""
        from ..index import Postings

        ids, tf = postings.ids, postings.tf
        if langs is not None and len(ids):
            allowed = np.zeros(len(self.lang_codes), dtype=bool)
            allowed[[self.lang_codes[l] for l in langs]] = True
            rows = self.snap.page_doc[ids] if field == "content" else self.snap.record_row[ids]
            keep = (rows >= 0) & allowed[self.row_lang[np.maximum(rows, 0)]]
            if not keep.all():
                ids, tf = ids[keep], tf[keep]
        if weight != 1.0:
            tf = (tf * weight).astype(np.float32)
        return Postings(ids, tf)

    def _phrase(self, node: Phrase, terms: Terms) -> Scored:
        words = analysis.exact_terms(node.text)
        if not words:
            return self._empty()
        if len(words) == 1 and len(words[0]) == 1 and analysis.is_cjk(words[0]):
            return self._cjk_char(words[0], node.field, terms)
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
        # A phrase of the store's vocabulary was counted whole at ingest,
        # with the same words compared: one posting list, no positions.
        compared = {k for k, _ in placed}
        key = self.snap.phrases.key(words, (k for k in range(len(words)) if k not in compared))
        if key is not None:
            return self.snap.postings(_PHRASE_FIELD[field], key)
        if not placed:
            placed = list(enumerate(words))
        # The position tables carry the record numbers too: no separate
        # postings read (that was a third of a phrase's cost). The rarest
        # word's table is read whole; the others only where it occurs
        # (posting blocks elsewhere are skipped: "market" in "market
        # stability reserve" is on a third of the pages at 1,000,000).
        placed.sort(key=lambda kw: self.snap.doc_frequency(field, kw[1]))
        tables = []
        cand = None
        for k, w in placed:
            if cand is None:
                table = self.snap.positions(field, w)
            else:
                table = self.snap.positions_within(field, w, cand)
            if not len(table):
                return Postings(*_NO_RECS)
            cand = table.ids if cand is None else _intersect_sorted(cand, table.ids)
            if not len(cand):
                return Postings(*_NO_RECS)
            tables.append((k, table))  # the table is the key of decodings kept
        # Candidates are compared about PHRASE_CHUNK_BYTES of encoded
        # positions at a time: a Chinese notice's title as a query at
        # 1,000,000 pages compared a common bigram's positions on 26,000
        # pages at once, which took 43 MB.
        kept = getattr(self._local, "decoded", None)
        where = [(k, table, np.searchsorted(table.ids, cand)) for k, table in tables]  # each candidate in each table
        sizes = sum(table.lens[idx] for _, table, idx in where)
        total = int(sizes.sum())
        if total <= PHRASE_CHUNK_BYTES:
            counts = _phrase_counts(where, len(words), kept, True)
        else:
            cuts = np.searchsorted(np.cumsum(sizes), np.arange(PHRASE_CHUNK_BYTES, total, PHRASE_CHUNK_BYTES))
            edges = np.unique(np.concatenate(([0], cuts, [len(cand)])))
            counts = np.concatenate([
                _phrase_counts([(k, table, idx[a:b]) for k, table, idx in where], len(words), None, False)
                for a, b in zip(edges[:-1].tolist(), edges[1:].tolist())
            ])
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

    def _cjk_char(self, ch: str, field: str | None, terms: Terms) -> Scored:
        """A single CJK character (碳): the index holds bigrams, and the
        character alone only where it stands alone, so it is found as the
        first character of any bigram too (a unigram fallback, scored like
        a wildcard ``碳*``)."""
        parts = {}
        for name, fld in (("content", "exact"), ("title", "title_x")):
            if field not in (None, name):
                continue
            found = [t for t in self.snap.expand_prefix(fld, ch, limit=5000) if len(t) <= 2][: self.p.max_expansions]
            terms.exacts.add(ch)  # marked as the character itself, not the bigrams it starts
            parts[name] = [self.snap.postings(fld, t) for t in found]
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
            if len(plist) > 1 and fname == "content":
                # One entry per page: a stem's and the typed form's counts add up
                # before saturation.
                ids, tf = _sum_by_id(ids, tf)
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
            pidf = idf
            if self.p.page_idf:
                # Pages compete with the pages of every document: a word in
                # every report but on few of their pages tells pages apart.
                pidf = self._page_idf(len(ids))
            ps = (pidf * tf * (k1 + 1) / (tf + k1 * self.page_norm[ids])).astype(np.float32)
        else:
            ids, ps = _NO_RECS
        return Scored(mask, score, ids, ps, idf)

    def _page_idf(self, df: int) -> float:
        n = max(self.snap.n_pages, df)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def _synonyms(self, kids: list[Scored], weights: tuple[float, ...] = ()) -> Scored:
        """A term and its glossary alternatives: the best of them counts.

        An alternative is scored with the idf of the whole group, not its
        own: a German synonym found only in the two German documents is not
        rarer than the concept it stands for, and must not outrank the
        documents that use the words typed.
        """
        group_idf = self._idf(int(np.logical_or.reduce([k.mask for k in kids]).sum()))
        first, rest = kids[0], kids[1:]
        # Alternatives in another language or script weigh less again than
        # those in the language typed (weights from the glossary rewrite).
        extra = weights[1:] if len(weights) == len(kids) else (1.0,) * len(rest)
        factors = [
            self.p.synonym_weight * x * (min(1.0, group_idf / k.idf) if k.idf else 1.0) for k, x in zip(rest, extra)
        ]
        return _dismax(first, list(zip(rest, factors)), self.snap.n_records)

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

    def matching_records(self, node: Node, exact: bool, rows) -> dict[int, np.ndarray]:
        """Per document row, its page records that match the query itself,
        read page by page: "free allocation cement" needs all three words on
        the page, not any one of them.

        A word a document has only in its title or metadata, or not at all
        (a relaxed query), cannot be on its pages and is left out of its
        test; filters and NOT concern documents, not pages. A row absent from
        the result has no part of the query in its text.
        """
        rows = np.asarray(rows, dtype=np.int64)
        self._local.decoded = {}
        try:
            return self._page_sets(node, exact, rows) or {}
        finally:
            self._local.decoded = {}

    def _page_sets(self, node: Node, exact: bool, rows: np.ndarray) -> dict[int, np.ndarray] | None:
        if isinstance(node, (Word, Phrase, Wildcard)):
            ids = self._leaf(node, exact, Terms()).rec_ids
            if not len(ids):
                return {}
            owner = self.snap.page_doc[ids]
            keep = np.isin(owner, rows)
            ids, owner = ids[keep], owner[keep]
            return {int(r): np.unique(ids[owner == r]) for r in np.unique(owner).tolist()}
        if isinstance(node, Compound):
            words, _phrase = self._compound_parts(node)
            return _combine_pages([self._page_sets(w, exact, rows) for w in words], any_of=False)
        if isinstance(node, And) and node.implicit:
            return self._implicit_page_sets(node, exact, rows)
        if isinstance(node, And):
            kids = [c for c in node.children if not isinstance(c, Not)]
            return _combine_pages([self._page_sets(c, exact, rows) for c in kids], any_of=False)
        if isinstance(node, Or) and node.synonyms:
            # Alternatives as evaluate() read them (the same cached leaves).
            parts = [self._page_sets(node.children[0], exact, rows)]
            self._local.alternative = True
            try:
                parts += [self._page_sets(c, exact, rows) for c in node.children[1:]]
            finally:
                self._local.alternative = False
            return _combine_pages(parts, any_of=True)
        if isinstance(node, Or):
            return _combine_pages([self._page_sets(c, exact, rows) for c in node.children], any_of=True)
        return None  # filters, years, NOT, match-all: about documents, not pages

    def _implicit_page_sets(self, node: And, exact: bool, rows: np.ndarray) -> dict[int, np.ndarray] | None:
        """Words typed one after another, page by page, with the documents'
        minimum should match: a page of a long question's answer holds most
        of the words its document has (5 of 7), not every one."""
        soft: list[Node] = []
        hard: list[Node] = []
        for c in node.children:
            if isinstance(c, Not):
                continue
            if isinstance(c, Compound):
                soft.extend(self._compound_parts(c)[0])
            elif (isinstance(c, (Word, Wildcard)) and c.field is None) or (isinstance(c, Or) and c.synonyms):
                soft.append(c)
            else:
                hard.append(c)
        n = len(soft)
        if n < self.p.msm_from:
            return _combine_pages([self._page_sets(c, exact, rows) for c in soft + hard], any_of=False)
        sets = [self._page_sets(c, exact, rows) for c in soft]
        out: dict[int, np.ndarray] = {}
        for row in {r for part in sets if part for r in part}:
            parts = [part[row] for part in sets if part and row in part]
            need = max(1, math.ceil(len(parts) * self.p.msm_share))
            ids, counts = np.unique(np.concatenate(parts), return_counts=True)
            out[row] = ids[counts >= need]
        return _combine_pages([out] + [self._page_sets(c, exact, rows) for c in hard], any_of=False)

    def page_scores(self, scored: Scored) -> tuple[np.ndarray, np.ndarray]:
        """Matching page records and their summed scores (records unique)."""
        if scored.pages is None:
            ids = scored.rec_ids
            cuts = _run_starts(ids)
            if not len(ids):
                scored.pages = _NO_RECS
            elif not len(cuts):
                # One posting list (ascending, no repeats): nothing to sum.
                keep = scored.rec_scores != 0
                scored.pages = (ids[keep].astype(np.int32), scored.rec_scores[keep].astype(np.float32))
            else:
                # A dense sum over every record beats sorting the ids (np.unique).
                dense = _dense_sum(ids, scored.rec_scores, self.snap.n_records, cuts)
                recs = np.flatnonzero(dense).astype(np.int32)
                scored.pages = (recs, dense[recs].astype(np.float32))
                del dense  # 8 MB at 1,000,000 pages: gone before the coverage's array
            recs, sums = scored.pages
            factor = np.ones(len(recs), dtype=np.float32)
            if len(scored.concepts) > 1 and len(recs) and self.p.page_coord_power:
                # A page that answers the question holds most of its words:
                # weigh each page by the (idf-weighted) share it holds, so
                # one word repeated does not make the best page.
                cov = np.zeros(self.snap.n_records, dtype=np.float32)
                total = 0.0
                for w, ids in scored.concepts:
                    cov[ids] += w
                    total += w
                if total:
                    factor = (cov[recs] / total) ** self.p.page_coord_power
            bonus = np.zeros(len(recs), dtype=np.float32)
            if len(recs) and ((scored.near and self.p.near_weight) or (len(scored.spread) > 1 and self.p.span_window)):
                self._with_proximity(scored, recs, factor, bonus)
            scored.pages = (recs, (sums * factor + bonus).astype(np.float32))
            if self.page_nav is not None and self.p.nav_weight != 1.0 and len(scored.pages[0]):
                # Contents, glossary and reference pages hold every word of a
                # question apart; the page that answers holds them in its text.
                recs, sums = scored.pages
                scored.pages = (recs, np.where(self.page_nav[recs], sums * self.p.nav_weight, sums).astype(np.float32))
        return scored.pages

    def _with_proximity(self, scored: Scored, recs: np.ndarray, factor: np.ndarray, bonus: np.ndarray) -> None:
        """Proximity on the pages of the best documents (positions cost, and
        only those pages are shown), in place: the page's coverage
        ``factor`` read in its best window of the question's words
        (``span_window`` positions) instead of the whole page, and a
        ``bonus`` where neighbouring query words stand together (within
        ``near_window`` positions, either order)."""
        rows = np.flatnonzero(scored.mask)
        if len(rows) > self.p.near_docs:
            rows = rows[np.argpartition(-scored.score[rows], self.p.near_docs - 1)[: self.p.near_docs]]
        top = np.zeros(self.n, dtype=bool)
        top[rows] = True
        sel = np.flatnonzero(top[self.snap.page_doc[recs]])
        if not len(sel):
            return
        cand = recs[sel]  # ascending
        k1 = self.p.k1
        keys: dict[tuple[str, ...], np.ndarray] = {}

        def positions(forms: tuple[str, ...]) -> np.ndarray:
            if forms not in keys:
                keys[forms] = self._positions_of(cand, forms)
            return keys[forms]

        if len(scored.spread) > 1 and self.p.span_window:
            share = self._window_share(cand, [(positions(f), w) for f, w in scored.spread], self.p.span_window)
            floor = self.p.span_floor
            factor[sel] = (floor + (1 - floor) * share) ** self.p.span_power
        if self.p.near_weight:
            near = np.zeros(len(cand), dtype=np.float32)
            for forms_a, forms_b, weight in scored.near:
                count = self._near_counts(positions(forms_a), positions(forms_b), len(cand), self.p.near_window)
                near += weight * count * (k1 + 1) / (count + k1)
            bonus[sel] += self.p.near_weight * near

    @staticmethod
    def _window_share(cand: np.ndarray, words: list[tuple[np.ndarray, float]], window: int) -> np.ndarray:
        """Per candidate record, the largest share of the words' weight found
        within ``window`` positions of one occurrence (the best window
        around any occurrence; 0 without one): a glossary page holds a
        question's words in separate entries, the page that answers it
        holds them together."""
        total = sum(w for _, w in words)
        best = np.zeros(len(cand), dtype=np.float32)
        if not total:
            return best
        for i, (ka, wa) in enumerate(words):
            if not len(ka):
                continue
            got = np.full(len(ka), wa, dtype=np.float32)
            for j, (kb, wb) in enumerate(words):
                if i == j or not len(kb):
                    continue
                lo = np.searchsorted(kb, ka - window, "left")
                hi = np.searchsorted(kb, ka + window, "right")
                got += wb * (hi > lo)
            np.maximum.at(best, (ka >> 32).astype(np.int64), got)
        return best / total

    def _positions_of(self, cand: np.ndarray, forms: tuple[str, ...]) -> np.ndarray:
        """Sorted keys ``candidate index << 32 | position`` of any of ``forms``."""
        kept = getattr(self._local, "decoded", None)
        parts = []
        for f in forms:
            table = self.snap.positions_within("exact", f, cand)
            if not len(table):
                continue
            idx = np.searchsorted(table.ids, cand)
            idx[idx == len(table.ids)] = 0
            present = np.flatnonzero(table.ids[idx] == cand)
            if not len(present):
                continue
            owner, pos = table.decode(idx[present], kept)
            parts.append((present[owner].astype(np.int64) << 32) | pos)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        keys = np.concatenate(parts)
        keys.sort()
        return keys

    @staticmethod
    def _near_counts(ka: np.ndarray, kb: np.ndarray, n: int, window: int) -> np.ndarray:
        """Per candidate record (of ``n``), how often a position of ``ka``
        has one of ``kb`` within ``window`` positions (keys as
        :meth:`_positions_of` makes them)."""
        if not len(ka) or not len(kb):
            return np.zeros(n, dtype=np.float32)
        lo = np.searchsorted(kb, ka - window, "left")
        hi = np.searchsorted(kb, ka + window, "right")
        hit = ka[hi > lo] >> 32
        return np.bincount(hit, minlength=n).astype(np.float32)

    def best_page(self, scored: Scored) -> np.ndarray:
        """Per document, the score of its best page (0 when none)."""
        best = np.zeros(self.n, dtype=np.float32)
        recs, sums = self.page_scores(scored)
        if len(recs):
            np.maximum.at(best, self.snap.page_doc[recs], sums)
        return best


#: Encoded positions (bytes, all words) a phrase compares at once (see
#: :meth:`Evaluator._phrase_postings`): decoded, each byte takes about 16
#: in position arrays and keys.
PHRASE_CHUNK_BYTES = 1 << 18


def _phrase_counts(where: list, n_words: int, kept: dict | None, at_once: bool) -> np.ndarray:
    """How often the phrase occurs in each candidate: ``where`` holds each
    word's place ``k``, its table and the candidates' indexes in it (the
    same candidates, ascending, for every word). The ``k``-th word's
    positions, less ``k``, become keys ``candidate << 32 | position``; the
    phrase is where all words share a key. Keys come out ascending
    (candidates, then positions)."""
    n = len(where[0][2])
    keys = None
    for k, table, idx in where:
        owner, pos = table.decode(idx, kept, at_once)
        kk = (owner.astype(np.int64) << 32) | (pos - k + n_words)
        keys = kk if keys is None else _intersect_sorted(keys, kk)
        if not len(keys):
            return np.zeros(n, dtype=np.int64)
    return np.bincount(keys >> 32, minlength=n)


def _combine_pages(parts: list[dict[int, np.ndarray] | None], *, any_of: bool) -> dict[int, np.ndarray] | None:
    """AND or OR of per-document page sets; a part that says nothing about
    a document (None, or the document absent) leaves it to the others."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    out: dict[int, np.ndarray] = {}
    for part in present:
        for row, ids in part.items():
            have = out.get(row)
            if have is None:
                out[row] = ids
            else:
                out[row] = np.union1d(have, ids) if any_of else np.intersect1d(have, ids)
    return out


def _forms(word: str) -> tuple[str, ...]:
    """A word's exact-field forms for proximity: as typed and with a plural
    -s added or taken away (the common inflection; no stemming on positions)."""
    f = analysis.fold(word)
    other = f[:-1] if f.endswith("s") and len(f) > 3 else f + "s"
    return (f, other)


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


def _sum_by_id(ids: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending unique ``ids`` and each one's summed ``values``, from
    posting lists laid end to end.

    Lists covering a good share of the records are summed over every
    record (:func:`_dense_sum`, in input order as a sort would): at
    1,000,000 pages a common word's two lists took 31 ms and 40 MB by a
    stable sort, 14 ms and 27 MB by np.bincount. Short lists over many
    records are sorted: a stable sort merges their ascending runs."""
    top = int(ids.max()) + 1 if len(ids) else 0
    if len(ids) * 16 >= top:
        sums = _dense_sum(ids, values, top)
        present = np.zeros(top, dtype=bool)
        present[ids] = True
        found = np.flatnonzero(present)
        return found.astype(ids.dtype), sums[found].astype(np.float32)
    order = np.argsort(ids, kind="stable")
    ids, values = ids[order], values[order].astype(np.float64)  # summed as np.bincount would
    first = np.flatnonzero(np.concatenate(([True], ids[1:] != ids[:-1])))
    return ids[first], np.add.reduceat(values, first).astype(np.float32)


#: Ascending runs of record numbers summed one by one at most (else in one
#: np.bincount).
_MAX_RUNS = 64


def _run_starts(ids: np.ndarray) -> np.ndarray:
    """Where a new ascending run of ``ids`` starts (after the first):
    posting lists laid end to end, or a repeat."""
    return np.flatnonzero(ids[1:] <= ids[:-1]) + 1


def _dense_sum(ids: np.ndarray, values: np.ndarray, n: int, cuts: np.ndarray | None = None) -> np.ndarray:
    """``values`` summed by record over ``n`` records, in input order, as
    ``np.bincount(ids, weights=values, minlength=n)``; ``cuts`` are
    :func:`_run_starts` when the caller has them.

    A query's page postings are its concepts' lists laid end to end, each
    ascending: each run of ascending records is added at once. np.bincount
    makes 64-bit copies of both arrays first, 47 MB for a long question's
    2,600,000 postings at 1,000,000 pages, against 14 MB run by run."""
    if cuts is None:
        cuts = _run_starts(ids)
    if len(cuts) >= _MAX_RUNS:
        return np.bincount(ids, weights=values, minlength=n)
    dense = np.zeros(n, dtype=np.float64)
    edges = [0, *cuts.tolist(), len(ids)]
    for a, b in zip(edges[:-1], edges[1:]):
        dense[ids[a:b]] += values[a:b]  # records unique within a run: no lost additions
    return dense


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


def _dismax(first: Scored, rest: list[tuple[Scored, float]], n_records: int) -> Scored:
    """The best of several scorings of one concept, each with a weight.

    On a page too the best form counts, not the sum of the forms (LULUCF
    and its long name on one page are one match): a dense array over the
    page records keeps each record's best score (a sort of the records
    cost several ms for a glossary term with 20 alternatives)."""
    mask = reduce(np.logical_or, [first.mask] + [k.mask for k, _ in rest])
    score = first.score.copy()
    for k, w in rest:
        score = np.maximum(score, k.score * w)
    if not any(len(k.rec_ids) for k, _ in rest):
        return Scored(mask, score.astype(np.float32), first.rec_ids, first.rec_scores)
    best = np.zeros(n_records, dtype=np.float32)
    for ids, scores in [(first.rec_ids, first.rec_scores)] + [(k.rec_ids, k.rec_scores * w) for k, w in rest]:
        if len(ids):
            best[ids] = np.maximum(best[ids], scores)
    rec_ids = np.flatnonzero(best).astype(np.int32)
    return Scored(mask, score.astype(np.float32), rec_ids, best[rec_ids])
