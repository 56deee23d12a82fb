"""Ranking quality on the judged question set: etslib beside tantivy and FTS5 BM25.

The collection is the 106 files of ``real-ets/``, ``climate-policy/`` and
``more-ets/`` in the shared corpus; the queries are ``tests/gold/questions/
*.yaml`` (keyword, phrase, acronym and question queries in English, German
and Chinese, some with filters), judged by reading the documents: graded
documents (0–2) and, per relevant document, graded PDF pages (physical
numbers) or verbatim quotes locating the passage in unpaged documents.

How it runs:

- etslib ingests the 106 files (``etslib ingest --json``, the real command)
  and answers every query twice through ``Searcher.search``: with the
  glossary (the web page's default) and as typed (``expand=False``). A
  document's pages are ranked by ``Searcher.document_pages`` (the pages the
  document page lists for the query, best first).
- The references index *etslib's* texts: each document's title and body,
  and each of its pages (for an unpaged document, the very sections etslib
  made), so both engines see the same pages and only the ranking differs.
  tantivy uses ``en_stem``, FTS5 ``porter unicode61``; both plain BM25
  over title and body, equal weights, as the Cranfield stage (a title
  boost of 5, as the latency stage has, measured weaker for tantivy here:
  nDCG@10 0.617 against 0.709). They search the words as typed:
  the OR of the words (a quoted phrase stays a phrase; English stopwords
  dropped; a Chinese word is a phrase of its characters, a Chinese
  question an OR of its characters, as :mod:`benchlib.queries` translates
  them). Filters keep the documents etslib itself lists for the filter (an
  empty query with the same facets and years), so both sides filter alike.
- A quote of an unpaged document is located in etslib's sections by a
  substring search over letters and digits only (case and accents folded),
  so markup, line breaks and hyphenation do not matter.

Metrics, per query and then averaged over queries:

- nDCG@10 over documents, gains = grades (linear), the ideal from every
  judged document of the query;
- MRR: 1 / rank of the first document of grade ≥ 1 (0 when none in the
  top 100);
- page hit@3: for each relevant document with judged pages, whether one of
  its top-graded judged pages is among the 3 pages the engine ranks first in
  that document for the query; a query scores the share of its documents hit
  (queries without judged pages are left out of this mean).

Groups: overall; long questions (``kind: question`` with at least 6 words,
or 10 Chinese characters); each ``kind``; non-English (``lang`` ≠ en).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import yaml

from .common import ROOT, etslib_cmd, log, run_measured
from .queries import Node, cjk_spaced, parse

QUESTIONS_DIR = ROOT / "tests" / "gold" / "questions"
FOLDERS = ("real-ets", "climate-policy", "more-ets")
ENGINES = ("etslib", "etslib_typed", "tantivy_bm25", "fts5_bm25")
REFERENCES = ("tantivy_bm25", "fts5_bm25")
GROUPS = ("overall", "long questions", "keyword", "phrase", "acronym", "question", "non-English")
TITLE_WEIGHT = 1.0  # plain BM25 over title and body, as the Cranfield stage (stronger here than a title boost)
DEPTH = 100  # documents ranked per query (MRR looks this deep)
PAGES = 3  # page hit@3

#: The issue's targets: etslib (glossary on) against the best reference.
MARGIN = 1.10  # ≥ 10% better, overall and for long questions
LEADING_GROUPS = ("overall", "long questions")
TYPE_GROUPS = ("keyword", "phrase", "acronym", "question", "non-English")


# -- the judged questions ----------------------------------------------------------


@dataclass
class Judged:
    """One judged query; ``docs`` maps corpus-relative paths to grades."""

    id: str  # "<file stem>/<id>" (ids repeat across files)
    q: str
    kind: str
    lang: str
    filters: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    docs: dict[str, int] = field(default_factory=dict)
    pages: dict[str, dict[int, int]] = field(default_factory=dict)  # PDFs: physical page → grade
    quotes: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # unpaged: (quote, grade)

    @property
    def long(self) -> bool:
        cjk = len(re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff]", self.q))
        return self.kind == "question" and (len(self.q.split()) >= 6 or cjk >= 10)

    def groups(self) -> list[str]:
        out = ["overall"]
        if self.long:
            out.append("long questions")
        out.append(self.kind)
        if self.lang != "en":
            out.append("non-English")
        return out


def load_questions(folder: Path = QUESTIONS_DIR) -> list[Judged]:
    out: list[Judged] = []
    for f in sorted(folder.glob("*.yaml")):
        for q in yaml.safe_load(f.read_text("utf-8"))["queries"]:
            flt = dict(q.get("filters") or {})
            j = Judged(
                id=f"{f.stem}/{q['id']}", q=q["q"], kind=q["kind"], lang=q.get("lang", "en"),
                year_from=flt.pop("year_from", None), year_to=flt.pop("year_to", None),
                filters={k: [str(v) for v in (vals if isinstance(vals, list) else [vals])] for k, vals in flt.items()},
            )
            for rel in q.get("relevant") or []:
                path = rel["doc"]
                j.docs[path] = max(j.docs.get(path, 0), int(rel.get("grade", 0)))
                if rel.get("pages"):
                    j.pages[path] = {int(p): int(g) for p, g in rel["pages"].items()}
                if rel.get("passages"):
                    j.quotes[path] = [(p["quote"], int(p.get("grade", 1))) for p in rel["passages"]]
            out.append(j)
    return out


# -- metrics (pure) -------------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], gains: Mapping[str, int], k: int = 10) -> float:
    """nDCG@k with linear gains against the ideal order of every judged document."""
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(ranked: Sequence[str], gains: Mapping[str, int]) -> float:
    """1 / rank of the first document with a grade above 0 (0 when none)."""
    for i, d in enumerate(ranked, 1):
        if gains.get(d, 0) > 0:
            return 1.0 / i
    return 0.0


def page_hit(top_pages: Sequence[int], judged: Mapping[int, int], k: int = PAGES) -> bool:
    """Is one of the top-graded judged pages among the engine's first ``k`` pages?"""
    if not judged:
        raise ValueError("no judged pages")
    best = max(judged.values())
    return any(judged.get(p) == best for p in top_pages[:k])


def mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def summarize(rows: Sequence[Mapping[str, Any]], groups_of: Mapping[str, Sequence[str]]) -> dict[str, dict[str, Any]]:
    """Per group: mean nDCG@10, MRR and page hit@3 of the rows (``id``,
    ``ndcg@10``, ``mrr``, ``hit@3`` with None for "no judged pages")."""
    out: dict[str, dict[str, Any]] = {}
    for g in GROUPS:
        sel = [r for r in rows if g in groups_of[r["id"]]]
        if not sel:
            continue
        out[g] = {
            "queries": len(sel),
            "ndcg@10": mean(r["ndcg@10"] for r in sel),
            "mrr": mean(r["mrr"] for r in sel),
            "hit@3": mean(r["hit@3"] for r in sel),
            "hit@3_queries": sum(1 for r in sel if r["hit@3"] is not None),
            "empty": sum(1 for r in sel if r.get("found", 1) == 0),
        }
    return out


# -- locating quotes in sections ------------------------------------------------------


def canonical(text: str) -> str:
    """Letters and digits only, case and accents folded: markup, spacing, line
    breaks and hyphenation do not hide a quote."""
    s = unicodedata.normalize("NFKD", text)
    return "".join(c for c in s if c.isalnum() and not unicodedata.combining(c)).casefold()


_MARKUP = re.compile(r"<[^>]{1,40}>")
_LEAD = re.compile(r"^\s*(?:#+\s*|[-*+>]\s+|\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]\s+)+", re.I)


def quote_forms(quote: str) -> list[str]:
    """The quote as written, then without inline markup and leading list
    numbers or heading marks (the source line's, which extraction drops)."""
    plain = _LEAD.sub("", _MARKUP.sub("", quote))
    return list(dict.fromkeys(f for f in (canonical(quote), canonical(plain)) if f))


