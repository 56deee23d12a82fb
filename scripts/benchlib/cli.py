"""``scripts/bench``: arguments, the order of the stages, the output."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from . import common, extraction, fts5, httpload, ingest, judged, latency, ranking, report, tantivy_ref
from .common import DEFAULT_CACHE, SHARED, Skip, log, write_json
from .corpus import SIZES, corpus_key, ensure_corpus, with_records
from .queries import distinct_queries, query_mix

STAGES = ("ingest", "records", "refs", "search", "http", "ranking")

DESCRIPTION = """\
Benchmark etslib on a seeded scale corpus made of real texts, beside
reference engines measured in the same run on the same pages and queries:
PDF extraction alone (pypdf, pypdfium2, pdftotext), a pdftotext + SQLite
FTS5 pipeline, tantivy, and ranking quality (Cranfield, and the judged
questions of tests/gold/questions over the shared corpus). Prints a table with
PASS/MISS per target and writes every figure to a JSON file.

Stages (all by default; pick with --only):
  ingest   cold ingest, re-ingest unchanged, metadata-only reindex, rebuild, peak memory
  records  etslib import records of the 3,312 Chinese carbon-market notices, then again unchanged
  refs     extraction alone, the pdftotext+FTS5 pipeline, the tantivy build
  search   in-process latency of etslib (cold and warm) beside FTS5 and tantivy
  http     etslib serve --workers 2 under wrk: requests/s, latency, errors, worker memory
  ranking  Cranfield nDCG@10 and MAP: etslib, tantivy BM25, FTS5 bm25(); and the
           judged questions (84 queries over the 106 files of real-ets/,
           climate-policy/, more-ets/): nDCG@10, page hit@3 and MRR per query type

