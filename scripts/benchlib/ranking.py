"""Ranking quality on Cranfield: etslib beside the BM25 of tantivy and SQLite FTS5.

The 1,400 abstracts become text files (the ``.W`` text) with a catalog
giving title (``.T``), authors (``.A``) and language; etslib ingests them
and answers ``SearchRequest(q=query, limit=100, expand=False)`` (and again
with ``expand=True``). tantivy (``en_stem``, title and body fields) and
FTS5 (``porter unicode61``, ``bm25()``) index the same title and text and
answer the OR of the query's words (English stopwords dropped).

Queries: ``cran.qry`` numbers its 225 queries 1, 2, 4, 8, …; ``cranqrel``
numbers them 1–225 in file order, so the k-th query is qrel query k.

Gains (``cranqrel.readme``, Cleverdon's scale, 1 = best): code 1 → 4,
2 → 3, 3 → 2, 4 → 1; code −1 (one per query: the source paper the question
was drawn from, not a judgement) and 5 → 0. nDCG@10 uses these gains
linearly (gain / log2(rank + 1)) against the ideal ordering of all judged
documents; MAP (over the top 100) counts codes 1–4 as relevant.
"""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import yaml

from .common import log
from .ingest import etslib_ingest
from .queries import stopwords
from .sources import parse_smart

GAIN = {1: 4, 2: 3, 3: 2, 4: 1}


def load(shared: Path) -> tuple[list[dict[str, str]], list[tuple[int, str]], dict[int, dict[int, int]]]:
    """Documents, (qrel id, query text) and qrels {query: {doc: gain}}."""
    folder = shared / "datasets" / "ir-classic" / "cranfield"
    docs = parse_smart((folder / "cran.all.1400").read_text("utf-8", errors="replace"))
    raw_q = parse_smart((folder / "cran.qry").read_text("utf-8", errors="replace"))
    queries = [(k, re.sub(r"\s+", " ", q.get("W", "")).strip()) for k, q in enumerate(raw_q, 1)]
    qrels: dict[int, dict[int, int]] = {}
    for line in (folder / "cranqrel").read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3:
            qid, did, code = int(parts[0]), int(parts[1]), int(parts[2])
            qrels.setdefault(qid, {})[did] = GAIN.get(code, 0)
    return docs, queries, qrels


def ndcg_at(ranked: list[int], gains: dict[int, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def average_precision(ranked: list[int], gains: dict[int, int], k: int = 100) -> float:
    relevant = {d for d, g in gains.items() if g > 0}
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    for i, d in enumerate(ranked[:k], 1):
        if d in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant)


def _metrics(runs: dict[int, list[int]], qrels: dict[int, dict[int, int]]) -> dict[str, float]:
    qs = sorted(runs)
    n = len(qs) or 1
    p10 = sum(sum(1 for d in runs[q][:10] if qrels[q].get(d, 0) > 0) / 10 for q in qs) / n
    rec = sum(len({d for d in runs[q][:100] if qrels[q].get(d, 0) > 0}) / max(1, sum(1 for g in qrels[q].values() if g > 0)) for q in qs) / n
    return {
        "ndcg@10": round(sum(ndcg_at(runs[q], qrels[q]) for q in qs) / n, 4),
        "map@100": round(sum(average_precision(runs[q], qrels[q]) for q in qs) / n, 4),
        "p@10": round(p10, 4),
        "recall@100": round(rec, 4),
        "queries": len(qs),
        "empty_results": sum(1 for q in qs if not runs[q]),
    }


def _terms(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return list(dict.fromkeys(w for w in words if w not in stopwords() and len(w) > 1))


def _body(d: dict[str, str]) -> str:
    """The abstract (``.W``), or the title for the two records without one."""
    return (d.get("W") or "").strip() or (d.get("T") or "").strip()


def _write_corpus(root: Path, docs: list[dict[str, str]]) -> Path:
    if root.exists():
        shutil.rmtree(root)
    (root / "docs").mkdir(parents=True)
    entries = []
    for d in docs:
        num = int(d["I"])
        name = f"cran-{num:04d}.txt"
        (root / "docs" / name).write_text(_body(d) + "\n", "utf-8")
        entry: dict[str, Any] = {"path": f"docs/{name}", "title": re.sub(r"\s+", " ", d.get("T", "")).strip(" .") or f"Cranfield {num}", "language": "en"}
        authors = [a.strip() for a in re.sub(r"\s+", " ", d.get("A", "")).split(" and ") if a.strip()]
        if authors:
            entry["authors"] = authors
        entries.append(entry)
    cat = root / "catalog.yaml"
    cat.write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True, sort_keys=False), "utf-8")
    return cat


