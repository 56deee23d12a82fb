"""``etslib publish``: the live generation copied whole to another index
folder (or HOST:PATH by rsync), switched in atomically, old ones pruned."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from search.index import IndexRoot
from search.index.live import LiveIndex
from search.index.publish import PublishError, is_remote, publish, published_name
from search.model import SearchRequest
from search.query import Searcher
from tests.conftest import build_index
from tests.support.cli import etslib


def _add(corpus: Path, tmp_path: Path, name: str, text: str) -> None:
    (corpus / name).write_text(text + "\n", encoding="utf-8")
    build_index([corpus], tmp_path / "ix")


def _stores(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.glob("store-*"))


def test_a_published_folder_is_an_index_with_the_same_documents(corpus, tmp_path):
    src = IndexRoot(tmp_path / "ix")
    out = publish(src, tmp_path / "d")
    dest = IndexRoot(tmp_path / "d")
    assert dest.current_name() == out.store == published_name(src.current_name(), out.generation)
    assert not out.unchanged and out.files > 5 and out.copied_bytes > 0
    s = Searcher(dest.root)
    try:
        assert s.search(SearchRequest(q="auctions")).total == 1
        assert s.index_stats().index_id == out.index_id == f"{out.store}/{out.generation}"
    finally:
        s.close()
    assert not list((tmp_path / "d").glob(".publish-*"))
    again = publish(src, tmp_path / "d")
    assert again.unchanged and again.index_id == out.index_id


def test_a_new_generation_links_what_it_shares_and_keeps_the_one_it_replaced(corpus, tmp_path):
    src = IndexRoot(tmp_path / "ix")
    dest = tmp_path / "d"
    first = publish(src, dest)
    live = LiveIndex(IndexRoot(dest))
    try:
        assert live.snapshot().n_docs == 1
        _add(corpus, tmp_path, "b.txt", "Offsets and the cap in the second period.")
        second = publish(src, dest)
        assert second.linked > 0 and second.store != first.store
        assert _stores(dest) == sorted([first.store, second.store])  # the replaced one stays
        assert live.snapshot().n_docs == 2 and live.snapshot().store.name == second.store
        _add(corpus, tmp_path, "c.txt", "Banking of allowances between phases.")
        third = publish(src, dest)
        assert third.removed == [first.store]
        assert _stores(dest) == sorted([second.store, third.store])
        assert live.snapshot().n_docs == 3
    finally:
        live.close()


def test_publishing_a_rebuilt_index(corpus, tmp_path):
    from search.ingest import IngestOptions, ingest

    src = IndexRoot(tmp_path / "ix")
    first = publish(src, tmp_path / "d")
    ingest([str(corpus)], src, IngestOptions(jobs=1, rebuild=True))
    second = publish(src, tmp_path / "d")
    assert second.store != first.store and IndexRoot(tmp_path / "d").current_name() == second.store


def test_refusals_say_what_to_do(corpus, tmp_path):
    src = IndexRoot(tmp_path / "ix")
    with pytest.raises(PublishError, match="no index at .*etslib ingest"):
        publish(IndexRoot(tmp_path / "none"), tmp_path / "d")
    with pytest.raises(PublishError, match="is the index folder or inside it"):
        publish(src, tmp_path / "ix" / "copy")
    (tmp_path / "file").write_text("x")
    with pytest.raises(PublishError, match="cannot create the destination"):
        publish(src, tmp_path / "file" / "d")
    if Path("/proc/self/fdinfo").is_dir():  # a folder nobody may write, root included
        with pytest.raises(PublishError, match="is not writable"):
            publish(src, "/proc/self/fdinfo")
    publish(src, tmp_path / "d")
    with pytest.raises(PublishError, match="holds an index that ingest writes"):
        publish(IndexRoot(tmp_path / "d"), tmp_path / "ix")


def test_a_damaged_file_is_not_published_and_the_destination_keeps_serving(corpus, tmp_path):
    src = IndexRoot(tmp_path / "ix")
    first = publish(src, tmp_path / "d")
    _add(corpus, tmp_path, "b.txt", "Offsets and the cap in the second period.")
    store = src.open()
    victim = max((p for p in store.path.glob("MAIN_*.trm")), key=lambda p: p.stat().st_mtime_ns)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(PublishError, match="does not match its checksum"):
        publish(src, tmp_path / "d")
    assert IndexRoot(tmp_path / "d").current_name() == first.store
    assert _stores(tmp_path / "d") == [first.store] and not list((tmp_path / "d").glob(".publish-*"))


def test_host_and_path_is_remote():
    assert is_remote("node1:/srv/etslib") and is_remote("me@node1:index")
    assert not is_remote("/srv/etslib") and not is_remote("./a:b") and not is_remote("folder")


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (scripts/setup --test installs it)")
def test_host_path_goes_by_rsync(corpus, tmp_path):
    fake_ssh = tmp_path / "fake-ssh"  # the "host" is this machine: drop its name, run the command
    fake_ssh.write_text('#!/bin/sh\nshift\nexec sh -c "$*"\n')
    fake_ssh.chmod(0o755)
    src = IndexRoot(tmp_path / "ix")
    dest = tmp_path / "remote" / "index"
    first = publish(src, f"node1:{dest}", rsh=str(fake_ssh))
    assert first.method == "rsync" and IndexRoot(dest).current_name() == first.store
    for i, text in enumerate(["Offsets and the cap.", "Banking between phases."]):
        _add(corpus, tmp_path, f"n{i}.txt", text)
        last = publish(src, f"node1:{dest}", rsh=str(fake_ssh))
    assert last.removed == [first.store] and len(_stores(dest)) == 2
    s = Searcher(dest)
    try:
        assert s.index_stats().documents == 3 and s.index_stats().index_id == last.index_id
    finally:
        s.close()
    with pytest.raises(PublishError, match="cannot reach node1"):
        publish(src, f"node1:{dest}", rsh="false")


def test_the_command(corpus, tmp_path):
    r = etslib("publish", str(tmp_path / "d"), "--index", str(tmp_path / "ix"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["index_id"].startswith("store-") and out["files"] > 0 and out["method"] == "copy"
    r = etslib("publish", str(tmp_path / "d"), "--index", str(tmp_path / "ix"))
    assert r.returncode == 0 and "already serves" in r.stdout
    r = etslib("publish", str(tmp_path / "d"), "--index", str(tmp_path / "missing"))
    assert r.returncode == 1 and "etslib: no index at" in r.stderr


def test_a_commit_during_the_copy_starts_it_again(corpus, tmp_path, monkeypatch):
    import search.index.publish as p

    real, moved = p._copy_file, []

    def once_merged_away(src, dst, size, crc):
        if not moved:  # as when a commit merges a segment away mid-copy
            moved.append(src)
            raise p._Moved()
        return real(src, dst, size, crc)

    monkeypatch.setattr(p, "_copy_file", once_merged_away)
    out = publish(IndexRoot(tmp_path / "ix"), tmp_path / "d")
    assert moved and IndexRoot(tmp_path / "d").current_name() == out.store
    assert not list((tmp_path / "d").glob(".publish-*"))


def test_an_index_without_checksums_says_how_to_get_them(corpus, tmp_path):
    store = IndexRoot(tmp_path / "ix").open()
    for f in store.path.glob("checksums-*.json"):
        f.unlink()
    with pytest.raises(PublishError, match="no checksums yet .* run `etslib ingest`"):
        publish(IndexRoot(tmp_path / "ix"), tmp_path / "d")
