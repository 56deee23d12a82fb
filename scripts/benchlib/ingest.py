"""etslib ingest runs: cold, nothing changed, metadata-only, full rebuild.

Each run is ``etslib ingest DOCS --catalog CATALOG --index DIR --jobs N
--json`` in a subprocess (the real command, so imports and start-up count
in the wall time) while psutil samples the resident memory of its process
tree. Durations are the report's own ``seconds`` (the ingest call itself);
the wall time of the command is kept beside them.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from .common import ROOT, SHARED, etslib_cmd, log, ratio, run_measured
from .corpus import Corpus, edited_catalog


def etslib_ingest(docs: Path, index: Path, catalog: Path, *, jobs: int = 2, rebuild: bool = False, optimize: bool = False,
                  timeout: float = 4 * 3600) -> dict[str, Any]:
    """One ``etslib ingest --json`` run with its timings, counts and peak memory."""
    cmd = etslib_cmd() + ["ingest", str(docs), "--index", str(index), "--catalog", str(catalog), "--jobs", str(jobs), "--json"]
    if rebuild:
        cmd.append("--rebuild")
    if optimize:
        cmd.append("--optimize")
    proc, wall, mem = run_measured(cmd, cwd=ROOT, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"etslib ingest exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
    rep = json.loads(proc.stdout)
    seconds = float(rep["seconds"])
    return {
        "seconds": seconds,
        "wall_seconds": round(wall, 3),
        "pages": rep["pages"],
        "pages_per_s": round(rep["pages"] / seconds, 1) if seconds and rep["pages"] else None,
        "documents": rep.get("documents"),
        "index_pages": rep.get("index_pages"),
        "counts": rep["counts"],
        "failures": [f"{f['path']}: {f['code']}: {f['reason']}" for f in rep.get("failures", [])],
        "failures_retried": sum(1 for f in rep.get("failures", []) if not f.get("remembered")),
        "notes": rep.get("notes", []),
        "memory": mem,
        "cpu_seconds": mem.get("cpu_seconds"),
        "pages_per_cpu_s": round(rep["pages"] / mem["cpu_seconds"], 1) if mem.get("cpu_seconds") and rep["pages"] else None,
    }


#: The bulk-records benchmark: 3,312 Chinese carbon-market notices as JSON lines.
RECORDS_DIR = SHARED / "datasets" / "cn-carbon-market"
RECORDS_ARGS = ["--map", "publisher=source_name_en", "--set", "jurisdictions=CN"]


def records_import(workdir: Path, *, jobs: int = 2) -> dict[str, Any] | None:
    """``etslib import records`` of every file of the Chinese notices into a
    fresh index (records to files, metadata to the staff catalog, ingest),
    then again with nothing changed; None without the shared corpus."""
    files = sorted(RECORDS_DIR.glob("*.jsonl"))
    if not files:
        return None
    if workdir.exists():
        shutil.rmtree(workdir)
    out: dict[str, Any] = {"files": len(files), "command": "etslib import records FILE --into DIR --index DIR " + " ".join(RECORDS_ARGS)}
    for run_name in ("cold", "again"):
        rows = written = new = 0
        seconds = wall = 0.0
        peak = 0.0
        documents = None
        for f in files:
            cmd = etslib_cmd() + ["import", "records", str(f), "--index", str(workdir / "index"), "--into", str(workdir / "records" / f.stem),
                                  "--jobs", str(jobs), "--json", *RECORDS_ARGS]
            proc, w, mem = run_measured(cmd, cwd=ROOT, timeout=3600)
            if proc.returncode != 0:
                raise RuntimeError(f"etslib import records exited {proc.returncode}: {proc.stderr.strip()[-2000:]}")
            rep = json.loads(proc.stdout)
            rows += rep["rows"]
            written += rep["written"]
            ing = rep["ingest"] or {}
            seconds += float(ing.get("seconds") or 0)
            documents = ing.get("documents", documents)
            new += (ing.get("counts") or {}).get("new", 0)
            wall += w
            peak = max(peak, mem.get("peak_tree_rss_mb") or 0)
        out[run_name] = {
            "rows": rows,
            "files_written": written,
            "documents": documents,
            "new_documents": new,
            "ingest_seconds": round(seconds, 2),
            "wall_seconds": round(wall, 2),
            "rows_per_s": round(rows / wall, 1) if wall else None,
            "peak_tree_rss_mb": peak or None,  # None: psutil is missing
        }
        log(f"  records ({run_name}): {rows:,} rows, {written} files written, {documents} documents, wall {wall:.1f} s")
    return out


def catalog_load_seconds(docs: Path, catalog: Path) -> float:
    """How long etslib takes to read the catalog (part of every ingest run)."""
    from search.ingest.catalog import load_catalog

    t0 = time.perf_counter()
    load_catalog([str(docs)], [str(catalog)])
    return round(time.perf_counter() - t0, 3)


def run(corpus: Corpus, index: Path, *, jobs: int = 2, optimize: bool = False) -> dict[str, Any]:
    """The four ingest measurements on a fresh index at ``index`` (each with
    ``--optimize`` when asked: one segment at the end)."""
    if index.exists():
        shutil.rmtree(index)
    docs, catalog = corpus.docs_dir, corpus.catalog
    out: dict[str, Any] = {"jobs": jobs, "optimize": optimize,
                           "command": "etslib ingest DOCS --catalog catalog.yaml --index DIR --jobs N --json" + (" --optimize" if optimize else "")}

    log("ingest: cold (fresh index and text cache)")
    cold = etslib_ingest(docs, index, catalog, jobs=jobs, optimize=optimize)
    out["cold"] = cold
    log(f"  cold: {cold['pages']:,} pages in {cold['seconds']} s = {cold['pages_per_s']} pages/s, peak tree RSS {cold['memory'].get('peak_tree_rss_mb')} MB")

    log("ingest: again, nothing changed")
    same = etslib_ingest(docs, index, catalog, jobs=jobs, optimize=optimize)
    n_docs = max(1, cold["documents"] or len(corpus.documents))
    same["seconds_per_10k_documents"] = round(same["seconds"] * 10_000 / n_docs, 3)
    out["unchanged"] = same
    log(f"  unchanged: {same['seconds']} s ({same['seconds_per_10k_documents']} s per 10,000 documents), wall {same['wall_seconds']} s")

    edited, n_changed = edited_catalog(corpus, 0.10)
    log(f"ingest: metadata only (publisher changed for {n_changed} documents)")
    meta = etslib_ingest(docs, index, edited, jobs=jobs, optimize=optimize)
    meta["edited_entries"] = n_changed
    meta["ratio_to_cold"] = ratio(meta["seconds"], cold["seconds"], 4)
    out["metadata_only"] = meta
    log(f"  metadata-only: {meta['seconds']} s = {meta['ratio_to_cold']} of cold; counts {meta['counts']}")

    log("ingest: full rebuild (--rebuild, from the text cache)")
    reb = etslib_ingest(docs, index, catalog, jobs=jobs, rebuild=True, optimize=optimize)
    reb["ratio_to_cold"] = ratio(reb["seconds"], cold["seconds"], 4)
    out["rebuild"] = reb
    log(f"  rebuild: {reb['seconds']} s = {reb['pages_per_s']} pages/s ({reb['ratio_to_cold']} of cold)")

    out["catalog_load_seconds"] = catalog_load_seconds(docs, catalog)
    out["index_mb"] = round(sum(p.stat().st_size for p in index.rglob("*") if p.is_file() and "textcache" not in p.parts) / 2**20, 1)
    out["textcache_mb"] = round(sum(p.stat().st_size for p in (index / "textcache").rglob("*") if p.is_file()) / 2**20, 1)
    return out


def ensure_index(corpus: Corpus, index: Path, *, jobs: int = 2, optimize: bool = False) -> dict[str, Any] | None:
    """An index to search: the existing one if it opens, else a fresh (unmeasured) ingest."""
    try:
        from search.query.searcher import Searcher

        with Searcher(index) as s:
            n = s.state().snap.n_docs
        if n:
            log(f"index: reusing {index} ({n} documents)")
            return None
    except Exception as e:  # missing, outdated or broken: build it
        log(f"index: {index} cannot be used ({type(e).__name__}: {e}); ingesting")
    if index.exists():
        shutil.rmtree(index)
    return etslib_ingest(corpus.docs_dir, index, corpus.catalog, jobs=jobs, optimize=optimize)
