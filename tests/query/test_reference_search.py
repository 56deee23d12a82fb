"""The fast search path against Whoosh's own search, on every query of the
benchmark mix.

The engine reads whoosh-reloaded's posting blocks straight into numpy.
Two independent checks hold it to Whoosh:

* **Matching**: each query tree is evaluated with Whoosh query objects
  (``Term``, ``Phrase``, ``Or``) and ``Searcher.docs_for_query``, combined
  per document with sets; totals and every facet count must be equal.
* **Ranking**: the same searcher run on a snapshot whose postings come from
  Whoosh's public matchers (``reader.postings(...)``, ``m.weight()``,
  ``m.value()``) instead of the block decoder must return the same hits,
  scores and passages.
"""

from __future__ import annotations

from dataclasses import replace

import math
import re
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq

from search.text import analysis
from search.text.stems import exception_forms
from search.query.facets import FACETS, resolve_value
from search.index import EMPTY_POSTINGS, Postings, Snapshot
from search.index.schema import FACET_FIELDS, PositionTable
from search.model import SearchRequest
from search.query.parse import And, Compound, Filter, MatchAll, Not, Or, Phrase, Wildcard, Word, YearRange
from search.query.searcher import Searcher

ROOT = Path(__file__).resolve().parents[2]
from benchlib.queries import query_mix  # noqa: E402

EXTRA = [
    ("cap-and-trade", {}),
    ("free allocation cement", {}),
    ("what penalties apply when operators fail to surrender allowances", {}),
    ("emissions", {"jurisdiction": ["NZ"], "type": ["news"]}),
    ("carbon price", {"topic": ["allocation", "auctioning"]}),
]


class WhooshPostingsSnapshot(Snapshot):
    """A snapshot reading postings through Whoosh's matchers, posting by posting."""

    def _postings(self, field: str, term: str) -> Postings:
        r = self.reader
        if (field, term) not in r:
            return EMPTY_POSTINGS
        ids, weights = [], []
        m = r.postings(field, term)
        while m.is_active():
            if self.live[m.id()]:
                ids.append(m.id())
                weights.append(m.weight())
            m.next()
        return Postings(np.array(ids, dtype=np.int32), np.array(weights, dtype=np.float32))

    def _positions(self, field: str, term: str, within=None):
        # Every record, whatever ``within`` asks for (a superset is valid):
        # the fast reader's blocks read only near ``within`` are checked
        # against this one.
        r = self.reader
        ids, values = [], []
        if (field, term) in r:
            m = r.postings(field, term)
            while m.is_active():
                if self.live[m.id()]:
                    ids.append(m.id())
                    values.append(m.value())
                m.next()
        return PositionTable.from_values(np.array(ids, dtype=np.int32), values)


