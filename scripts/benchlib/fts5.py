"""The reference pipeline: ``pdftotext`` (2 processes) + SQLite FTS5.

Build: every corpus file is read by a pool of 2 worker processes (PDFs
through poppler's ``pdftotext``, HTML through the standard library's
parser, text as is; HTML and text cut into ~3,000-character sections at
paragraph breaks, as etslib does), and the main process writes:

- ``docs`` (one row per document: metadata, first/last page rowid),
  ``doc_jur`` and ``doc_topic`` (the multi-valued facets, indexed both ways);
- ``docs_fts`` (title, body): a contentless FTS5 table per document, for
  matching, ``bm25()`` ranking and the facet counts;
- ``pages_fts`` (text): an FTS5 table per page, for passages with page numbers.

Chinese and Japanese characters are spaced apart before indexing (and in
queries) so the word tokenizer sees unigrams, and a CJK word becomes a
phrase of characters: otherwise a whole unspaced sentence is one token and
the CJK queries would find nothing, which is not "doing the same work".

Search (:class:`Fts5Engine`) does what etslib's search does for the page:
the matching documents go once into a temporary table, then six GROUP BY
queries give the facet counts (each ignoring its own filter, as etslib's),
one query the total, one the page of 10 ranked results with their
jurisdictions and topics, and per hit one FTS5 query over that document's
page rowid range gives its 3 best pages with ``snippet()``.
Metadata come from the corpus manifest (the catalog's values in full).
"""

from __future__ import annotations

import html.parser
import multiprocessing
import re
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from .common import cpu_seconds, log
from .corpus import Corpus
from .queries import Query, cjk_spaced, fts5_passage_query, parse, to_fts5

TOKENIZE = "porter unicode61 remove_diacritics 2"
SINGLE = {"year": "d.year", "type": "d.type", "publisher": "d.publisher", "language": "d.language"}
MULTI = {"jurisdiction": "doc_jur", "topic": "doc_topic"}
FACETS = ("jurisdiction", "year", "type", "publisher", "topic", "language")


# -- extraction (worker processes) ------------------------------------------------


class _HTMLText(html.parser.HTMLParser):
    SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside"}
    BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "br", "section", "article", "main", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)


def split_sections(text: str, target: int = 3000) -> list[str]:
    """Paragraph-aligned sections of about ``target`` characters."""
    out: list[str] = []
    cur = ""
    for para in re.split(r"\n\s*\n", text):
        para = re.sub(r"\s+", " ", para).strip()
        if not para:
            continue
        while len(para) > 2 * target:  # unspaced text (Chinese)
            if cur:
                out.append(cur)
                cur = ""
            out.append(para[:target])
            para = para[target:]
        if cur and len(cur) + len(para) + 2 > target:
            out.append(cur)
            cur = para
        else:
            cur = f"{cur}\n\n{para}" if cur else para
    if cur:
        out.append(cur)
    return out


def extract_file(task: tuple[int, str, str]) -> tuple[int, list[str] | None, str]:
    """(document number, pages or sections, error) of one file."""
    n, path, kind = task
    try:
        if kind == "pdf":
            r = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", path, "-"], capture_output=True, timeout=120)
            pages = r.stdout.decode("utf-8", "replace").split("\f")
            if pages and not pages[-1].strip():
                pages.pop()
            return n, [cjk_spaced(p) for p in pages], "" if pages else f"pdftotext exit {r.returncode}"
        raw = Path(path).read_bytes().decode("utf-8", "replace")
        if kind == "html":
            p = _HTMLText()
            p.feed(raw)
            raw = "".join(p.out)
        return n, [cjk_spaced(s) for s in split_sections(raw)], ""
    except Exception as e:  # a reference must survive bad files too
        return n, None, f"{type(e).__name__}: {e}"


# -- build ----------------------------------------------------------------------------


SCHEMA = f"""
CREATE TABLE docs (id INTEGER PRIMARY KEY, path TEXT, title TEXT, authors TEXT, publisher TEXT, year INTEGER,
                   date TEXT, date_key INTEGER, type TEXT, language TEXT, page_lo INTEGER, page_hi INTEGER);
CREATE TABLE doc_jur (doc INTEGER, value TEXT);
CREATE TABLE doc_topic (doc INTEGER, value TEXT);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='', tokenize='{TOKENIZE}');
CREATE VIRTUAL TABLE pages_fts USING fts5(text, tokenize='{TOKENIZE}');
"""
INDEXES = """
CREATE INDEX doc_jur_doc ON doc_jur(doc, value);
CREATE INDEX doc_jur_value ON doc_jur(value, doc);
CREATE INDEX doc_topic_doc ON doc_topic(doc, value);
CREATE INDEX doc_topic_value ON doc_topic(value, doc);
CREATE INDEX docs_date ON docs(date_key);
"""