def _grams(text: str, n: int = 3) -> set[tuple[str, ...]]:
    ws = [canonical(w) for w in text.split()]
    ws = [w for w in ws if w]
    return {tuple(ws[i : i + n]) for i in range(max(0, len(ws) - n + 1))}


def locate_quotes(pages: Sequence[str], quotes: Sequence[tuple[str, int]]) -> tuple[dict[int, int], list[str]]:
    """Page numbers (1-based) of the pages holding each quote, with the best
    grade of the quotes found there, and the quotes found nowhere. A quote
    across two pages counts for the page holding more of it; a quote whose
    letters differ (a dropped symbol) goes to the page sharing at least
    60% of its word trigrams."""
    canon = [canonical(p) for p in pages]
    joined = "".join(canon)
    starts: list[int] = []
    pos = 0
    for c in canon:
        starts.append(pos)
        pos += len(c)
    found: dict[int, int] = {}
    missing: list[str] = []
    page_grams: list[set[tuple[str, ...]]] | None = None
    for quote, grade in quotes:
        page = None
        for cq in quote_forms(quote):
            page = next((i for i, c in enumerate(canon) if cq in c), None)
            if page is None:
                at = joined.find(cq)
                if at >= 0:
                    end = at + len(cq)
                    overlap = [max(0, min(end, s + len(c)) - max(at, s)) for s, c in zip(starts, canon)]
                    page = max(range(len(canon)), key=lambda i: overlap[i])
            if page is not None:
                break
        if page is None and (qg := _grams(_MARKUP.sub(" ", quote))):
            if page_grams is None:
                page_grams = [_grams(p) for p in pages]
            share = [len(qg & g) / len(qg) for g in page_grams]
            best = max(range(len(pages)), key=lambda i: share[i], default=None)
            if best is not None and share[best] >= 0.6:
                page = best
        if page is None:
            missing.append(quote)
            continue
        found[page + 1] = max(found.get(page + 1, 0), grade)
    return found, missing


# -- the references' query --------------------------------------------------------------


def reference_query(q: str, kind: str) -> Node | None:
    """The words as typed, OR'ed: a question as a bag of its words, any other
    query with its quoted phrases kept; English stopwords dropped."""
    node = parse(q, relaxed=kind == "question")
    if node is None:
        return None
    if node.op == "and" and all(k.op != "not" for k in node.kids):
        node = Node("or", kids=node.kids)
    return node


def _fts_match(node: Node) -> str:
    def atom(n: Node) -> str:
        text = n.text.replace('"', " ")
        return f'"{text}"*' if n.op == "prefix" else f'"{text}"'

    if node.op in ("word", "phrase", "prefix"):
        return atom(node)
    return " OR ".join(_fts_match(k) for k in node.kids if k.op != "not")


_TV_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def _tv_text(node: Node) -> str:
    if node.op in ("word", "phrase", "prefix"):
        text = _TV_SPECIAL.sub(" ", node.text).strip()
        if node.op == "prefix":
            return f"{text}*"
        return f'"{text}"' if " " in text else text
    return " OR ".join(_tv_text(k) for k in node.kids if k.op != "not")


# -- engines ------------------------------------------------------------------------------


@dataclass
class Collection:
    """etslib's view of the documents: metadata and page texts, by path."""

    docs: dict[str, dict[str, Any]]  # relative path → {"id", "title", "pages": [text, …]}


class EtslibEngine:
    name = "etslib"

    def __init__(self, searcher: Any, paths_by_id: Mapping[str, str], *, expand: bool):
        self.s = searcher
        self.paths_by_id = paths_by_id
        self.ids_by_path = {p: i for i, p in paths_by_id.items()}
        self.expand = expand
        self.shown: dict[str, list[int]] = {}

    def _request(self, j: Judged, **kw: Any):
        from search.model import SearchRequest

        return SearchRequest(q=j.q, filters=j.filters, year_from=j.year_from, year_to=j.year_to, expand=self.expand, **kw)

    def documents(self, j: Judged, allowed: set[str] | None) -> tuple[list[str], int]:
        resp = self.s.search(self._request(j, limit=DEPTH, passages=PAGES))
        # The pages a hit shows its passages from, best first.
        self.shown = {h.id: [p.page for p in h.passages] for h in resp.hits}
        return [self.paths_by_id[h.id] for h in resp.hits if h.id in self.paths_by_id], resp.total

    def pages(self, j: Judged, path: str) -> list[int]:
        doc_id = self.ids_by_path.get(path)
        if doc_id is None:
            return []
        if doc_id in self.shown:
            return self.shown[doc_id]
        return [p.page for p in self.s.document_pages(doc_id, self._request(j), limit=PAGES)]