class WhooshMatching:
    """Which documents a query tree matches, decided by Whoosh's own search."""

    def __init__(self, searcher: Searcher):
        st = searcher.state()
        self.ev = st.evaluator
        self.table = st.table
        self.snap = st.snap
        self.ws = self.snap.ix.searcher()
        r = self.ws.reader()
        self.doc_of = {n: r.stored_fields(n)["doc"] for n in r.all_doc_ids()}
        self.infos = {}
        for n in r.all_doc_ids():
            sf = r.stored_fields(n)
            if "info" in sf:
                self.infos[sf["doc"]] = sf["info"]
        self.all = set(self.infos)

    def close(self) -> None:
        self.ws.close()

    def docs(self, q: wq.Query) -> set[str]:
        return {self.doc_of[n] for n in self.ws.docs_for_query(q)}

    # The fields and terms each node searches: the engine's reading of the
    # syntax, restated here independently of its posting arithmetic.
    def _word(self, w: str, field: str | None, exact: bool) -> set[str]:
        if analysis.CJK_RE.search(w):
            return self._phrase(w, field)
        f = analysis.fold(w)
        stop = not exact and analysis.is_stopword(w, self.ev.langs)
        want = {field} if field else {"content", "title", "meta"}
        if exact or stop:
            qs = [wq.Term(fld, f) for name, fld in (("content", "exact"), ("title", "title_x"), ("meta", "meta"), ("author", "author")) if name in want]
            return self.docs(wq.Or(qs)) if qs else set()
        # Each language's stem finds documents of that language only; a stem
        # exception finds its group's forms (exact field) there instead.
        found: set[str] = set()
        stemmed = False
        for lang in self.ev.langs:
            forms = exception_forms(w, lang)
            terms = list(forms) if forms else [analysis.stemmer(lang)(w)]
            stemmed |= not forms
            qs: list[wq.Query] = []
            for t in terms:
                if "content" in want:
                    qs.append(wq.Term("exact" if forms else "content", t))
                if "title" in want:
                    qs.append(wq.Term("title_x" if forms else "title", t))
                if "meta" in want:
                    qs.append(wq.Term("meta", t))
                if "author" in want:
                    qs.append(wq.Term("author", t))
            if qs:
                found |= self.docs(wq.Or(qs)) & self.in_lang(lang)
        if stemmed and self.ev.p.stem_only_weight < 1:
            # The form typed counts too (it scores above a stem-only match).
            qs = [wq.Term(fld, f) for name, fld in (("content", "exact"), ("title", "title_x")) if name in want]
            if qs:
                found |= self.docs(wq.Or(qs))
        return found

    def in_lang(self, lang: str) -> set[str]:
        return {d for d, info in self.infos.items() if (info.get("language") or "und") == lang}

    def _phrase(self, text: str, field: str | None) -> set[str]:
        words = analysis.exact_terms(text)
        if not words:
            return set()
        if len(words) == 1 and not analysis.is_cjk(words[0]):
            return self._word(text, field, True)
        if field == "author":
            return set.intersection(*(self._word(w, "author", True) for w in words))
        qs = []
        if field in (None, "content"):
            qs.append(wq.Phrase("exact", words))
        if field in (None, "title"):
            qs.append(wq.Phrase("title_x", words))
        return self.docs(wq.Or(qs))

    def _wildcard(self, node: Wildcard) -> set[str]:
        pat = analysis.fold(node.pattern)
        prefix = re.split(r"[*?]", pat, maxsplit=1)[0]
        rx = re.compile("^" + re.escape(pat).replace(r"\*", ".*").replace(r"\?", ".") + "$")
        found = [t for t in self.snap.expand_prefix("exact", prefix, limit=5000) if rx.match(t)][: self.ev.p.max_expansions]
        qs = []
        for t in found:
            if node.field in (None, "content"):
                qs.append(wq.Term("exact", t))
            if node.field in (None, "title"):
                qs.append(wq.Term("title_x", t))
        return self.docs(wq.Or(qs)) if qs else set()

    def _filter(self, facet: str, value: str) -> set[str]:
        value = resolve_value(FACETS[facet], self.table.columns[facet], value)
        return self.docs(wq.Term(FACET_FIELDS[facet], value))

    def _years(self, lo, hi) -> set[str]:
        return {d for d, info in self.infos.items() if info.get("year") and (lo is None or info["year"] >= lo) and (hi is None or info["year"] <= hi)}

    def eval_query(self, node, exact: bool, scope: set[str]) -> set[str]:
        """:meth:`eval` of a whole query, with the engine's one fallback: a
        quoted phrase that no document in scope has as typed is searched as
        its words, each required in any form (a glossary term's phrase also
        as its equivalents); if that finds nothing either, nothing."""
        found = self.eval(node, exact, scope)
        if not isinstance(node, Phrase) or exact or found & scope:
            return found
        words = [w for w in analysis.words(node.text) if not analysis.is_stopword(w, self.ev.langs)]
        alt: set[str] = set()
        if len(words) >= 2 and not any(analysis.CJK_RE.search(w) for w in words):
            alt = set.intersection(*(self._word(w, node.field, False) for w in words))
        if node.fallback is not None:
            alt = alt.union(*(self.eval(c, False, scope) for c in node.fallback.children[1:]))
        return alt or found

    def eval(self, node, exact: bool, scope: set[str]) -> set[str]:
        if isinstance(node, MatchAll):
            return set(self.all)
        if isinstance(node, Word):
            return self._word(node.text, node.field, exact)
        if isinstance(node, Phrase):
            return self._phrase(node.text, node.field)
        if isinstance(node, Compound):
            words = [w for w in node.words if not analysis.is_stopword(w, self.ev.langs)] or list(node.words)
            return set.intersection(*(self._word(w, node.field, exact) for w in words))
        if isinstance(node, Wildcard):
            return self._wildcard(node)
        if isinstance(node, Filter):
            return self._filter(node.facet, node.value)
        if isinstance(node, YearRange):
            return self._years(node.lo, node.hi)
        if isinstance(node, Not):
            return self.all - self.eval(node.child, exact, scope)
        if isinstance(node, Or):
            return set.union(*(self.eval(c, exact, scope) for c in node.children))
        if isinstance(node, And):
            if node.implicit:
                return self._implicit(node, exact, scope)
            pos = [self.eval(c, exact, scope) for c in node.children if not isinstance(c, Not)] or [set(self.all)]
            out = set.intersection(*pos)
            for c in node.children:
                if isinstance(c, Not):
                    out -= self.eval(c.child, exact, scope)
            return out
        raise TypeError(node)

    def _implicit(self, node: And, exact: bool, scope: set[str]) -> set[str]:
        children = []
        for c in node.children:
            if isinstance(c, Compound):
                words = [w for w in c.words if not analysis.is_stopword(w, self.ev.langs)] or list(c.words)
                children += [Word(w, c.field) for w in words]
            else:
                children.append(c)
        soft = [c for c in children if (isinstance(c, (Word, Wildcard)) and c.field is None) or (isinstance(c, Or) and c.synonyms)]
        if len(soft) < 2:
            return self.eval(And(tuple(children)), exact, scope)
        hard = [c for c in children if c not in soft]
        base = self.eval(And(tuple(hard)), exact, scope) if hard else set(self.all)
        sets = [self.eval(c, exact, scope) for c in soft]
        n = len(sets)
        # Minimum should match: most of a long query's words, fewer when that
        # finds too few documents.
        p = self.ev.p
        need = n if n < p.msm_from else max(2, math.ceil(n * p.msm_share))
        enough = 1 if n <= 2 else p.enough
        count = {d: sum(d in x for x in sets) for d in set.union(*sets) & base}
        while need > 1 and sum(1 for d, k in count.items() if k >= need and d in scope) < enough:
            need -= 1
        return {d for d, k in count.items() if k >= need}