The corpus and indexes are cached under --cache (keyed by size and seed)
and reused; the corpus needs the shared corpus (../shared/corpus or
$ETSLIB_SHARED_CORPUS). Set up the references with: scripts/setup --bench
"""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--size", choices=list(SIZES), default="small",
                   help="corpus size: small ≈1,000, medium ≈10,000, large ≈100,000, xlarge ≈1,000,000 pages plus the 3,312 "
                        "bulk Chinese records (default small)")
    g.add_argument("--pages", type=int, metavar="N", help="corpus of about N pages instead of a named size (tests)")
    p.add_argument("--with-records", action="store_true", help="add the bulk Chinese records to the corpus (always at xlarge)")
    p.add_argument("--seed", type=int, default=1, help="seed of the corpus and the query order (default 1)")
    p.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help=f"cache folder (default {DEFAULT_CACHE})")
    p.add_argument("--out", type=Path, help="JSON output (default <cache>/bench-<size>-s<seed>.json)")
    p.add_argument("--only", metavar="STAGES", help="comma-separated stages: " + ",".join(STAGES))
    p.add_argument("--queries", type=int, metavar="N", help="use N queries of the mix (every kind kept), not all")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds of the query mix in-process (default 3)")
    p.add_argument("--optimize", action="store_true", help="etslib ingest --optimize: merge the index into one segment after each ingest")
    p.add_argument("--jobs", type=int, default=2, help="ingest worker processes, etslib and the reference pipeline (default 2)")
    p.add_argument("--http-seconds", type=float, help="length of the /api/search load run (default 10/20/30 s by size)")
    p.add_argument("--html-seconds", type=float, help="length of the HTML page load run (default half of --http-seconds)")
    p.add_argument("--connections", type=int, default=2, help="concurrent HTTP connections (default 2 = one per worker)")
    p.add_argument("--cranfield-docs", type=int, metavar="N", help="rank over the first N Cranfield documents only (tests)")
    p.add_argument("--cranfield-queries", type=int, metavar="N", help="use the first N Cranfield queries only (tests)")
    p.add_argument("--judged-queries", type=int, metavar="N", help="use N judged questions (query types in turn) only (tests)")
    p.add_argument("--judged-docs", type=int, metavar="N", help="index N files of the judged collection only, the questions' relevant ones first (tests)")
    p.add_argument("--rebuild-corpus", action="store_true", help="regenerate the corpus even when cached")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    stages = [s.strip() for s in (args.only or ",".join(STAGES)).split(",") if s.strip()]
    bad = [s for s in stages if s not in STAGES]
    if bad:
        p.error(f"unknown stage(s) {', '.join(bad)}; choose from {', '.join(STAGES)}")
    args.stages = stages
    if args.pages is not None and args.pages < 20:
        p.error("--pages must be at least 20")
    return args


def _stage(results: dict[str, Any], name: str, fn: Callable[[], dict[str, Any]]) -> bool:
    """Run one stage into ``results[name]``; a failure is recorded and the run goes on."""
    try:
        results[name] = fn()
        return True
    except Skip as e:
        results[name] = {"skipped": str(e)}
        log(f"{name}: skipped: {e}")
    except Exception as e:
        results[name] = {"skipped": f"failed: {type(e).__name__}: {e}", "error": traceback.format_exc()}
        log(f"{name}: FAILED: {type(e).__name__}: {e}")
    return False


def missing_shared_corpus() -> str | None:
    """Why the shared corpus cannot be used, or None when it is there.

    Every stage reads it (the scale corpus is made of its texts; the records,
    Cranfield and the judged questions are in it), so without it nothing can
    be measured and the run stops before it starts.
    """
    if (SHARED / "MANIFEST.tsv").is_file():
        return None
    where = "$ETSLIB_SHARED_CORPUS" if "ETSLIB_SHARED_CORPUS" in os.environ else "the default, ../shared/corpus beside the checkout"
    return (f"the shared corpus is missing: no {SHARED / 'MANIFEST.tsv'} (looked in {where}).\n"
            "Every stage is built from it. Set ETSLIB_SHARED_CORPUS to the folder holding MANIFEST.tsv, e.g.\n"
            "  ETSLIB_SHARED_CORPUS=/path/to/shared/corpus scripts/bench --size small")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    common.QUIET = args.quiet
    missing = missing_shared_corpus()
    if missing:
        print(f"scripts/bench: {missing}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()

    records = with_records(None if args.pages else args.size, args.with_records)
    key, target = corpus_key(None if args.pages else args.size, args.pages, args.seed, records)
    size_label = args.size if not args.pages else f"{args.pages} pages"
    cache = args.cache.expanduser().resolve()
    out_path = (args.out or cache / f"bench-{key}.json").resolve()
    work = cache / f"work-{key}"
    scale = {"small": 1, "medium": 2, "large": 3, "xlarge": 4}.get(args.size if not args.pages else "small", 1)
    http_seconds = args.http_seconds or 10 * scale
    html_seconds = args.html_seconds or max(2.0, http_seconds / 2)
    queries = query_mix(args.queries, args.seed)
    not_selected = "not selected (--only)"
    results: dict[str, Any] = {
        "meta": {
            "size_label": size_label, "target_pages": target, "seed": args.seed, "stages": args.stages, "argv": sys.argv[1:],
            "cache": str(cache), "out": str(out_path), "machine": report.machine(), "code": report.code_fingerprint(),
            "queries": [q.as_dict() for q in queries],
        },
        **{s: {"skipped": not_selected} for s in ("corpus",) + STAGES + ("questions",)},
    }
    ok = True
    corpus = None
    if set(args.stages) & {"ingest", "refs", "search", "http"}:
        def do_corpus() -> dict[str, Any]:
            nonlocal corpus
            corpus, stats = ensure_corpus(cache, None if args.pages else args.size, args.pages, args.seed, shared=SHARED, rebuild=args.rebuild_corpus,
                                          records=records)
            if not stats["cached"] and work.exists():
                shutil.rmtree(work)  # indexes of an older corpus
            work.mkdir(parents=True, exist_ok=True)
            return stats

        ok &= _stage(results, "corpus", do_corpus)
        if corpus is None:  # the stages below cannot run: say so, not "not selected"
            for s in set(args.stages) & {"ingest", "refs", "search", "http"}:
                results[s] = {"skipped": f"no corpus ({results['corpus']['skipped']})"}
    index = work / "etslib-index"
    fts_db = work / "ref-fts5.sqlite"
    tantivy_dir = work / "ref-tantivy"

    if corpus is not None and "ingest" in args.stages:
        ok &= _stage(results, "ingest", lambda: ingest.run(corpus, index, jobs=args.jobs, optimize=args.optimize))

    if "records" in args.stages:
        def do_records() -> dict[str, Any]:
            out = ingest.records_import(work / "records", jobs=args.jobs)
            if out is None:
                raise Skip(f"no {ingest.RECORDS_DIR} (the shared corpus)")
            return out

        work.mkdir(parents=True, exist_ok=True)
        ok &= _stage(results, "records", do_records)

    if corpus is not None and "refs" in args.stages:
        def do_refs() -> dict[str, Any]:
            out: dict[str, Any] = {}
            pdf_pages = sum(d["planned_pages"] for _, d in corpus.files("pdf"))
            budget = min(pdf_pages, max(750, pdf_pages // 20))
            pypdf_pages = min(budget, max(100, budget // 10))
            _stage(out, "extraction", lambda: extraction.run(corpus, budget_pages=budget, pypdf_pages=pypdf_pages,
                                                             pypdf_cap_seconds=30 * scale, seed=args.seed))
            if not shutil.which("pdftotext"):
                raise Skip("pdftotext is not installed (scripts/setup --bench installs poppler-utils)")
            log("refs: pdftotext + SQLite FTS5 pipeline")
            out["fts5_pipeline"] = fts5.build(corpus, fts_db, jobs=args.jobs)
            fts5.log_build(out["fts5_pipeline"])
            reason = tantivy_ref.available()
            if reason:
                shutil.rmtree(tantivy_dir, ignore_errors=True)
                out["tantivy_build"] = {"skipped": reason}
            else:
                log("refs: tantivy build")
                out["tantivy_build"] = tantivy_ref.build(fts_db, tantivy_dir, threads=args.jobs)
                log(f"  tantivy: {out['tantivy_build']['pages']:,} pages in {out['tantivy_build']['seconds']} s")
            return out

        ok &= _stage(results, "refs", do_refs)

    if corpus is not None and set(args.stages) & {"search", "http"} and "ingest" not in args.stages:
        def do_index() -> dict[str, Any]:
            built = ingest.ensure_index(corpus, index, jobs=args.jobs, optimize=args.optimize)
            return {"reused": built is None, **({"build": built} if built else {})}

        ok &= _stage(results["meta"], "index", do_index)

    if corpus is not None and "search" in args.stages:
        def do_search() -> dict[str, Any]:
            skipped: dict[str, str] = {}
            use_fts = fts_db if fts_db.is_file() else None
            if use_fts is None:
                skipped["fts5"] = "no reference index: run with the refs stage"
            tv_reason = tantivy_ref.available() or (None if (tantivy_dir / "docs").is_dir() else "no tantivy index: run with the refs stage")
            if tv_reason:
                skipped["tantivy"] = tv_reason
            return latency.run(index, queries, rounds=args.rounds, fts_db=use_fts,
                              tantivy_dir=None if tv_reason else tantivy_dir, skipped_refs=skipped)

        ok &= _stage(results, "search", do_search)

    if corpus is not None and "http" in args.stages:
        def do_http() -> dict[str, Any]:
            expected = {}
            for row in results.get("search", {}).get("per_query", []):
                if "etslib_cold" in row["total"]:
                    expected[row["query"]] = row["total"]["etslib_cold"]
            if not expected:
                from search.query.searcher import Searcher

                with Searcher(index) as s:
                    expected = {q.label(): s.search(latency.request_for(q)).total for q in queries}
            distinct = distinct_queries(corpus.documents, 5000, args.seed)
            return httpload.run(index, queries, seconds=http_seconds, html_seconds=html_seconds, connections=args.connections,
                            workdir=work / "http", expected_totals=expected, distinct=distinct)

        ok &= _stage(results, "http", do_http)

    if "ranking" in args.stages:
        def do_ranking() -> dict[str, Any]:
            if not (SHARED / "datasets" / "ir-classic" / "cranfield" / "cranqrel").is_file():
                raise Skip(f"the Cranfield collection is not in {SHARED}")
            return ranking.run(SHARED, cache / "cranfield", max_docs=args.cranfield_docs, max_queries=args.cranfield_queries,
                               jobs=args.jobs, with_tantivy=tantivy_ref.available() is None)

        ok &= _stage(results, "ranking", do_ranking)

        def do_questions() -> dict[str, Any]:
            if not all((SHARED / f).is_dir() for f in judged.FOLDERS):
                raise Skip(f"the judged collection ({', '.join(judged.FOLDERS)}) is not in {SHARED}")
            return judged.run(SHARED, cache / "judged", max_queries=args.judged_queries, max_docs=args.judged_docs,
                              jobs=args.jobs, with_tantivy=tantivy_ref.available() is None)

        ok &= _stage(results, "questions", do_questions)

    results["sizes"] = report.disk_sizes(index, fts_db, tantivy_dir)
    results["meta"]["code_end"] = report.code_fingerprint()
    results["meta"]["code_changed_during_run"] = results["meta"]["code_end"] != results["meta"]["code"]
    results["ratios"] = report.ratios(results)
    results["targets"] = report.evaluate(results, args.size if not args.pages else "custom")
    results["scale"] = report.scale_rows(results)
    results["meta"]["seconds"] = round(time.perf_counter() - t0, 1)
    write_json(out_path, results)
    print(report.render(results))
    return 0 if ok else 1