class Fts5Engine:
    name = "fts5_bm25"

    def __init__(self, coll: Collection):
        con = sqlite3.connect(":memory:")
        tok = "porter unicode61 remove_diacritics 2"
        con.execute(f"CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='{tok}')")
        con.execute(f"CREATE VIRTUAL TABLE pages USING fts5(text, tokenize='{tok}')")
        con.execute("CREATE TABLE doc (id INTEGER PRIMARY KEY, path TEXT, lo INTEGER, hi INTEGER)")
        rowid = 1
        for n, (path, d) in enumerate(sorted(coll.docs.items()), 1):
            pages = [cjk_spaced(t) for t in d["pages"]]
            con.execute("INSERT INTO docs(rowid, title, body) VALUES (?,?,?)", (n, cjk_spaced(d["title"] or ""), "\n".join(pages)))
            con.executemany("INSERT INTO pages(rowid, text) VALUES (?,?)", [(rowid + i, t) for i, t in enumerate(pages)])
            con.execute("INSERT INTO doc VALUES (?,?,?,?)", (n, path, rowid, rowid + len(pages) - 1))
            rowid += len(pages)
        con.commit()
        self.con = con
        self.range = {path: (lo, hi) for path, lo, hi in con.execute("SELECT path, lo, hi FROM doc")}

    def documents(self, j: Judged, allowed: set[str] | None) -> tuple[list[str], int]:
        node = reference_query(j.q, j.kind)
        if node is None:
            return [], 0
        rows = self.con.execute(
            f"SELECT d.path FROM docs JOIN doc d ON d.id = docs.rowid WHERE docs MATCH ? ORDER BY bm25(docs, {TITLE_WEIGHT}, 1.0)",
            (_fts_match(node),)).fetchall()
        paths = [p for (p,) in rows if allowed is None or p in allowed]
        return paths[:DEPTH], len(paths)

    def pages(self, j: Judged, path: str) -> list[int]:
        node = reference_query(j.q, j.kind)
        if node is None or path not in self.range:
            return []
        lo, hi = self.range[path]
        rows = self.con.execute("SELECT rowid FROM pages WHERE pages MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?",
                                (_fts_match(node), lo, hi, PAGES)).fetchall()
        return [r - lo + 1 for (r,) in rows]