def run(shared: Path, workdir: Path, *, max_docs: int | None = None, max_queries: int | None = None, jobs: int = 2,
        with_tantivy: bool = True) -> dict[str, Any]:
    docs, queries, qrels = load(shared)
    if max_docs:
        docs = docs[:max_docs]
    ids = {int(d["I"]) for d in docs}
    qrels = {q: {d: g for d, g in rel.items() if d in ids} for q, rel in qrels.items()}
    queries = [(k, text) for k, text in queries if any(g > 0 for g in qrels.get(k, {}).values())]
    if max_queries:
        queries = queries[:max_queries]
    out: dict[str, Any] = {
        "documents": len(docs),
        "queries": len(queries),
        "gains": "cranqrel code 1→4, 2→3, 3→2, 4→1; −1 and 5 → 0 (linear gains in nDCG); MAP counts codes 1–4 as relevant",
        "query_ids": "the k-th query of cran.qry is qrel query k",
    }

    root = workdir / f"cranfield-{len(docs)}"
    catalog = _write_corpus(root, docs)
    index = root / "index"
    log(f"ranking: etslib ingest of {len(docs)} Cranfield abstracts")
    rep = etslib_ingest(root / "docs", index, catalog, jobs=jobs)
    out["etslib_ingest_seconds"] = rep["seconds"]
    from search.model import SearchRequest
    from search.query.searcher import Searcher

    num_of = re.compile(r"cran-(\d+)\.txt$")
    with Searcher(index) as s:
        for expand in (False, True):
            runs: dict[int, list[int]] = {}
            t0 = time.perf_counter()
            for k, text in queries:
                resp = s.search(SearchRequest(q=text, limit=100, expand=expand, passages=0))
                runs[k] = [int(m.group(1)) for h in resp.hits if (m := num_of.search(h.meta.get("path") or ""))]
            name = "etslib_expand" if expand else "etslib"
            out[name] = _metrics(runs, qrels) | {"seconds": round(time.perf_counter() - t0, 2)}
    out["etslib"]["request"] = "SearchRequest(q=query, limit=100, expand=False, passages=0)"
    out["etslib_expand"]["request"] = "SearchRequest(q=query, limit=100, expand=True, passages=0)"

    # SQLite FTS5 bm25()
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE cran USING fts5(title, body, tokenize='porter unicode61 remove_diacritics 2')")
    con.executemany("INSERT INTO cran(rowid, title, body) VALUES (?,?,?)",
                    [(int(d["I"]), re.sub(r"\s+", " ", d.get("T", "")), _body(d)) for d in docs])
    runs = {}
    for k, text in queries:
        terms = _terms(text)
        match = " OR ".join(f'"{t}"' for t in terms)
        runs[k] = [r[0] for r in con.execute("SELECT rowid FROM cran WHERE cran MATCH ? ORDER BY bm25(cran) LIMIT 100", (match,))] if terms else []
    out["fts5_bm25"] = _metrics(runs, qrels) | {"method": "FTS5 porter unicode61, bm25() with k1=1.2, b=0.75, equal column weights; OR of the query's words"}
    con.close()

    if with_tantivy:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_unsigned_field("id", stored=True, indexed=True)
        sb.add_text_field("title", stored=False, tokenizer_name="en_stem")
        sb.add_text_field("body", stored=False, tokenizer_name="en_stem")
        schema = sb.build()
        idx = tantivy.Index(schema)
        w = idx.writer(64 * 2**20, 1)
        for d in docs:
            doc = tantivy.Document()
            doc.add_unsigned("id", int(d["I"]))
            doc.add_text("title", re.sub(r"\s+", " ", d.get("T", "")))
            doc.add_text("body", _body(d))
            w.add_document(doc)
        w.commit()
        w.wait_merging_threads()
        idx.reload()
        searcher = idx.searcher()
        runs = {}
        for k, text in queries:
            terms = _terms(text)
            if not terms:
                runs[k] = []
                continue
            q = idx.parse_query(" OR ".join(terms), ["title", "body"])
            runs[k] = [searcher.doc(a)["id"][0] for _, a in searcher.search(q, 100).hits]
        out["tantivy_bm25"] = _metrics(runs, qrels) | {"method": "tantivy en_stem, BM25 (k1=1.2, b=0.75) over title and body; OR of the query's words"}
    else:
        out["tantivy_bm25"] = {"skipped": "tantivy is not installed"}
    shutil.rmtree(index, ignore_errors=True)
    return out
