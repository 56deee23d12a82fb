"""Hostile files: the 73 hostile PDFs of the shared corpus and files made
here (decompression bombs, a 10,000-page PDF, a circular page tree,
100 MB of nested HTML, a 60 MB text file, FIFOs, a device, sockets,
symbolic links in and out of the folder, names that are not UTF-8 or are
255 bytes long, bad catalogs). Each is indexed or reported with its
reason, the batch goes on, and the time and memory of the WHOLE ingest
(the main process and every worker) stay bounded."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import SHARED, has_shared_corpus

from . import hostile
from .figures import scale
from .helpers import ROOT, etslib

TIMEOUT = 30  # seconds per document, for this test
#: Memory of the main ingest process, and of the whole tree at any moment.
MAIN_MB, TREE_MB = 1024, 2 * 3072 + 1024


def _watch(proc: subprocess.Popen, peaks: dict) -> None:
    """Sample the RSS of the ingest and all its descendants until it exits."""
    try:
        root = psutil.Process(proc.pid)
    except psutil.NoSuchProcess:
        return
    while proc.poll() is None:
        try:
            main = root.memory_info().rss
            tree = main + sum(c.memory_info().rss for c in root.children(recursive=True) if c.is_running())
        except psutil.Error:
            time.sleep(0.1)
            continue
        peaks["main"] = max(peaks.get("main", 0), main)
        peaks["tree"] = max(peaks.get("tree", 0), tree)
        time.sleep(0.1)


def _ingest_watched(folder: Path, index: Path, *args: str, limit: float) -> tuple[subprocess.CompletedProcess, float, dict]:
    cmd = [sys.executable, "-m", "webui.cli", "ingest", str(folder), "--index", str(index), "--json", *args]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    peaks: dict = {}
    watcher = threading.Thread(target=_watch, args=(proc, peaks), daemon=True)
    watcher.start()
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    watcher.join(5)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), time.monotonic() - t0, peaks


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """A folder of hostile files; what each one is."""
    base = tmp_path_factory.mktemp("hostile")
    docs, outside = base / "docs", base / "outside"
    docs.mkdir()
    outside.mkdir()
    kinds: dict[str, str] = {}
    if has_shared_corpus():
        for p in sorted((SHARED / "hostile-pdfs").glob("*/*.pdf")):
            shutil.copy2(p, docs / f"{p.parent.name}__{p.name}")
            kinds[f"{p.parent.name}__{p.name}"] = "hostile PDF"
    made = {
        "bomb-inflates.pdf": lambda p: hostile.decompression_bomb(p, scale(256, 2048) << 20),
        "bomb-image.pdf": hostile.image_bomb,
        "pages-10000.pdf": lambda p: hostile.many_pages(p, 10_000),
        "circular-page-tree.pdf": hostile.circular_page_tree,
        "nested-100mb.html": lambda p: hostile.sparse(p, 100 << 20, b"<html><body>" + b"<div><p>carbon " * 5000),
        "nested-deep.html": lambda p: hostile.nested_html(p, scale(2, 24) << 20),
        "text-60mb.txt": lambda p: hostile.huge_text(p, 60 << 20),
        "binary.txt": lambda p: p.write_bytes(bytes(range(256)) * 4000),
        "empty.txt": lambda p: p.write_bytes(b""),
        "not-a-pdf.pdf": lambda p: p.write_bytes(b"<html>this is no PDF</html>"),
        "truncated.pdf": lambda p: p.write_bytes((SHARED / "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf").read_bytes()[:20000]) if has_shared_corpus() else p.write_bytes(b"%PDF-1.7\n1 0 obj"),
    }
    if scale(0, 1):
        made["bomb-inflates-2.pdf"] = lambda p: hostile.decompression_bomb(p, 4096 << 20)
        made["pages-4999.pdf"] = lambda p: hostile.many_pages(p, 4999)
    for name, make in made.items():
        make(docs / name)
        kinds[name] = "made here"
    for name in hostile.special_files(docs, outside):
        kinds[name] = "special file or link"
    for name in hostile.odd_names(docs):
        kinds[name] = "odd name"
    (docs / "good.txt").write_text("A good carbon market report.\n\nAllowances are auctioned in the emissions trading system.\n")
    kinds["good.txt"] = "control"
    return base, docs, kinds


def test_hostile_files_are_reported_and_the_whole_ingest_stays_bounded(hostile_folder, figures):
    base, docs, kinds = hostile_folder
    limit = 60 + TIMEOUT * len(kinds) / 2  # every document at its timeout, two at a time
    run, took, peaks = _ingest_watched(docs, base / "ix", "--jobs", "2", "--timeout", str(TIMEOUT), limit=limit)
    area = "files: hostile"
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout)
    seen: dict[str, str] = {}
    for f in report["failures"]:
        seen[Path(f["path"]).name] = f"{f['code']}: {f['reason']}"
    for s in report["skipped"]:
        seen[Path(s["path"]).name] = f"skipped: {s['reason']}"
    for d in report["duplicates"]:
        seen[Path(d["path"]).name] = "duplicate"
    from search.index import IndexRoot, Snapshot

    with Snapshot(IndexRoot(base / "ix").open()) as snap:
        for info in snap.infos:
            seen[Path(info["path"]).name] = "indexed"
    from search.ingest.safety import shown

    for name, kind in sorted(kinds.items()):
        outcome = seen.get(name) or seen.get(shown(name).rsplit("/", 1)[-1])
        if name in ("outdir",):
            outcome = outcome or seen.get(name)
        ok = outcome is not None and (outcome == "indexed" or outcome == "duplicate" or ": " in outcome)
        figures.case(area, ok, f"{kind} {shown(name)[:60]}: {outcome or 'neither indexed nor reported'}")
    figures.measure(area, "whole ingest", f"{took:.0f} s (bound {limit:.0f} s)")
    figures.measure(area, "peak memory", f"main {peaks.get('main', 0) >> 20} MB, whole tree {peaks.get('tree', 0) >> 20} MB")
    codes: dict[str, int] = {}
    for v in seen.values():
        codes[v.split(":")[0]] = codes.get(v.split(":")[0], 0) + 1
    figures.measure(area, "outcomes", ", ".join(f"{k} {n}" for k, n in sorted(codes.items())))
    assert seen.get("good.txt") == "indexed"
    assert seen.get("text-60mb.txt", "").startswith("too-large") and seen.get("nested-100mb.html", "").startswith("too-large")
    assert seen.get("pages-10000.pdf", "").startswith("too-large")
    assert "outside the folders" in seen.get("passwd.txt", "") and "FIFO" in seen.get("pipe.txt", "")
    assert not figures.lost(area), figures.lost(area)
    assert took < limit
    assert peaks.get("main", 0) < MAIN_MB << 20, peaks
    assert peaks.get("tree", 0) < TREE_MB << 20, peaks
    # The index the batch left is searchable, and every document's pages render.
    out = etslib("search", "carbon", "--index", str(base / "ix"), "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["total"] >= 1


BAD_CATALOGS = {
    "billion-laughs": (
        "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
        "documents:\n  - path: good.txt\n    title: *i\n",
        "refused",
    ),
    "self-alias": ("documents:\n  - &r {path: good.txt, keywords: [*r]}\n", "refused"),
    "not-yaml": ("documents: [\n  - {path: good.txt\n", "refused"),
    "not-a-list": ("documents: 12\n", "refused"),
    "python-tag": ("documents:\n  - path: good.txt\n    title: !!python/object/apply:os.system ['touch /tmp/etslib-pwned']\n", "rows"),
    "wrong-types": (
        "documents:\n  - path: good.txt\n    title: {a: 1}\n  - path: good.txt\n    authors: [[x]]\n  - path: good.txt\n    year: [2020]\n"
        "  - path: good.txt\n    language: true\n  - path: good.txt\n    id: '<script>'\n  - [1, 2]\n  - 12\n",
        "rows",
    ),
    "out-of-range": (
        "documents:\n  - path: good.txt\n    year: 3000000000\n  - path: good.txt\n    year: -5\n  - path: good.txt\n    date: 2023-13-45\n"
        "  - path: good.txt\n    title: " + "x" * 5000 + "\n  - path: good.txt\n    jurisdictions: [" + ",".join(["EU"] * 500) + "]\n",
        "rows",
    ),
    "unknown-codes": ("documents:\n  - path: good.txt\n    jurisdictions: [XX, Atlantis]\n    language: qq\n    type: novel\n", "kept"),
    "csv-bad": ("path,year,colour\ngood.txt,twenty,red\n", "rows"),
}


_CATALOG_PEAK = [0]


@pytest.mark.parametrize("name", list(BAD_CATALOGS))
def test_bad_catalogs(tmp_path, figures, name):
    text, expect = BAD_CATALOGS[name]
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("A good carbon market report.\n\nAllowances are auctioned.\n")
    (docs / ("catalog.csv" if name.startswith("csv") else "catalog.yaml")).write_text(text, encoding="utf-8")
    run, took, peaks = _ingest_watched(docs, tmp_path / "ix", "--jobs", "1", limit=120)
    if expect == "refused":
        ok = run.returncode == 1 and run.stderr.startswith("etslib: ") and "Traceback" not in run.stderr
    else:
        report = json.loads(run.stdout) if run.returncode == 0 else {}
        problems = report.get("catalog", [])
        ok = run.returncode == 0 and report["counts"]["new"] == 1 and bool(problems)
        ok = ok and all(isinstance(p["line"], int) and p["line"] > 0 for p in problems)
        ok = ok and (expect == "kept") == all(p["kept"] for p in problems)
    ok = ok and peaks.get("main", 0) < 400 << 20 and took < 60
    ok = ok and not Path("/tmp/etslib-pwned").exists()
    figures.case("files: bad catalogs", ok, f"{name}: exit {run.returncode} {run.stderr.strip()[-200:]}")
    _CATALOG_PEAK[0] = max(_CATALOG_PEAK[0], peaks.get("main", 0) >> 20)
    figures.measure("files: bad catalogs", "peak main memory", f"{_CATALOG_PEAK[0]} MB (billion laughs included)")
    assert ok, (run.returncode, run.stderr[-500:], run.stdout[-500:])