def _date_key(meta: dict[str, Any]) -> int:
    d = "".join(ch for ch in str(meta.get("date") or "") if ch.isdigit())
    if len(d) >= 4:
        return int((d + "0101")[:8])
    return int(f"{meta['year']}0101") if meta.get("year") else 0


def build(corpus: Corpus, db_path: Path, *, jobs: int = 2, batch_pages: int = 5000) -> dict[str, Any]:
    """Run the reference pipeline over the corpus into ``db_path``; returns timings."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    by_n = {d["n"]: d for d in corpus.documents}
    tasks = []
    for path, d in corpus.files():
        kind = "pdf" if d["kind"] in ("pdf", "real") else "html" if d["kind"] == "html" else "text"
        tasks.append((d["n"], str(path), kind))
    cpu0 = cpu_seconds(own=True)
    t0 = time.perf_counter()
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.executescript(SCHEMA)
    pages_total = 0
    failures: list[str] = []
    index_seconds = 0.0
    next_page = 1
    pending = 0
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(jobs) as pool:
        for n, pages, err in pool.imap_unordered(extract_file, tasks, chunksize=2):
            if pages is None:
                failures.append(f"{by_n[n]['path']}: {err}")
                continue
            t1 = time.perf_counter()
            meta = by_n[n]["meta"]
            doc_id = n + 1
            con.execute(
                "INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (doc_id, by_n[n]["path"], meta["title"], "; ".join(meta.get("authors") or []), meta.get("publisher"),
                 meta.get("year"), meta.get("date"), _date_key(meta), meta.get("type"), meta.get("language"),
                 next_page, next_page + len(pages) - 1),
            )
            con.executemany("INSERT INTO doc_jur VALUES (?,?)", [(doc_id, j) for j in meta.get("jurisdictions") or []])
            con.executemany("INSERT INTO doc_topic VALUES (?,?)", [(doc_id, t) for t in meta.get("topics") or []])
            con.execute("INSERT INTO docs_fts(rowid, title, body) VALUES (?,?,?)", (doc_id, meta["title"], "\n".join(pages)))
            con.executemany("INSERT INTO pages_fts(rowid, text) VALUES (?,?)", [(next_page + i, p) for i, p in enumerate(pages)])
            next_page += len(pages)
            pages_total += len(pages)
            pending += len(pages)
            if pending >= batch_pages:
                con.commit()
                pending = 0
            index_seconds += time.perf_counter() - t1
    t1 = time.perf_counter()
    con.executescript(INDEXES)
    con.execute("INSERT INTO docs_fts(docs_fts) VALUES('optimize')")
    con.execute("INSERT INTO pages_fts(pages_fts) VALUES('optimize')")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    index_seconds += time.perf_counter() - t1
    seconds = time.perf_counter() - t0
    cpu = cpu_seconds(own=True) - cpu0  # this process, the pool's workers and their pdftotext runs
    size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    return {
        "documents": len(tasks) - len(failures),
        "pages": pages_total,
        "seconds": round(seconds, 3),
        "pages_per_s": round(pages_total / seconds, 1) if seconds else None,
        "sqlite_write_seconds": round(index_seconds, 3),
        "cpu_seconds": round(cpu, 2),
        "pages_per_cpu_s": round(pages_total / cpu, 1) if cpu else None,
        "failures": failures,
        "db_mb": round(size / 2**20, 1),
        "method": f"pdftotext over {jobs} processes (multiprocessing pool), stdlib HTML parser, SQLite {sqlite3.sqlite_version} "
                  f"FTS5 ({TOKENIZE}) per document and per page, commit every {batch_pages} pages, then 'optimize'",
    }


# -- search -----------------------------------------------------------------------


class Fts5Engine:
    """The web page's work (10 hits with 3 passages, six facets) in SQLite."""

    def __init__(self, db_path: Path):
        self.con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, check_same_thread=False)
        self.con.execute("PRAGMA temp_store=MEMORY")
        self.con.execute("CREATE TEMP TABLE m (doc INTEGER PRIMARY KEY, score REAL)")

    def close(self) -> None:
        self.con.close()

    @staticmethod
    def _conds(q: Query, skip: str | None) -> tuple[str, list[Any]]:
        sql: list[str] = []
        args: list[Any] = []
        for facet, vals in q.filters:
            if facet == skip or not vals:
                continue
            ph = ",".join("?" * len(vals))
            if facet in MULTI:
                sql.append(f"d.id IN (SELECT doc FROM {MULTI[facet]} WHERE value IN ({ph}))")
            else:
                sql.append(f"{SINGLE[facet]} IN ({ph})")
            args += list(vals)
        if skip != "year":
            if q.year_from is not None:
                sql.append("d.year >= ?")
                args.append(q.year_from)
            if q.year_to is not None:
                sql.append("d.year <= ?")
                args.append(q.year_to)
        return (" AND ".join(sql) or "1"), args

    def search(self, q: Query, limit: int = 10, passages: int = 3) -> dict[str, Any]:
        con = self.con
        node = parse(q.q, relaxed=q.relaxed)
        match = to_fts5(node)
        con.execute("DELETE FROM m")
        if match:
            con.execute("INSERT INTO m SELECT rowid, bm25(docs_fts, 5.0, 1.0) FROM docs_fts WHERE docs_fts MATCH ?", (match,))
        elif node is None:
            con.execute("INSERT INTO m SELECT id, 0 FROM docs")
        selected = {f for f, v in q.filters if v}
        facets: dict[str, list[tuple[Any, int]]] = {}
        for facet in FACETS:
            where, args = self._conds(q, facet if (facet in selected or facet == "year") else None)
            if facet in MULTI:
                sql = f"SELECT t.value, COUNT(*) FROM m JOIN docs d ON d.id = m.doc JOIN {MULTI[facet]} t ON t.doc = m.doc WHERE {where} GROUP BY t.value"
            else:
                col = SINGLE[facet]
                sql = f"SELECT {col}, COUNT(*) FROM m JOIN docs d ON d.id = m.doc WHERE {where} AND {col} IS NOT NULL GROUP BY {col}"
            facets[facet] = sorted(con.execute(sql, args).fetchall(), key=lambda vc: -vc[1])
        where, args = self._conds(q, None)
        total = con.execute(f"SELECT COUNT(*) FROM m JOIN docs d ON d.id = m.doc WHERE {where}", args).fetchone()[0]
        order = "m.score, d.date_key DESC" if (q.sort == "relevance" and node is not None) else "d.date_key DESC, d.title"
        rows = con.execute(
            f"SELECT d.id, d.title, d.year, d.type, d.publisher, d.language, d.path, d.authors, d.page_lo, d.page_hi, m.score "
            f"FROM m JOIN docs d ON d.id = m.doc WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            args + [limit, (q.page - 1) * limit],
        ).fetchall()
        hits = []
        if rows:
            ids = [r[0] for r in rows]
            ph = ",".join("?" * len(ids))
            jur: dict[int, list[str]] = {}
            top: dict[int, list[str]] = {}
            for doc, v in con.execute(f"SELECT doc, value FROM doc_jur WHERE doc IN ({ph})", ids):
                jur.setdefault(doc, []).append(v)
            for doc, v in con.execute(f"SELECT doc, value FROM doc_topic WHERE doc IN ({ph})", ids):
                top.setdefault(doc, []).append(v)
            pq = fts5_passage_query(node)
            for r in rows:
                ps = []
                if pq and passages:
                    ps = [
                        {"page": rowid - r[8] + 1, "text": snip}
                        for rowid, snip in con.execute(
                            "SELECT rowid, snippet(pages_fts, 0, '<mark>', '</mark>', '…', 24) FROM pages_fts "
                            "WHERE pages_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT ?",
                            (pq, r[8], r[9], passages),
                        )
                    ]
                hits.append({"id": r[0], "title": r[1], "year": r[2], "type": r[3], "publisher": r[4], "language": r[5],
                             "path": r[6], "authors": r[7], "jurisdictions": jur.get(r[0], []), "topics": top.get(r[0], []),
                             "score": r[10], "passages": ps})
        return {"total": total, "hits": hits, "facets": facets}


def log_build(result: dict[str, Any]) -> None:
    log(f"  FTS5 pipeline: {result['pages']:,} pages in {result['seconds']} s ({result['pages_per_s']} pages/s)")