def _scope(m: WhooshMatching, filters: dict, year_from, year_to, skip: str | None = None) -> set[str]:
    out = set(m.all)
    for facet, values in filters.items():
        if facet != skip and values:
            out &= set.union(*(m._filter(facet, v) for v in values))
    if skip != "year" and (year_from is not None or year_to is not None):
        out &= m._years(year_from, year_to)
    return out


def _facet_counts(m: WhooshMatching, docs: set[str], *, families: bool = False) -> dict[str, dict[str, int]]:
    """Documents per facet value, or with ``families`` distinct families."""
    keys = {"jurisdiction": "jurisdictions", "topic": "topics", "author": "authors"}
    out: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        counts: dict[str, int] = {}
        seen: set[tuple[str, str]] = set()
        for d in docs:
            info = m.infos[d]
            if facet in keys:
                vals = info.get(keys[facet]) or []
            elif facet == "year":
                vals = [str(info["year"])] if info.get("year") else []
            else:
                vals = [info[facet]] if info.get(facet) else []
            for v in dict.fromkeys(vals):
                if families:
                    fam = (info.get("family") or d, v)
                    if fam in seen:
                        continue
                    seen.add(fam)
                counts[v] = counts.get(v, 0) + 1
        out[facet] = counts
    return out


def _requests():
    reqs = [
        SearchRequest(q=q.q, filters=q.filter_dict, year_from=q.year_from, year_to=q.year_to, sort=q.sort, page=q.page, limit=10)
        for q in query_mix()
    ]
    reqs += [SearchRequest(q=q, filters=f, limit=10) for q, f in EXTRA]
    return reqs


@pytest.fixture(scope="module")
def matching(corpus_searcher):
    m = WhooshMatching(corpus_searcher)
    yield m
    m.close()


@pytest.mark.parametrize("every_version", [True, False], ids=["documents", "families"])
def test_totals_and_facets_equal_whoosh_search(corpus_searcher, matching, every_version):
    """Totals and facet counts equal Whoosh's matching documents, counted one
    by one (every version) or as distinct families (the default), which a
    plain set of family ids computes here without the numpy collapse."""
    checked = 0
    for req in _requests():
        req = replace(req, all_versions=every_version)
        resp = corpus_searcher.search(req)
        node = corpus_searcher.plan(req).node
        filters = resp.request.filters
        scope = _scope(matching, filters, req.year_from, req.year_to)
        matched = matching.eval_query(node, req.exact, scope)
        assert resp.total == _count(matching, matched & scope, every_version), req.q
        assert resp.documents == len(matched & scope), req.q
        for facet in FACETS:
            skip = facet if (facet in filters or facet == "year") else None
            docs = matched & _scope(matching, filters, req.year_from, req.year_to, skip=skip)
            expected = _facet_counts(matching, docs, families=not every_version)[facet]
            got = {v.value: v.count for v in resp.facets[facet] if v.count}
            assert got == expected, (req.q, facet)
        checked += 1
    assert checked >= 60


def _count(m: WhooshMatching, docs: set[str], every_version: bool) -> int:
    return len(docs) if every_version else len({m.infos[d].get("family") or d for d in docs})


def test_rankings_equal_with_postings_from_whoosh_matchers(corpus_index):
    root, _ = corpus_index
    with Searcher(root) as fast, Searcher(root, snapshot_class=WhooshPostingsSnapshot) as slow:
        for req in _requests():
            a, b = fast.search(req), slow.search(req)
            assert a.total == b.total, req.q
            assert [h.id for h in a.hits] == [h.id for h in b.hits], req.q
            for x, y in zip(a.hits, b.hits):
                assert math.isclose(x.score, y.score, rel_tol=1e-5, abs_tol=1e-6), req.q
                assert [(p.page, p.segments) for p in x.passages] == [(p.page, p.segments) for p in y.passages], req.q
