"""Smoke test of the benchmark harness (``scripts/bench``) at a tiny size, so it cannot rot.

One run of the real command (about 150 pages, a dozen queries, 200
Cranfield documents) shared by the checks below; HTTP is left out when
``wrk`` is missing and tantivy when it is not installed, with the reason.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.shared

SECTIONS = ("meta", "corpus", "ingest", "refs", "search", "http", "ranking", "questions", "ratios", "targets")


def _has_tantivy() -> bool:
    return importlib.util.find_spec("tantivy") is not None


@pytest.fixture(scope="module")
def bench(shared_corpus, tmp_path_factory) -> dict:
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext is not installed (scripts/setup --bench)")
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "bench.json"
    stages = ["ingest", "refs", "search", "ranking"] + (["http"] if shutil.which("wrk") else [])
    cmd = [
        sys.executable, str(ROOT / "scripts" / "bench"), "--pages", "150", "--queries", "12", "--rounds", "1",
        "--http-seconds", "2", "--html-seconds", "2", "--cranfield-docs", "200", "--cranfield-queries", "20",
        "--judged-queries", "6", "--judged-docs", "10",
        "--cache", str(tmp / "cache"), "--out", str(out), "--only", ",".join(stages), "--quiet",
    ]
    env = dict(os.environ, ETSLIB_SHARED_CORPUS=str(shared_corpus), ETSLIB_BENCH_NO_REEXEC="1")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert out.is_file(), f"no JSON written (exit {r.returncode}):\n{r.stdout}\n{r.stderr}"
    data = json.loads(out.read_text("utf-8"))
    data["_stdout"] = r.stdout
    data["_exit"] = r.returncode
    return data


def test_every_section_and_a_table(bench):
    for name in SECTIONS:
        assert name in bench, name
    failed = {k: v["error"] for k, v in bench.items() if isinstance(v, dict) and "error" in v}
    assert not failed, failed
    assert bench["_exit"] == 0
    for word in ("INGEST", "SEARCH", "HTTP", "RANKING", "TARGETS", "PASS"):
        assert word in bench["_stdout"]
    keys = {t["key"] for t in bench["targets"]}
    assert {"ingest_cold_vs_reference", "search_p50_vs_fts5", "search_glossary_p50_vs_fts5", "http_rps", "ranking_ndcg_vs_bm25", "worker_rss"} <= keys
    m = bench["meta"]["machine"]
    assert m["cores"] and m["python"] and m["libraries"]["sqlite"]


def test_ingest_figures(bench):
    ing = bench["ingest"]
    assert ing["cold"]["pages"] >= 100 and ing["cold"]["pages_per_s"] > 0
    c = ing["unchanged"]["counts"]
    assert c["new"] == c["updated"] == 0
    assert c["unchanged"] + c["failed"] == bench["corpus"]["documents"]
    assert ing["metadata_only"]["counts"]["metadata"] == ing["metadata_only"]["edited_entries"] >= 1
    assert ing["rebuild"]["pages"] == ing["cold"]["pages"]
    assert ing["cold"]["memory"]["peak_tree_rss_mb"] > 0


def test_references_and_search(bench):
    refs = bench["refs"]
    assert refs["fts5_pipeline"]["pages_per_s"] > 0
    assert refs["extraction"]["pdftotext"]["pages"] > 0 and refs["extraction"]["pypdf"]["sampled"]
    engines = bench["search"]["engines"]
    for name in ("etslib_cold", "etslib_cold_typed", "etslib_warm", "fts5"):
        assert engines[name]["n"] == 12 and engines[name]["p50_ms"] > 0
    assert not bench["search"]["errors"]
    # Both etslib modes ran every query; plain words are not glossary terms.
    for row in bench["search"]["per_query"]:
        assert {"etslib_cold", "etslib_cold_typed"} <= set(row["total"]), row["query"]
        if row["kind"] == "single" and row["query"] in ("turbulent", "hydrogen"):
            assert row["total"]["etslib_cold_typed"] == row["total"]["etslib_cold"], row["query"]
    # The references find the same documents for plain words.
    for row in bench["search"]["per_query"]:
        if row["kind"] == "single":
            assert row["total"]["fts5"] > 0


def test_tantivy(bench):
    if not _has_tantivy():
        pytest.skip("tantivy is not installed (scripts/setup --bench)")
    assert bench["refs"]["tantivy_build"]["pages"] > 0
    assert bench["search"]["engines"]["tantivy"]["n"] == 12
    assert bench["ranking"]["tantivy_bm25"]["ndcg@10"] > 0


def test_http(bench):
    if not shutil.which("wrk"):
        pytest.skip("wrk is not installed (scripts/setup --bench): the HTTP stage was left out")
    h = bench["http"]
    assert h["api"]["requests"] > 0 and h["api"]["errors"] == 0
    assert h["html"]["requests"] > 0 and h["html"]["errors"] == 0
    assert h["api_distinct"]["requests"] > 0 and h["api_distinct"]["errors"] == 0
    assert not h["check"]["errors"] and not h["check"]["total_mismatches"]
    for run in ("api", "api_distinct", "html"):  # how the work split between the two workers
        cpu = h[run]["worker_cpu_s"]
        assert len(cpu) == 2 and sum(cpu) > 0 and 0.5 <= h[run]["busiest_worker_share"] <= 1
        assert ("note" in h[run]) == (h[run]["busiest_worker_share"] > 0.75)
    mem = h["memory"]
    assert mem["max_worker_rss_mb"] > 0 and mem["max_rest_worker_rss_mb"] > 0
    assert len(mem["peak_worker_rss_mb"]) == mem["workers"] == 2  # sampled under load, each worker
    assert mem["max_peak_worker_rss_mb"] >= mem["max_worker_rss_mb"]


def test_ranking(bench):
    rk = bench["ranking"]
    assert rk["queries"] == 20
    for name in ("etslib", "etslib_expand", "fts5_bm25"):
        assert 0 < rk[name]["ndcg@10"] <= 1
    q = bench["questions"]
    assert q["queries"] == 6 and q["documents"] == 10
    for name in ("etslib", "etslib_typed", "fts5_bm25"):
        assert 0 < q["groups"][name]["overall"]["ndcg@10"] <= 1
    assert "RANKING (judged questions" in bench["_stdout"]
    assert {"questions_ndcg_vs_bm25", "questions_hit3_vs_bm25", "questions_long_ndcg_vs_bm25",
            "questions_worst_type_vs_bm25"} <= {t["key"] for t in bench["targets"]}


def test_corpus_is_deterministic_and_unique(shared_corpus, tmp_path):
    from benchlib.corpus import generate
    from benchlib.sources import load_sources

    sources = load_sources(shared_corpus)
    digests = []
    for name in ("a", "b"):
        man = generate(tmp_path / name, sources, 120, seed=7)
        digests.append({d["path"]: hashlib.sha256((tmp_path / name / d["path"]).read_bytes()).hexdigest() for d in man["documents"]})
    assert digests[0] == digests[1]
    assert len(set(digests[0].values())) == len(digests[0])  # ingest dedupes by sha256
    assert (tmp_path / "a" / "catalog.yaml").read_bytes() == (tmp_path / "b" / "catalog.yaml").read_bytes()


def test_query_translation():
    from benchlib.queries import MIX, parse, to_fts5, to_tantivy

    assert len(MIX) >= 50
    assert to_fts5(parse("allowances NOT aviation")) == '("allowances" NOT "aviation")'
    assert to_tantivy(parse("cap -aviation")) == "(cap -aviation)"
    assert to_fts5(parse('"free allocation" OR alloc*')) == '("free allocation" OR "alloc"*)'
    assert to_fts5(parse("配额")) == '"配 额"'
    assert parse("") is None


def test_figures_at_scale(bench):
    """Issue 15's measures, each beside its reference of the same run."""
    sizes = bench["sizes"]
    assert sizes["etslib_index_mb"] > 0 and sizes["fts5_db_mb"] > 0
    assert bench["ratios"]["index_size_vs_fts5_db"] > 0
    keys = {t["key"]: t for t in bench["targets"]}
    assert keys["ingest_peak_memory"]["value"] >= bench["ingest"]["cold"]["memory"]["peak_tree_rss_mb"]
    assert keys["index_size_vs_fts5"]["value"] == bench["ratios"]["index_size_vs_fts5_db"]
    rows = {x["measure"]: x for x in bench["scale"] if x["measure"]}
    assert rows["cold search p50, glossary on"]["reference"] == "FTS5" and rows["cold search p50, glossary on"]["ratio"] > 0
    assert rows["cold ingest"]["ratio"] > 0 and rows["index size (page text included)"]["ratio"] > 0
    assert "AT SCALE" in bench["_stdout"]


def test_bulk_records_in_the_corpus(shared_corpus, tmp_path):
    """The xlarge corpus's bulk records: unique files, a catalog etslib reads without a problem."""
    from benchlib.corpus import RECORDS_SUBDIR, SIZES, generate, with_records
    from benchlib.sources import load_sources
    from search.ingest.catalog import load_catalog

    assert with_records("xlarge") and not with_records("large") and SIZES["xlarge"] == 1_000_000
    man = generate(tmp_path, load_sources(shared_corpus), 60, seed=1, records_dir=shared_corpus / RECORDS_SUBDIR)
    recs = [d for d in man["documents"] if d["kind"] == "record"]
    assert len(recs) > 2000 and man["stats"]["files_by_kind"]["record"] == len(recs)
    digests = {hashlib.sha256((tmp_path / d["path"]).read_bytes()).hexdigest() for d in man["documents"]}
    assert len(digests) == len(man["documents"])
    cat = load_catalog([], [tmp_path / "catalog.yaml"])
    assert not cat.problems, cat.problems[:3]
    first = cat.lookup(str((tmp_path / recs[0]["path"]).resolve()), None)
    assert first["jurisdictions"] == ["CN"] and first["publisher"] and first["title"]