class TantivyEngine:
    name = "tantivy_bm25"

    def __init__(self, coll: Collection):
        import tantivy

        self.t = tantivy
        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("n", stored=True, indexed=True)
        sb.add_text_field("title", stored=False, tokenizer_name="en_stem")
        sb.add_text_field("body", stored=False, tokenizer_name="en_stem")
        pb = tantivy.SchemaBuilder()
        pb.add_unsigned_field("doc", stored=True, indexed=True)
        pb.add_unsigned_field("page", stored=True)
        pb.add_text_field("text", stored=False, tokenizer_name="en_stem")
        self.docs, self.pages_index = tantivy.Index(sb.build()), tantivy.Index(pb.build())
        dw, pw = self.docs.writer(64 * 2**20, 1), self.pages_index.writer(64 * 2**20, 1)
        self.path_of: dict[int, str] = {}
        self.n_of: dict[str, int] = {}
        for n, (path, d) in enumerate(sorted(coll.docs.items()), 1):
            self.path_of[n], self.n_of[path] = path, n
            pages = [cjk_spaced(t) for t in d["pages"]]
            doc = tantivy.Document()
            doc.add_unsigned("n", n)
            doc.add_text("title", cjk_spaced(d["title"] or ""))
            doc.add_text("body", "\n".join(pages))
            dw.add_document(doc)
            for i, text in enumerate(pages, 1):
                p = tantivy.Document()
                p.add_unsigned("doc", n)
                p.add_unsigned("page", i)
                p.add_text("text", text)
                pw.add_document(p)
        for w, idx in ((dw, self.docs), (pw, self.pages_index)):
            w.commit()
            w.wait_merging_threads()
            idx.reload()
        self.ds, self.ps = self.docs.searcher(), self.pages_index.searcher()
        self.n_docs = len(self.path_of)

    def documents(self, j: Judged, allowed: set[str] | None) -> tuple[list[str], int]:
        node = reference_query(j.q, j.kind)
        if node is None:
            return [], 0
        q = self.docs.parse_query(_tv_text(node), ["title", "body"], field_boosts={"title": TITLE_WEIGHT}, conjunction_by_default=False)
        hits = self.ds.search(q, self.n_docs).hits
        paths = [self.path_of[self.ds.doc(a)["n"][0]] for _, a in hits]
        paths = [p for p in paths if allowed is None or p in allowed]
        return paths[:DEPTH], len(paths)

    def pages(self, j: Judged, path: str) -> list[int]:
        node = reference_query(j.q, j.kind)
        if node is None or path not in self.n_of:
            return []
        t = self.t
        pq = self.pages_index.parse_query(_tv_text(node), ["text"], conjunction_by_default=False)
        within = t.Query.boolean_query([(t.Occur.Must, pq), (t.Occur.Must, t.Query.term_query(self.pages_index.schema, "doc", self.n_of[path]))])
        return [self.ps.doc(a)["page"][0] for _, a in self.ps.search(within, PAGES).hits]


# -- the run ---------------------------------------------------------------------------------


def select(questions: list[Judged], shared: Path, max_queries: int | None, max_docs: int | None) -> tuple[list[Judged], list[str]]:
    """The queries (kinds taken in turn) and the files to index: every file of the
    three folders, or for a subset the queries' relevant files first."""
    files = sorted(str(p.relative_to(shared)) for f in FOLDERS for p in (shared / f).rglob("*") if p.is_file() and not p.name.startswith("."))
    if max_queries and max_queries < len(questions):
        by_kind: dict[str, list[Judged]] = {}
        for j in questions:
            by_kind.setdefault(j.kind, []).append(j)
        picked: list[Judged] = []
        while len(picked) < max_queries:
            for kind in list(by_kind):
                if by_kind[kind] and len(picked) < max_queries:
                    picked.append(by_kind[kind].pop(0))
        questions = picked
    if max_docs and max_docs < len(files):
        wanted = list(dict.fromkeys(p for j in questions for p in sorted(j.docs, key=lambda p: -j.docs[p]) if p in files))
        files = (wanted + [f for f in files if f not in wanted])[:max_docs]
    return questions, files


