"""Reindexing in the background: requests queue, one runner takes them
all, progress is readable, and nothing is stranded."""

from __future__ import annotations

from search.index import IndexRoot, write_json_atomic
from search.ingest import audit, jobs
from tests.support.staff import make_library


def test_requests_are_run_and_audited(tmp_path):
    corpus, root = make_library(tmp_path, ["eu/CELEX_32023D0136_EN_TXT.txt"])
    (corpus / "new.txt").write_text("Freshly added notes on allowance banking.\n", "utf-8")
    a = jobs.request(root, "incremental", "alice", "first")
    b = jobs.request(root, "incremental", "bob", "second")
    assert a != b
    st = jobs.wait_idle(root, 120)
    assert st["state"] == "done" and st["queued"] == 0 and not st["busy"]
    entries = audit.entries(root, action="reindex")[0]
    assert entries and sum(e.detail["counts"]["new"] for e in entries) == 1
    assert {w for e in entries for w in e.who.split(", ")} <= {"alice", "bob"}


def test_no_library_is_a_failed_job(tmp_path):
    root = IndexRoot(tmp_path / "index")
    jobs.request(root, "rebuild", "alice")
    st = jobs.wait_idle(root, 60)
    assert st["state"] == "failed" and "no library folders" in st["error"]


def test_a_runner_that_died_is_reported(tmp_path):
    root = IndexRoot(tmp_path / "index")
    (root.root / "staff" / "queue").mkdir(parents=True)
    write_json_atomic(root.root / "staff" / "job.json", {"state": "running", "kind": "rebuild"})
    st = jobs.status(root)
    assert st["state"] == "failed" and not st["busy"]


def test_unknown_kind(tmp_path):
    import pytest

    with pytest.raises(ValueError):
        jobs.request(IndexRoot(tmp_path), "everything", "alice")
