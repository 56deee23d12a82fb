"""The tantivy reference: the same documents and pages, BM25, the same work per search.

Built from the texts the FTS5 reference pipeline extracted (so its build
time is indexing alone: no extraction), into two indexes:

- documents: ``title``/``body`` (``en_stem``), facets as ``raw`` fast
  fields (``jurisdiction`` and ``topic`` multi-valued), ``year`` and
  ``date`` (yyyymmdd) as integer fast fields;
- pages: ``doc``, ``page`` and the page ``text`` (stored, ``en_stem``).

Per search: one query (the translated words AND'ed with the facet filters
as term-set queries and the years as a range query) gives the top 10 by
BM25 (or by ``date`` for browsing/newest) with the total count; the facet
counts come from tantivy's terms aggregation over the fast fields (one
aggregation request for the unselected facets, one more per selected facet
and for the year, each with its own filter dropped, as etslib counts);
passages are the 3 best pages of each hit (the OR of the query's words
restricted to that document) with tantivy's ``SnippetGenerator``.
"""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from .queries import Query, parse, tantivy_passage_query, to_tantivy

FACETS = ("jurisdiction", "year", "type", "publisher", "topic", "language")
TEXT_FACETS = ("jurisdiction", "type", "publisher", "topic", "language")


def available() -> str | None:
    """None when tantivy can be used, else the reason it cannot."""
    if importlib.util.find_spec("tantivy") is None:
        return "tantivy is not installed (scripts/setup --bench installs it)"
    return None


def _schemas():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    sb.add_text_field("title", stored=True, tokenizer_name="en_stem")
    sb.add_text_field("body", stored=False, tokenizer_name="en_stem")
    for f in TEXT_FACETS:
        sb.add_text_field(f, stored=True, fast=True, tokenizer_name="raw")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    sb.add_integer_field("date", stored=False, indexed=False, fast=True)
    sb.add_text_field("path", stored=True, tokenizer_name="raw")
    docs = sb.build()
    pb = tantivy.SchemaBuilder()
    pb.add_unsigned_field("doc", stored=True, indexed=True, fast=True)
    pb.add_unsigned_field("page", stored=True)
    pb.add_text_field("text", stored=True, tokenizer_name="en_stem")
    pages = pb.build()
    return docs, pages


