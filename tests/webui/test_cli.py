"""The etslib command as a user runs it: exit codes, output, the JSON contract."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


from search.index import IndexRoot

ROOT = Path(__file__).resolve().parents[2]


def etslib(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("ETSLIB_FAULT", None)
    return subprocess.run(
        [sys.executable, "-m", "webui.cli", *args], capture_output=True, text=True, env=full_env, cwd=cwd or ROOT, timeout=300
    )


CONTRACT_RESULT_KEYS = {"id", "title", "year", "jurisdictions", "type", "publisher", "language", "path", "score", "passages"}
FACETS = {"jurisdiction", "year", "type", "publisher", "author", "topic", "language"}


def test_search_json_contract(index_dir):
    out = etslib("search", "market stability reserve", "--index", str(index_dir), "--json", "--limit", "3")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert isinstance(data["total"], int) and data["total"] >= 3
    assert len(data["results"]) == 3
    for r in data["results"]:
        assert CONTRACT_RESULT_KEYS <= set(r)
        assert r["year"] is None or isinstance(r["year"], int)
        assert isinstance(r["jurisdictions"], list)
        for p in r["passages"]:
            assert isinstance(p["page"], int) and p["page"] >= 1 and "<mark>" in p["text"]
    assert set(data["facets"]) == FACETS
    for values in data["facets"].values():
        for v in values:
            assert {"value", "count"} <= set(v) and isinstance(v["count"], int)
    assert sum(v["count"] for v in data["facets"]["type"]) == data["total"]


def test_search_filters_and_paging_options(index_dir):
    base = json.loads(etslib("search", "allowances", "--index", str(index_dir), "--json").stdout)
    eu = json.loads(etslib("search", "allowances", "--index", str(index_dir), "--json", "--jurisdiction", "EU").stdout)
    assert 0 < eu["total"] < base["total"]
    ranged = json.loads(etslib("search", "allowances", "--index", str(index_dir), "--json", "--year-from", "2023", "--year-to", "2024").stdout)
    assert all(2023 <= r["year"] <= 2024 for r in ranged["results"])
    leg = json.loads(etslib("search", "allowances", "--index", str(index_dir), "--json", "--type", "legislation").stdout)
    assert all(r["type"] == "legislation" for r in leg["results"])
    p2 = json.loads(etslib("search", "allowances", "--index", str(index_dir), "--json", "--limit", "2", "--page", "2").stdout)
    assert [r["id"] for r in p2["results"]] == [r["id"] for r in base["results"][2:4]]


def test_search_text_output_and_env_index(index_dir):
    out = etslib("search", "碳排放权交易", env={"ETSLIB_INDEX": str(index_dir)})
    assert out.returncode == 0
    assert "documents" in out.stdout and "775" in out.stdout


def test_stats_and_show(index_dir):
    stats = json.loads(etslib("stats", "--index", str(index_dir), "--json").stdout)
    assert stats["documents"] == 11 and stats["pages"] > 300
    assert set(stats["facets"]) == FACETS
    assert stats["last_ingest"]["counts"]["new"] == 11
    some = json.loads(etslib("search", "", "--index", str(index_dir), "--json", "--limit", "1").stdout)["results"][0]
    shown = etslib("show", some["id"], "--index", str(index_dir), "--json")
    info = json.loads(shown.stdout)
    assert info["id"] == some["id"] and info["page_count"] >= 1 and info["sha256"]
    text = etslib("show", some["id"], "--index", str(index_dir))
    assert "page_count" in text.stdout
    missing = etslib("show", "no-such-doc", "--index", str(index_dir))
    assert missing.returncode == 1 and "no document" in missing.stderr


def test_ingest_exit_codes(shared_corpus, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy2(shared_corpus / "hostile-pdfs/encrypted/pypdf__r4-aes-user-password.pdf", corpus)
    shutil.copy2(shared_corpus / "hostile-pdfs/control/pdfjs__tracemonkey.pdf", corpus)
    (corpus / "notes.docx").write_bytes(b"not supported")
    index = tmp_path / "ix"
    ok = etslib("ingest", str(corpus), "--index", str(index))
    assert ok.returncode == 0, ok.stderr  # the batch ran, one file failed
    assert "failed 1" in ok.stdout and "encrypted" in ok.stdout
    assert "skipped 1" in ok.stdout
    # Parser warnings go to the log, not the terminal.
    assert ok.stderr.strip() == ""
    strict = etslib("ingest", str(corpus), "--index", str(index), "--strict", "--json")
    report = json.loads(strict.stdout)
    assert strict.returncode == 3 and report["counts"]["failed"] == 1
    assert report["failures"][0]["code"] == "encrypted"


def test_ingest_cannot_run(tmp_path, shared_corpus):
    missing = etslib("ingest", str(tmp_path / "nope"), "--index", str(tmp_path / "ix"))
    assert missing.returncode == 2  # bad arguments
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy2(shared_corpus / "real-ets/news/CLEW_Understanding_the_EU_ETS_2024-05-23.txt", corpus)
    root = IndexRoot(tmp_path / "ix")
    with root.lock():
        busy = etslib("ingest", str(corpus), "--index", str(root.root))
    assert busy.returncode == 1
    assert busy.stderr.count("\n") == 1 and "another process" in busy.stderr
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.geteuid() != 0:  # root ignores permissions
            denied = etslib("ingest", str(corpus), "--index", str(ro / "ix"))
            assert denied.returncode == 1 and denied.stderr.startswith("etslib: ")
    finally:
        ro.chmod(0o700)
    bad_catalog = tmp_path / "bad.yaml"
    bad_catalog.write_text("documents:\n  - path: x.pdf\n    colour: red\n", encoding="utf-8")
    # A bad row is left out and reported with its line; the batch goes on (--strict: exit 3).
    bad = etslib("ingest", str(corpus), "--index", str(tmp_path / "ix2"), "--catalog", str(bad_catalog), "--strict")
    assert bad.returncode == 3 and "line 2: unknown field 'colour'" in bad.stdout
    unreadable = tmp_path / "unreadable.yaml"
    unreadable.write_text("documents: [\n", encoding="utf-8")
    whole = etslib("ingest", str(corpus), "--index", str(tmp_path / "ix3"), "--catalog", str(unreadable))
    assert whole.returncode == 1 and "not valid YAML" in whole.stderr


def test_search_without_an_index(tmp_path):
    out = etslib("search", "carbon", "--index", str(tmp_path / "none"))
    assert out.returncode == 1 and "etslib ingest" in out.stderr


def test_stats_and_ingest_list_values_to_check(shared_corpus, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    paper = shared_corpus / "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf"
    shutil.copy2(paper, docs / paper.name)
    index = tmp_path / "ix"
    ingested = etslib("ingest", str(docs), "--index", str(index))
    assert ingested.returncode == 0 and "derived values to check" in ingested.stdout
    report = json.loads(etslib("ingest", str(docs), "--index", str(index), "--json").stdout)
    assert report["review"] == []  # nothing was derived again
    stats = json.loads(etslib("stats", "--index", str(index), "--json").stdout)
    assert {"field": "publisher", "value": None, "confidence": 0.0, "source": "none"}.items() <= stats["review"][0].items()
    text = etslib("stats", "--index", str(index)).stdout
    assert "in the index to check" in text and "publisher = —  [none, 0.00]" in text
    shown = etslib("show", stats["review"][0]["id"], "--index", str(index)).stdout
    assert "[pdf-metadata" in shown or "[text, 0." in shown  # sources with their confidence


def test_show_lists_every_version_of_the_work(shared_index):
    root, _ = shared_index
    from search.query.searcher import Searcher

    with Searcher(root) as s:
        law = [i for i in s.documents() if i["path"].endswith("L_2021243EN_European_Climate_Law_OJ.txt")][0]
        family = [v["id"] for v in s.versions(law["id"])]
    assert len(family) == 3
    text = etslib("show", law["id"], "--index", str(root.root)).stdout
    assert "versions: 3 of this work, newest first" in text
    lines = [ln for ln in text.splitlines() if any(f"[{i}]" in ln for i in family)]
    assert [next(i for i in family if f"[{i}]" in ln) for ln in lines] == family  # in the family's order
    assert sum("(this one)" in ln for ln in lines) == 1 and "(this one)" in next(ln for ln in lines if f"[{law['id']}]" in ln)
