"""A damaged index is found and repaired, never read wrongly (issue 14,
defects 7, 8 and 13): checksums are written at every commit and checked
when the index is opened; ``etslib check`` says what is wrong and how to
fix it; ``ingest`` rebuilds the damaged part from the text cache;
``--rebuild`` always works; a full disk leaves no half-written segment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from search.index import IndexDamaged, IndexRoot, Snapshot
from search.index.checksums import verify
from search.model import SearchRequest
from search.query.searcher import Searcher
from tests.conftest import CORPUS
from tests.support.cli import etslib


def _state(index: Path) -> tuple[int, int, set[str]]:
    with Snapshot(IndexRoot(index).open()) as snap:
        return snap.n_docs, snap.n_pages, {info["id"] for info in snap.infos}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The sample corpus indexed in small batches (several segments), and its state."""
    base = tmp_path_factory.mktemp("sums")
    out = etslib("ingest", str(CORPUS), "--index", str(base / "ix"), "--batch-pages", "60", "--jobs", "2")
    assert out.returncode == 0, out.stderr
    return base / "ix", _state(base / "ix")


def _copy(built, tmp_path) -> Path:
    dest = tmp_path / "ix"
    shutil.copytree(built[0], dest)
    return dest


def _store(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def _segment_file(index: Path, ext: str) -> Path:
    return max(_store(index).glob(f"MAIN_*{ext}"), key=lambda p: p.stat().st_size)


def test_every_commit_writes_checksums(built):
    index, _ = built
    sums = list(_store(index).glob("checksums-*.json"))
    assert len(sums) == 1
    data = json.loads(sums[0].read_text())
    assert data["segments"] and all(desc["files"] and desc["dns"] for desc in data["segments"].values())
    verdict = verify(IndexRoot(index).open())
    assert verdict.checked and not verdict.damaged and verdict.files >= 12


@pytest.mark.parametrize("ext", [".pg.col", ".pst", ".trm", "._stored.col", ".dn.col"])
def test_a_truncated_segment_file_is_caught_and_repaired(built, tmp_path, ext):
    index = _copy(built, tmp_path)
    victim = _segment_file(index, ext)
    os.truncate(victim, victim.stat().st_size * 3 // 10)
    # Searching says so, with the way out (a .pg.col cut to 30% gave 25 of 106 documents).
    with pytest.raises(IndexDamaged, match="etslib ingest"):
        Searcher(index).search(SearchRequest(q="allowances"))
    out = etslib("search", "allowances", "--index", str(index))
    assert out.returncode == 1 and "damaged" in out.stderr and "Traceback" not in out.stderr
    check = etslib("check", "--index", str(index))
    assert check.returncode == 4 and victim.name in check.stdout and "to fix" in check.stdout
    # A plain ingest notices and indexes the damaged segment's documents again from the text cache.
    again = etslib("ingest", str(CORPUS), "--index", str(index), "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["counts"]["from_cache"] >= 1 and any("damaged" in n for n in report["notes"])
    assert _state(index) == built[1]
    assert etslib("check", "--index", str(index), str(CORPUS)).returncode == 0


def test_a_flipped_byte_is_caught(built, tmp_path):
    index = _copy(built, tmp_path)
    victim = _segment_file(index, ".pst")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x10
    victim.write_bytes(bytes(data))
    with pytest.raises(IndexDamaged, match="checksum"):
        Searcher(index).search(SearchRequest(q="allowances"))
    assert etslib("check", "--index", str(index)).returncode == 4
    assert etslib("ingest", str(CORPUS), "--index", str(index)).returncode == 0
    assert _state(index) == built[1]


@pytest.mark.parametrize("damage", ["toc", "toc-deleted", "checksums", "current-binary", "current-missing-store", "version"])
def test_damage_to_the_whole_index_is_rebuilt(built, tmp_path, damage):
    index = _copy(built, tmp_path)
    store = _store(index)
    if damage == "toc":
        toc = next(store.glob("_MAIN_*.toc"))
        toc.write_bytes(toc.read_bytes()[:100])
    elif damage == "toc-deleted":
        next(store.glob("_MAIN_*.toc")).unlink()
    elif damage == "checksums":
        next(store.glob("checksums-*.json")).write_text("{")
    elif damage == "current-binary":
        (index / "CURRENT").write_bytes(os.urandom(64))
    elif damage == "current-missing-store":
        (index / "CURRENT").write_text("store-19990101T000000-1-00000\n")
    else:
        (store / "etslib.json").write_bytes(b"\x00\xff")
    out = etslib("search", "allowances", "--index", str(index))
    assert out.returncode == 1 and "Traceback" not in out.stderr and "etslib ingest" in out.stderr
    assert etslib("check", "--index", str(index)).returncode in (1, 4)
    for args in (["--rebuild"], []):  # --rebuild always works; so does a plain ingest
        again = etslib("ingest", str(CORPUS), "--index", str(index), *args)
        assert again.returncode == 0, again.stderr
        assert _state(index) == built[1]


def test_an_index_without_checksums_gets_them(built, tmp_path):
    index = _copy(built, tmp_path)
    for p in _store(index).glob("checksums-*.json"):
        p.unlink()
    assert not verify(IndexRoot(index).open()).checked
    assert etslib("search", "allowances", "--index", str(index)).returncode == 0
    out = json.loads(etslib("ingest", str(CORPUS), "--index", str(index), "--json").stdout)
    assert any("checksums recorded" in n for n in out["notes"])
    assert verify(IndexRoot(index).open()).checked


def test_the_web_reports_damage_with_the_way_out_and_no_path(built, tmp_path):
    from webui import create_app
    from webui.state import close

    index = _copy(built, tmp_path)
    os.truncate(_segment_file(index, ".pst"), 100)
    app = create_app({"TESTING": True, "INDEX": str(index)})
    try:
        c = app.test_client()
        for url in ("/?q=allowances", "/api/search?q=allowances", "/about"):
            r = c.get(url)
            assert r.status_code == 503 and b"etslib ingest" in r.data and str(tmp_path).encode() not in r.data
    finally:
        close(app)


def _leftovers(index: Path) -> set[str]:
    """Files of the live store that its checksums (its commits) do not account for."""
    store = _store(index)
    sums = json.loads(next(store.glob("checksums-*.json")).read_text())
    known = {name for desc in sums["segments"].values() for name in desc["files"]}
    return {p.name for p in store.iterdir() if p.name.startswith("MAIN_") and p.name not in known and p.is_file() and p.name != "MAIN_WRITELOCK"}


def _more_documents(real_corpus: Path, dest: Path) -> Path:
    dest.mkdir()
    for p in sorted(real_corpus.rglob("*.pdf"))[:6] if real_corpus != CORPUS else []:
        shutil.copy2(p, dest / p.name)
    for k in range(40):
        (dest / f"note-{k}.txt").write_text(f"Note {k} on carbon allowances.\n\n" + "Auctioning of allowances and the market stability reserve. " * 400)
    return dest


def test_a_full_disk_keeps_the_index_and_leaves_no_half_written_segment(built, tmp_path, real_corpus):
    index = _copy(built, tmp_path)
    more = _more_documents(real_corpus, tmp_path / "more")
    full = etslib("ingest", str(more), "--index", str(index), "--batch-pages", "20", env={"ETSLIB_FAULT": "enospc:400000"})
    assert full.returncode == 1 and "disk" in full.stderr and "full" in full.stderr and "Traceback" not in full.stderr
    assert not _leftovers(index)  # 6.7 MB of half-written segments stayed before
    assert not list(_store(index).glob("_MAIN_*.toc.*"))
    assert not verify(IndexRoot(index).open()).damaged
    assert etslib("search", "allowances", "--index", str(index)).returncode == 0
    done = etslib("ingest", str(more), "--index", str(index))
    assert done.returncode == 0, done.stderr


def test_a_full_disk_during_a_rebuild_removes_the_unfinished_store(built, tmp_path):
    index = _copy(built, tmp_path)
    before = {p.name for p in index.glob("store-*")}
    full = etslib("ingest", str(CORPUS), "--index", str(index), "--rebuild", "--no-cache", "--batch-pages", "20", env={"ETSLIB_FAULT": "enospc:300000"})
    assert full.returncode == 1 and "full" in full.stderr
    assert {p.name for p in index.glob("store-*")} == before  # the old one, still live
    assert _state(index) == built[1]


@pytest.fixture
def small_disk(tmp_path):
    """A 12 MB filesystem of its own (tmpfs; skipped where mounting is not allowed)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_really_full_disk(built, tmp_path, small_disk, real_corpus):
    index = small_disk / "ix"
    shutil.copytree(built[0], index)
    more = _more_documents(real_corpus, tmp_path / "more")
    big = tmp_path / "more" / "big.txt"
    big.write_text("Emissions trading system allowances. " * 300_000)  # ~11 MB of pages: cannot fit
    full = etslib("ingest", str(more), "--index", str(index), "--batch-pages", "50")
    assert full.returncode == 1 and "full" in full.stderr, full.stderr + full.stdout
    assert not _leftovers(index)
    assert not verify(IndexRoot(index).open()).damaged
    assert etslib("search", "allowances", "--index", str(index)).returncode == 0