def build(db_path: Path, dest: Path, *, threads: int = 2, heap_mb: int = 256) -> dict[str, Any]:
    """Index the FTS5 reference's documents and pages with tantivy under ``dest``."""
    import tantivy

    if dest.exists():
        shutil.rmtree(dest)
    (dest / "docs").mkdir(parents=True)
    (dest / "pages").mkdir(parents=True)
    docs_schema, pages_schema = _schemas()
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    jur: dict[int, list[str]] = {}
    top: dict[int, list[str]] = {}
    for doc, v in con.execute("SELECT doc, value FROM doc_jur"):
        jur.setdefault(doc, []).append(v)
    for doc, v in con.execute("SELECT doc, value FROM doc_topic"):
        top.setdefault(doc, []).append(v)
    t0 = time.perf_counter()
    di = tantivy.Index(docs_schema, path=str(dest / "docs"))
    pi = tantivy.Index(pages_schema, path=str(dest / "pages"))
    dw = di.writer(heap_mb * 2**20, threads)
    pw = pi.writer(heap_mb * 2**20, threads)
    n_docs = n_pages = 0
    page_cur = con.cursor()
    for doc_id, path, title, publisher, year, date_key, typ, lang, lo, hi in con.execute(
        "SELECT id, path, title, publisher, year, date_key, type, language, page_lo, page_hi FROM docs ORDER BY id"
    ):
        texts = [t for (t,) in page_cur.execute("SELECT text FROM pages_fts WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (lo, hi))]
        d = tantivy.Document()
        d.add_unsigned("id", doc_id)
        d.add_text("title", title or "")
        d.add_text("body", "\n".join(texts))
        d.add_text("path", path)
        for f, vals in (("jurisdiction", jur.get(doc_id, [])), ("topic", top.get(doc_id, [])), ("type", [typ]), ("publisher", [publisher]), ("language", [lang])):
            for v in vals:
                if v:
                    d.add_text(f, v)
        if year:
            d.add_integer("year", int(year))
        d.add_integer("date", int(date_key or 0))
        dw.add_document(d)
        for i, t in enumerate(texts):
            p = tantivy.Document()
            p.add_unsigned("doc", doc_id)
            p.add_unsigned("page", i + 1)
            p.add_text("text", t)
            pw.add_document(p)
        n_docs += 1
        n_pages += len(texts)
    dw.commit()
    pw.commit()
    dw.wait_merging_threads()
    pw.wait_merging_threads()
    seconds = time.perf_counter() - t0
    con.close()
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    return {
        "documents": n_docs,
        "pages": n_pages,
        "seconds": round(seconds, 3),
        "pages_per_s": round(n_pages / seconds, 1) if seconds else None,
        "index_mb": round(size / 2**20, 1),
        "method": f"tantivy-py, {threads} indexing threads, {heap_mb} MB heap; texts read from the FTS5 reference's tables (no extraction)",
    }


class TantivyEngine:
    """The web page's work (10 hits with 3 passages, six facets) with tantivy."""

    def __init__(self, dest: Path):
        import tantivy

        self.t = tantivy
        self.docs = tantivy.Index.open(str(dest / "docs"))
        self.pages = tantivy.Index.open(str(dest / "pages"))
        self.docs.reload()
        self.pages.reload()
        self.ds = self.docs.searcher()
        self.ps = self.pages.searcher()
        self.schema = self.docs.schema
        self.pschema = self.pages.schema

    def close(self) -> None:
        pass

    def _filters(self, q: Query, skip: str | None) -> list:
        t = self.t
        out = []
        for facet, vals in q.filters:
            if facet != skip and vals:
                out.append(t.Query.term_set_query(self.schema, facet, list(vals)))
        if skip != "year" and (q.year_from is not None or q.year_to is not None):
            out.append(t.Query.range_query(self.schema, "year", t.FieldType.Integer, q.year_from, q.year_to))
        return out

    def _and(self, base, filters: list):
        if not filters:
            return base
        t = self.t
        return t.Query.boolean_query([(t.Occur.Must, base)] + [(t.Occur.Must, f) for f in filters])

    def search(self, q: Query, limit: int = 10, passages: int = 3) -> dict[str, Any]:
        t = self.t
        node = parse(q.q, relaxed=q.relaxed)
        text = to_tantivy(node)
        if text:
            base = self.docs.parse_query(text, ["title", "body"], field_boosts={"title": 5.0}, conjunction_by_default=not q.relaxed)
        elif node is None:
            base = t.Query.all_query()
        else:
            base = t.Query.empty_query()
        selected = [f for f, v in q.filters if v]
        main = self._and(base, self._filters(q, None))
        browse = node is None or q.sort == "newest"
        if browse:
            res = self.ds.search(main, limit, count=True, order_by_field="date", offset=(q.page - 1) * limit)
        else:
            res = self.ds.search(main, limit, count=True, offset=(q.page - 1) * limit)
        aggs: dict[str, Any] = {}
        rest = [f for f in FACETS if f not in selected and f != "year"]
        spec = {f: {"terms": {"field": f, "size": 10000}} for f in rest}
        if spec:
            aggs.update(self.ds.aggregate(main, spec))
        for f in selected + ["year"]:
            aggs.update(self.ds.aggregate(self._and(base, self._filters(q, f)), {f: {"terms": {"field": f, "size": 10000}}}))
        facets = {f: [(b["key"], b["doc_count"]) for b in aggs.get(f, {}).get("buckets", [])] for f in FACETS}
        hits = []
        pq_text = tantivy_passage_query(node)
        pq = self.pages.parse_query(pq_text, ["text"]) if pq_text else None
        gen = t.SnippetGenerator.create(self.ps, pq, self.pschema, "text") if pq is not None and passages else None
        for score, addr in res.hits:
            d = self.ds.doc(addr)
            doc_id = d["id"][0]
            ps = []
            if gen is not None:
                within = t.Query.boolean_query([(t.Occur.Must, pq), (t.Occur.Must, t.Query.term_query(self.pschema, "doc", doc_id))])
                for _, paddr in self.ps.search(within, passages).hits:
                    page = self.ps.doc(paddr)
                    ps.append({"page": page["page"][0], "text": gen.snippet_from_doc(page).to_html()})
            hits.append({"id": doc_id, "title": d.get_first("title"), "year": d.get_first("year"), "type": d.get_first("type"),
                         "publisher": d.get_first("publisher"), "language": d.get_first("language"), "path": d.get_first("path"),
                         "jurisdictions": d.get_all("jurisdiction"), "topics": d.get_all("topic"), "score": score, "passages": ps})
        return {"total": res.count, "hits": hits, "facets": facets}
