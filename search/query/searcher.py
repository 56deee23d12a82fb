"""Running a search request against the live index: the one entry point
shared by the command line, the web page and its JSON twin.

``Searcher`` builds its per-generation state (document table, evaluator)
on the snapshot :class:`~search.index.live.LiveIndex` hands out, and builds
it again when ingest publishes a newer generation, so a long-running server
needs no restart after a reindex.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .. import config
from ..index import IndexProblem, IndexRoot, Snapshot
from ..index.live import LiveIndex
from ..lru import SizedLRU
from ..model import DEFAULT_SORT, SORTS, FacetValue, Hit, Passage, SearchRequest, SearchResponse
from ..text import analysis
from .evaluate import Evaluator, Params, Scored, Terms
from .rewrite import drop_common_words, expand_glossary
from ..vocab.facets import FACETS
from .facets import DocTable, facet_results, resolve_value
from .passages import make_passage
from .parse import And, MatchAll, Node, Or, Word, parse, to_string

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
    "authors",
    "topics",
    "page_count",
    "kind",
    "paged",
    "description",
)



@dataclass
class _State:
    snap: Snapshot
    table: DocTable
    evaluator: Evaluator
    first_record: np.ndarray  # per document row, its first page record (-1 none)


class Searcher:
    """Searches the index at ``root``; thread-safe for reads."""

    def __init__(
        self, root: str | Path | IndexRoot, params: Params | None = None, *, glossary=None, snapshot_class=Snapshot
    ):
        self.root = root if isinstance(root, IndexRoot) else IndexRoot(root)
        # Tests swap in a snapshot reading postings through Whoosh's matchers.
        self._live = LiveIndex(self.root, snapshot_class)
        self.params = params or Params()
        self._glossary = glossary
        self._state: _State | None = None
        self._lock = threading.Lock()
        # Evaluated queries by (generation, tree, switches): a facet click or
        # a page turn on the same words costs no new scoring.
        budgets = config.cache_budgets()
        self._results = SizedLRU(budgets.results, lambda r: r[0].nbytes())
        self._suggestions = SizedLRU(budgets.suggestions, lambda s: 100 + 2 * len(s))
        # Passages by page and query terms: a page turn, a facet click or a
        # popular query does not highlight the same pages again.
        self._passages = SizedLRU(budgets.passages, _passage_size)

    # -- lifecycle ----------------------------------------------------------

    def state(self) -> _State:
        """The live generation, rebuilt when ingest has published a newer one."""
        snap = self._live.snapshot()
        st = self._state
        if st is not None and st.snap is snap:
            return st
        with self._lock:
            st = self._state
            if st is None or st.snap is not snap:
                table = DocTable(snap.infos)
                st = self._state = _State(snap, table, Evaluator(snap, table, self.params), _first_records(snap))
                self._results.clear()
            return st

    def clear_caches(self) -> None:
        """Forget every cached result, posting list and passage (benchmarks
        measure cold searches this way); the index stays open."""
        self._results.clear()
        self._suggestions.clear()
        self._passages.clear()
        if self._state is not None:
            self._state.evaluator.clear_cache()
            self._state.snap.clear_cache()

    def warm_up(self) -> None:
        """Load the index arrays and the data files now, not on the first
        request (a server worker calls this once at start)."""
        from ..vocab.jurisdictions import load as load_jurisdictions

        self.glossary.find("emissions trading")
        load_jurisdictions()
        try:
            self.search(SearchRequest(q="emissions trading", limit=1))
        except IndexProblem:
            pass  # no index yet: the first request says so

    def close(self) -> None:
        self._live.close()
        self._state = None

    def __enter__(self) -> "Searcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def glossary(self):
        if self._glossary is None:
            from ..vocab.glossary import load

            self._glossary = load()
        return self._glossary

    # -- search -------------------------------------------------------------

    def prepare(self, req: SearchRequest, st: _State) -> tuple[Node, list[str], list[tuple[str, list[str]]], str]:
        """Parse and rewrite a query: the tree, notes, expansions, reading."""
        parsed = parse(req.q)
        notes = list(parsed.notes)
        node, dropped = drop_common_words(parsed.node, ["en"] + st.evaluator.langs)
        if dropped:
            notes.append("Common words ignored: " + ", ".join(dict.fromkeys(dropped)) + " (quote a phrase to keep them).")
        expansions: list[tuple[str, list[str]]] = []
        if req.expand and not req.exact:
            node, expansions = expand_glossary(node, self.glossary)
        return node, notes, expansions, to_string(parsed.node)

    def _normalized_filters(self, req: SearchRequest, st: _State) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name, values in req.filters.items():
            facet = FACETS.get(name)
            if facet is None:
                continue
            column = st.table.columns[name]
            vals = [resolve_value(facet, column, v) for v in values if v]
            if vals:
                out[name] = list(dict.fromkeys(vals))
        return out

    def _evaluate(self, st: _State, node: Node, req: SearchRequest, scope: np.ndarray) -> tuple[Scored, Terms, list[str]]:
        key = (st.snap.key, node, req.exact, scope.tobytes() if isinstance(node, And) and node.implicit else b"")
        return self._results.get_or_compute(key, lambda: st.evaluator.evaluate(node, exact=req.exact, scope=scope))

    def search(self, req: SearchRequest) -> SearchResponse:
        t0 = time.perf_counter()
        st = self.state()
        req = _clamp(req)
        node, notes, expansions, reading = self.prepare(req, st)
        filters = self._normalized_filters(req, st)
        req = replace(req, filters=filters)
        table = st.table
        year_mask = table.year_mask(req.year_from, req.year_to)
        scope = table.filter_mask(filters) & year_mask
        scored, terms, enotes = self._evaluate(st, node, req, scope)
        notes += enotes
        match = scored.mask & scope
        total = int(match.sum())

        # Counts for a facet ignore its own selection, so more values can be added.
        facets: dict[str, list[FacetValue]] = {}
        for name, facet in FACETS.items():
            if name == "year":
                m = scored.mask & table.filter_mask(filters, skip=name)
            elif name in filters:
                m = scored.mask & table.filter_mask(filters, skip=name) & year_mask
            else:
                m = match
            counts = table.columns[name].counts(m)
            facets[name] = facet_results(facet, table.columns[name], counts, filters.get(name, []), req.facet_limit)

        final = self._final_scores(st, scored)
        rows = self._ranked(st, final, match, node, req)
        start = (req.page - 1) * req.limit
        page_rows = rows[start : start + req.limit]
        hits = self._hits(st, scored, final, terms, page_rows, req)

        suggestion = None
        if total < 3 and not isinstance(node, MatchAll):
            key = (st.snap.key, req.q, req.exact, repr(sorted(filters.items())), req.year_from, req.year_to)
            suggestion = self._suggestions.get(key)
            if suggestion is None:
                suggestion = self._suggestions.put(key, self._suggest(st, req, total) or "")
            suggestion = suggestion or None
        return SearchResponse(
            total=total,
            hits=hits,
            facets=facets,
            request=req,
            notes=notes,
            expansions=expansions,
            suggestion=suggestion,
            interpreted=reading,
            elapsed_ms=(time.perf_counter() - t0) * 1000,
            generation=st.snap.generation,
            sort=self._effective_sort(req, node),
        )

    @staticmethod
    def _effective_sort(req: SearchRequest, node: Node) -> str:
        sort = req.sort if req.sort in SORTS else DEFAULT_SORT
        return "newest" if sort == "relevance" and isinstance(node, MatchAll) else sort

    def _final_scores(self, st: _State, scored: Scored) -> np.ndarray:
        """Document scores plus the bonus for their best page."""
        return scored.score + self.params.page_bonus * st.evaluator.best_page(scored)

    def _ranked(self, st: _State, final: np.ndarray, match: np.ndarray, node: Node, req: SearchRequest) -> np.ndarray:
        sort = self._effective_sort(req, node)
        table = st.table
        if sort == "relevance":
            rows = np.flatnonzero(match)
            need = min(len(rows), req.page * req.limit)
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
        order = {"newest": table.order_newest, "oldest": table.order_oldest, "title": table.order_title}[sort]
        return order[match[order]]

    def _hits(self, st: _State, scored: Scored, final: np.ndarray, terms: Terms, rows: np.ndarray, req: SearchRequest) -> list[Hit]:
        if not len(rows):
            return []
        snap = st.snap
        recs, sums = st.evaluator.page_scores(scored)
        per_doc: dict[int, list[tuple[float, int]]] = {int(r): [] for r in rows}
        matched_pages: dict[int, int] = {}
        if len(recs):
            sel = np.isin(snap.page_doc[recs], rows)
            for rec, s in zip(recs[sel].tolist(), sums[sel].tolist()):
                row = int(snap.page_doc[rec])
                per_doc[row].append((s, rec))
        hits = []
        for row in rows.tolist():
            info = snap.infos[row]
            pages = sorted(per_doc[row], key=lambda sr: (-sr[0], sr[1]))
            matched_pages[row] = len(pages)
            passages: list[Passage] = []
            if req.passages:
                chosen = pages[: req.passages]
                if not chosen and (terms.stems or terms.exacts or terms.phrases) and st.first_record[row] >= 0:
                    chosen = [(0.0, int(st.first_record[row]))]
                for s, rec in chosen:
                    passages.append(self._passage(st, info, rec, terms, s))
            hits.append(
                Hit(
                    id=info["id"],
                    score=float(final[row]),
                    meta=_hit_meta(info),
                    passages=passages,
                    matched_pages=matched_pages[row],
                )
            )
        return hits

    def _passage(self, st: _State, info: dict[str, Any], rec: int, terms: Terms, score: float) -> Passage:
        key = (st.snap.key, rec, terms.key())
        hit = self._passages.get(key)
        if hit is None:
            page = int(st.snap.page_num[rec])
            labels = info.get("page_labels") or None
            label = labels[page - 1] if labels and page - 1 < len(labels) and labels[page - 1] != str(page) else None
            hit = self._passages.put(
                key,
                make_passage(
                    st.snap.page_text(rec),
                    page,
                    info.get("language") or "und",
                    terms.stems,
                    terms.exacts,
                    terms.phrases,
                    label=label,
                ),
            )
        return replace(hit, score=score)

    # -- "did you mean" -------------------------------------------------------

    def _suggest(self, st: _State, req: SearchRequest, total: int) -> str | None:
        """A corrected query, offered only when it finds more documents."""
        words = re.findall(r"(?<![\w:])[^\W\d_]{3,}(?![\w:*?])", req.q)[:4]
        if not words:
            return None
        snap = st.snap
        corrected = req.q
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
        if not changed or corrected == req.q:
            return None
        alt = replace(req, q=corrected)
        node, _, _, _ = self.prepare(alt, st)
        table = st.table
        scope = table.filter_mask(req.filters) & table.year_mask(req.year_from, req.year_to)
        scored, _, _ = st.evaluator.evaluate(node, exact=req.exact, scope=scope)
        return corrected if int((scored.mask & scope).sum()) > total else None

    # -- documents ------------------------------------------------------------

    def document(self, doc_id: str) -> dict[str, Any] | None:
        st = self.state()
        row = st.snap.row_of_id.get(doc_id)
        return None if row is None else dict(st.snap.infos[row])

    def page_texts(self, doc_id: str) -> list[str] | None:
        """A document's text page by page (blank pages as ""), or None."""
        st = self.state()
        row = st.snap.row_of_id.get(doc_id)
        if row is None:
            return None
        info = st.snap.infos[row]
        pages = [""] * int(info.get("page_count") or 0)
        for rec in np.flatnonzero(st.snap.page_doc == row).tolist():
            n = int(st.snap.page_num[rec])
            if n > len(pages):
                pages.extend([""] * (n - len(pages)))
            pages[n - 1] = st.snap.page_text(rec)
        return pages

    def document_pages(self, doc_id: str, req: SearchRequest, limit: int = 50) -> list[Passage]:
        """The pages of one document that match a query, best first."""
        st = self.state()
        row = st.snap.row_of_id.get(doc_id)
        if row is None or not req.q.strip():
            return []
        node, _, _, _ = self.prepare(req, st)
        scored, terms, _ = self._evaluate(st, node, req, np.ones(st.snap.n_docs, dtype=bool))
        recs, sums = st.evaluator.page_scores(scored)
        sel = st.snap.page_doc[recs] == row
        pairs = sorted(zip(sums[sel].tolist(), recs[sel].tolist()), key=lambda sr: (-sr[0], sr[1]))[:limit]
        info = st.snap.infos[row]
        return [self._passage(st, info, rec, terms, s) for s, rec in pairs]

    def related(self, doc_id: str, n: int = 5) -> list[Hit]:
        """More like this: documents sharing the most distinctive title and topic words."""
        st = self.state()
        row = st.snap.row_of_id.get(doc_id)
        if row is None:
            return []
        info = st.snap.infos[row]
        words = [w for w in analysis.words(info.get("title") or "") if len(w) > 2]
        words += [t.replace("-", " ") for t in info.get("topics") or []]
        words += list(info.get("jurisdictions") or [])
        kids: list[Node] = [Word(w) for w in dict.fromkeys(words) if not analysis.is_stopword(w, ["en"] + st.evaluator.langs)]
        if not kids:
            return []
        node = Or(tuple(kids[:24]))
        scored, _, _ = st.evaluator.evaluate(node, exact=False)
        mask = scored.mask.copy()
        mask[row] = False
        # Near-duplicates (revisions of the same file) are related too, but not itself.
        rows = np.flatnonzero(mask)
        order = rows[np.argsort(-scored.score[rows], kind="stable")][:n]
        return [Hit(id=st.snap.infos[r]["id"], score=float(scored.score[r]), meta=_hit_meta(st.snap.infos[r])) for r in order.tolist()]

    def iter_matching(self, req: SearchRequest) -> Iterator[dict[str, Any]]:
        """Every matching document's metadata in result order (for exports)."""
        st = self.state()
        req = _clamp(req)
        node, _, _, _ = self.prepare(req, st)
        filters = self._normalized_filters(req, st)
        req = replace(req, filters=filters)
        scope = st.table.filter_mask(filters) & st.table.year_mask(req.year_from, req.year_to)
        scored, _, _ = self._evaluate(st, node, req, scope)
        match = scored.mask & scope
        everything = replace(req, page=1, limit=max(1, int(match.sum())))
        final = self._final_scores(st, scored)
        for row in self._ranked(st, final, match, node, everything).tolist():
            meta = _hit_meta(st.snap.infos[row])
            meta["score"] = float(final[row])
            yield meta

    def stats(self) -> dict[str, Any]:
        st = self.state()
        facets = {
            name: [
                {"value": v.value, "label": v.label, "count": v.count}
                for v in facet_results(facet, st.table.columns[name], st.table.columns[name].counts(np.ones(st.snap.n_docs, dtype=bool)), [], None)
            ]
            for name, facet in FACETS.items()
        }
        return {
            "documents": st.snap.n_docs,
            "pages": st.snap.n_pages,
            "generation": st.snap.generation,
            "store": str(st.snap.store.path),
            "facets": facets,
        }


def _clamp(req: SearchRequest) -> SearchRequest:
    return replace(
        req,
        page=max(1, min(int(req.page or 1), 10_000)),
        limit=max(1, min(int(req.limit or 10), 1000)),
        passages=max(0, min(int(req.passages), 10)),
    )


def _passage_size(p: Passage) -> int:
    # As when passages held their HTML (the budgets were tuned so): the
    # text plus "<mark></mark>" around each match.
    return 300 + 3 * sum(len(s) + (13 if hit else 0) for s, hit in p.segments)


def _hit_meta(info: dict[str, Any]) -> dict[str, Any]:
    return {k: info.get(k) for k in HIT_FIELDS}


def _first_records(snap: Snapshot) -> np.ndarray:
    first = np.full(snap.n_docs, -1, dtype=np.int32)
    recs = np.flatnonzero(snap.page_doc >= 0)
    if len(recs):
        order = np.lexsort((snap.page_num[recs], snap.page_doc[recs]))
        recs = recs[order]
        docs = snap.page_doc[recs]
        uniq, idx = np.unique(docs, return_index=True)
        first[uniq] = recs[idx]
    return first
