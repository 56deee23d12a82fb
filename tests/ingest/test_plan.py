"""plan_ingest on its own: a small folder, indexed metadata written by hand,
a catalog built in memory; no index and no workers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from search.ingest import plan as plan_module
from search.ingest.catalog import Catalog, entry_hash
from search.ingest.plan import Failure, MetadataUpdate, Plan, plan_ingest, sha256_file


class CountingCatalog(Catalog):
    """A catalog that records every lookup."""

    def __init__(self, by_path: dict[str, dict[str, Any]] | None = None):
        super().__init__(by_path=dict(by_path or {}))
        self.looked_up: list[str] = []

    def lookup(self, path: str, sha256: str | None) -> dict[str, Any]:
        self.looked_up.append(path)
        return super().lookup(path, sha256)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path.resolve() / "docs"
    docs.mkdir()
    return docs


def _write(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def _indexed(path: Path, *, dn: int = 0, entry: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """The stored metadata of ``path`` as indexed now (override any field)."""
    st = path.stat()
    info = {
        "id": path.stem,
        "path": str(path),
        "sha256": sha256_file(str(path)),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "language": "en",
        "sources": {"title": "text"},
        "catalog": entry_hash(entry or {}),
        "dn": dn,
        "page_count": 1,
    }
    return info | fields


def _plan(folder: Path, indexed: list[dict[str, Any]], catalog: Catalog | None = None, **kw: Any) -> Plan:
    return plan_ingest([str(folder)], indexed, catalog or Catalog(), **kw)


def _touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_new_files_become_tasks_carrying_their_entry(folder: Path) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    b = _write(folder, "sub/b.txt", "The cap declines.")
    _write(folder, "notes.xyz", "not a document")
    catalog = CountingCatalog({str(a): {"path": "a.txt", "title": "Catalogued A"}})
    plan = _plan(folder, [], catalog, cache_dir="/cache", max_pages=9)
    assert [f.path for f in plan.files] == [str(a), str(b)]
    assert [s["path"] for s in plan.skipped] == [str(folder / "notes.xyz")]
    assert list(plan.tasks) == [str(a), str(b)]
    ta, tb = plan.tasks[str(a)], plan.tasks[str(b)]
    assert ta.entry == {"title": "Catalogued A"} and tb.entry == {}
    assert ta.sha256 == sha256_file(str(a)) and ta.size == a.stat().st_size and ta.mtime_ns == a.stat().st_mtime_ns
    assert (tb.rel, tb.cache_dir, tb.max_pages) == (os.path.join("sub", "b.txt"), "/cache", 9)
    assert plan.replaces == {} and plan.next_dn == 0
    assert (plan.unchanged, plan.metadata, plan.removed, plan.failures, plan.duplicates) == (0, [], [], [], [])


def test_unchanged_files_are_not_even_hashed(folder: Path) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    plan = _plan(folder, [_indexed(a, dn=4)])
    assert plan.unchanged == 1
    assert plan.tasks == {} and plan.metadata == [] and plan.removed == []
    assert plan.files[0].sha256 is None  # size and mtime decided
    assert plan.next_dn == 5


def test_touched_but_same_content_is_a_metadata_update_with_the_new_mtime(folder: Path) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    old = _indexed(a, dn=2)
    _touch(a)
    plan = _plan(folder, [old])
    assert plan.tasks == {} and plan.unchanged == 0
    assert plan.metadata == [MetadataUpdate(dict(old, mtime_ns=a.stat().st_mtime_ns), {})]


def test_changed_content_is_extracted_again_replacing_the_old_document(folder: Path) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    old = _indexed(a, dn=3)
    a.write_text("Allowances are auctioned and allocated for free.", encoding="utf-8")
    plan = _plan(folder, [old])
    assert list(plan.tasks) == [str(a)]
    assert plan.tasks[str(a)].sha256 == sha256_file(str(a)) != old["sha256"]
    assert plan.replaces == {str(a): old}


def test_catalog_edit_is_a_metadata_update(folder: Path) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    before = {"title": "Old title"}
    old = _indexed(a, entry=before, sources={"title": "catalog"})
    catalog = Catalog(by_path={str(a): {"path": "a.txt", "title": "New title", "year": 2020}})
    plan = _plan(folder, [old], catalog)
    assert plan.metadata == [MetadataUpdate(old, {"title": "New title", "year": 2020})]
    assert plan.tasks == {} and plan.unchanged == 0


@pytest.mark.parametrize(
    "now",
    [
        {"year": 2020},  # the catalog title was dropped: the derived one must come back
        {"title": "Old title", "language": "de"},  # a new language changes the stemming of every page
    ],
)
def test_catalog_change_that_needs_a_fresh_derivation_is_a_reprocess(folder: Path, now: dict[str, Any]) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    old = _indexed(a, entry={"title": "Old title"}, sources={"title": "catalog"})
    catalog = Catalog(by_path={str(a): {"path": "a.txt", **now}})
    plan = _plan(folder, [old], catalog)
    assert list(plan.tasks) == [str(a)]
    task = plan.tasks[str(a)]
    assert task.sha256 == old["sha256"] and task.entry == now
    assert plan.replaces == {str(a): old} and plan.metadata == []


def test_removed_files(folder: Path, tmp_path: Path) -> None:
    kept = _write(folder, "kept.txt", "Allowances are auctioned.")
    gone = _write(folder, "gone.txt", "The cap declines.")
    elsewhere = _write(tmp_path.resolve() / "other", "elsewhere.txt", "Offsets are limited.")
    vanished = _write(tmp_path.resolve() / "other", "vanished.txt", "Banking is allowed.")
    indexed = [_indexed(kept, dn=0), _indexed(gone, dn=1), _indexed(elsewhere, dn=2), _indexed(vanished, dn=3)]
    gone.unlink()
    vanished.unlink()
    plan = _plan(folder, indexed)
    # Gone from a folder being ingested, or from anywhere: removed. A file
    # indexed from another folder that still exists is left alone.
    assert [s["path"] for s in plan.removed] == [str(gone), str(vanished)]
    assert plan.unchanged == 1 and plan.next_dn == 4


def test_duplicates_by_content(folder: Path) -> None:
    indexed_file = _write(folder, "a.txt", "Allowances are auctioned.")
    old = _indexed(indexed_file)
    _write(folder, "b.txt", "Allowances are auctioned.")  # same as an indexed document
    _write(folder, "c.txt", "The cap declines.")
    _write(folder, "d.txt", "The cap declines.")  # same as a new file before it
    plan = _plan(folder, [old])
    assert plan.duplicates == [
        {"path": str(folder / "b.txt"), "of": str(indexed_file)},
        {"path": str(folder / "d.txt"), "of": str(folder / "c.txt")},
    ]
    assert list(plan.tasks) == [str(folder / "c.txt")] and plan.unchanged == 1


def test_a_moved_file_is_new_not_a_duplicate_of_its_old_self(folder: Path) -> None:
    a = _write(folder, "a.txt", "Allowances are auctioned.")
    old = _indexed(a)
    a.rename(folder / "moved.txt")
    plan = _plan(folder, [old])
    assert plan.removed == [old]
    assert list(plan.tasks) == [str(folder / "moved.txt")] and plan.duplicates == []


def test_remembered_failures_are_not_tried_again_until_the_file_changes(folder: Path) -> None:
    broken = _write(folder, "broken.pdf", "%PDF-1.4 not really")
    fixed = _write(folder, "fixed.pdf", "%PDF-1.4 not really either")
    failed_before = {
        str(p): {"size": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns, "code": "broken", "reason": "broken PDF"}
        for p in (broken, fixed)
    }
    fixed.write_text("%PDF-1.4 now a longer file", encoding="utf-8")
    plan = _plan(folder, [], failed_before=failed_before)
    assert plan.failures == [Failure(str(broken), "broken", "broken PDF", remembered=True)]
    assert list(plan.tasks) == [str(fixed)]


def test_an_unreadable_file_is_a_failure(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(folder, "a.txt", "Allowances are auctioned.")
    locked = _write(folder, "b.txt", "The cap declines.")
    real = plan_module.sha256_file

    def sha256_file(path: str) -> str:
        if path == str(locked):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(plan_module, "sha256_file", sha256_file)
    plan = _plan(folder, [])
    assert plan.failures == [Failure(str(locked), "unreadable", "cannot read: Permission denied")]
    assert list(plan.tasks) == [str(folder / "a.txt")]


def test_every_file_is_looked_up_in_the_catalog_once(folder: Path) -> None:
    unchanged = _write(folder, "unchanged.txt", "Allowances are auctioned.")
    edited = _write(folder, "edited.txt", "The cap declines.")
    touched = _write(folder, "touched.txt", "Offsets are limited.")
    indexed = [_indexed(unchanged), _indexed(edited), _indexed(touched)]
    _touch(touched)
    _write(folder, "new.txt", "Banking is allowed.")
    catalog = CountingCatalog({str(edited): {"path": "edited.txt", "publisher": "ICAP"}})
    plan = _plan(folder, indexed, catalog)
    assert (plan.unchanged, len(plan.metadata), len(plan.tasks)) == (1, 2, 1)
    assert sorted(catalog.looked_up) == sorted(f.path for f in plan.files)


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        plan_ingest([str(tmp_path / "nowhere")], [], Catalog())