def _ingest(shared: Path, files: list[str], index: Path, jobs: int) -> dict[str, Any]:
    if index.exists():
        shutil.rmtree(index)
    everything = {str(p.relative_to(shared)) for f in FOLDERS for p in (shared / f).rglob("*") if p.is_file()}
    args = [str(shared / f) for f in FOLDERS] if set(files) >= everything else [str(shared / f) for f in files]
    cmd = etslib_cmd() + ["ingest", *args, "--index", str(index), "--jobs", str(jobs), "--json"]
    proc, wall, _ = run_measured(cmd, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"etslib ingest exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    rep = json.loads(proc.stdout)
    return {"seconds": rep["seconds"], "documents": rep.get("documents"), "pages": rep.get("pages"),
            "failures": [f"{f['path']}: {f['code']}: {f['reason']}" for f in rep.get("failures", [])]}


def gold_families() -> dict[str, str]:
    """Each gold document's work (its family in tests/gold/records), by path:
    the judgments and every engine's results are counted per work."""
    from .metadata import load_gold

    return {path: str(rec.get("family") or path) for path, rec in load_gold().items()}


def _collection(searcher: Any, shared: Path) -> Collection:
    from search.model import SearchRequest

    base = str(shared.resolve()).rstrip("/") + "/"
    docs: dict[str, dict[str, Any]] = {}
    for meta in searcher.iter_matching(SearchRequest(q="", all_versions=True)):
        path = str(meta.get("path") or "")
        rel = path[len(base):] if path.startswith(base) else path
        docs[rel] = {"id": meta["id"], "title": meta.get("title") or "", "pages": searcher.page_texts(meta["id"]) or []}
    return Collection(docs)


def _allowed(searcher: Any, j: Judged, paths_by_id: Mapping[str, str]) -> set[str] | None:
    """The documents etslib lists for the query's filters (None: no filter)."""
    from search.model import SearchRequest

    if not j.filters and j.year_from is None and j.year_to is None:
        return None
    req = SearchRequest(q="", filters=j.filters, year_from=j.year_from, year_to=j.year_to, limit=1000, passages=0, facet_limit=1,
                        all_versions=True)
    return {paths_by_id[h.id] for h in searcher.search(req).hits if h.id in paths_by_id}


def evaluate(questions: list[Judged], coll: Collection, engines: Mapping[str, Any],
             allowed_for: Callable[[Judged], set[str] | None], family_of: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every engine on every question: per-query rows and group means."""
    judged_pages: dict[tuple[str, str], dict[int, int]] = {}
    unlocated: list[str] = []
    for j in questions:
        for path in j.docs:
            if path not in coll.docs:
                continue
            if path in j.pages:
                judged_pages[(j.id, path)] = j.pages[path]
            elif path in j.quotes:
                found, missing = locate_quotes(coll.docs[path]["pages"], j.quotes[path])
                unlocated += [f"{j.id} {path}: {m[:60]}" for m in missing]
                if found:
                    judged_pages[(j.id, path)] = found
    groups_of = {j.id: j.groups() for j in questions}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in engines}
    seconds: dict[str, float] = {name: 0.0 for name in engines}
    fam = family_of or {}

    def work(path: str) -> str:
        return fam.get(path, path)

    for j in questions:
        allowed = allowed_for(j)
        # One record per work: the gold judged each version of a work (the
        # act as PDF and as text, two consolidations), etslib lists a work
        # once, the references list every copy. Every engine is scored on
        # works: a work's gain is its best version's, its first listing counts.
        gains: dict[str, int] = {}
        for p, g in j.docs.items():
            if p in coll.docs:
                gains[work(p)] = max(g, gains.get(work(p), 0))
        judged_here = {path: pages for (qid, path), pages in judged_pages.items() if qid == j.id}
        for name, eng in engines.items():
            t0 = time.perf_counter()
            ranked, found = eng.documents(j, allowed)
            works = list(dict.fromkeys(work(p) for p in ranked))
            # Page hit@3 per judged work, on the version the engine lists
            # first (else the first judged version, as a reader would open it).
            hits: dict[str, bool] = {}
            for w in dict.fromkeys(work(p) for p in judged_here):
                versions = [p for p in judged_here if work(p) == w]
                path = next((p for p in ranked if p in versions), versions[0])
                hits[path] = page_hit(eng.pages(j, path), judged_here[path])
            seconds[name] += time.perf_counter() - t0
            rows[name].append({
                "id": j.id, "ndcg@10": round(ndcg_at(works, gains), 4), "mrr": round(reciprocal_rank(works, gains), 4),
                "hit@3": round(sum(hits.values()) / len(hits), 4) if hits else None, "found": found,
                "top": ranked[:5], "page_hits": {p: int(h) for p, h in hits.items()},
            })
    return {
        "groups": {name: summarize(r, groups_of) for name, r in rows.items()},
        "per_query": [
            {"id": j.id, "q": j.q, "kind": j.kind, "lang": j.lang, "long": j.long, "groups": groups_of[j.id],
             **{name: {k: v for k, v in rows[name][i].items() if k != "id"} for name in engines}}
            for i, j in enumerate(questions)
        ],
        "judged_page_pairs": len(judged_pages),
        "unlocated_quotes": unlocated,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
    }


def verdicts(groups: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """The issue's targets for etslib (glossary on) against the best reference."""
    out = []
    mine = groups.get("etslib", {})
    for g in GROUPS:
        for metric in ("ndcg@10", "hit@3"):
            v = (mine.get(g) or {}).get(metric)
            refs = [(groups.get(r, {}).get(g) or {}).get(metric) for r in REFERENCES]
            refs = [x for x in refs if x is not None]
            if v is None or not refs:
                continue
            best = max(refs)
            need = round(best * MARGIN, 4) if g in LEADING_GROUPS else best
            out.append({"group": g, "metric": metric, "etslib": v, "best_reference": best,
                        "goal": f">= {'1.10 ×' if g in LEADING_GROUPS else '1.00 ×'} best reference", "need": need,
                        "verdict": "PASS" if v >= need else "MISS"})
    return out


def run(shared: Path, workdir: Path, *, max_queries: int | None = None, max_docs: int | None = None, jobs: int = 2,
        with_tantivy: bool = True, questions_dir: Path = QUESTIONS_DIR) -> dict[str, Any]:
    """Ingest the collection, run every engine on the judged questions, score them."""
    questions, files = select(load_questions(questions_dir), shared, max_queries, max_docs)
    index = workdir / "judged-index"
    log(f"ranking: etslib ingest of {len(files)} judged-collection files")
    ingest = _ingest(shared, files, index, jobs)
    from search.query.searcher import Searcher

    out: dict[str, Any] = {"queries": len(questions), "files": len(files), "etslib_ingest": ingest}
    with Searcher(index) as s:
        coll = _collection(s, shared)
        paths_by_id = {d["id"]: p for p, d in coll.docs.items()}
        engines: dict[str, Any] = {
            "etslib": EtslibEngine(s, paths_by_id, expand=True),
            "etslib_typed": EtslibEngine(s, paths_by_id, expand=False),
        }
        log(f"ranking: references over etslib's {sum(len(d['pages']) for d in coll.docs.values()):,} pages of {len(coll.docs)} documents")
        if with_tantivy:
            engines["tantivy_bm25"] = TantivyEngine(coll)
        engines["fts5_bm25"] = Fts5Engine(coll)
        out |= evaluate(questions, coll, engines, lambda j: _allowed(s, j, paths_by_id), gold_families())
    if not with_tantivy:
        out["groups"]["tantivy_bm25"] = {"skipped": "tantivy is not installed"}
    out["documents"] = len(coll.docs)
    out["pages"] = sum(len(d["pages"]) for d in coll.docs.values())
    out["missing_documents"] = sorted({p for j in questions for p in j.docs if p not in coll.docs and p in files})
    out["verdicts"] = verdicts(out["groups"])
    out["methods"] = {
        "etslib": "Searcher.search(SearchRequest(q, filters, year_from, year_to, limit=100, passages=3, expand=True)); "
                  "pages: those the hit shows passages from, else Searcher.document_pages(doc, request, limit=3)",
        "etslib_typed": "the same with expand=False (no glossary)",
        "tantivy_bm25": "tantivy en_stem over etslib's texts, BM25 over title and body (equal weights); OR of the words as typed; pages of the same document",
        "fts5_bm25": "FTS5 porter unicode61 over etslib's texts, bm25() over title and body (equal weights); OR of the words as typed; pages by rank within the document",
        "filters": "references keep the documents etslib lists for the query's facets and years (empty query), so only ranking differs",
        "metrics": "nDCG@10 with linear gains (grades 0-2); MRR of the first grade>=1 document in the top 100; page hit@3: a top-graded "
                   "judged page among the document's first 3 pages, per relevant document with judged pages, averaged per query",
        "long questions": "kind question with >= 6 words or >= 10 Chinese characters",
    }
    shutil.rmtree(index, ignore_errors=True)
    return out
