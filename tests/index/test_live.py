"""The live index: one snapshot while nothing changes, a new one after an
ingest; the searcher rebuilds its per-generation state only then."""

from __future__ import annotations

import pytest

from search.index import IndexMissing, IndexRoot
from search.index.live import LiveIndex
from search.model import SearchRequest
from search.query import Searcher
from tests.conftest import build_index


def test_the_same_snapshot_until_the_index_changes(corpus, tmp_path):
    live = LiveIndex(IndexRoot(tmp_path / "ix"))
    try:
        first = live.snapshot()
        assert live.snapshot() is first and first.n_docs == 1
        (corpus / "b.txt").write_text("Offsets and the cap in the second period.\n", encoding="utf-8")
        build_index([corpus], tmp_path / "ix")
        second = live.snapshot()
        assert second is not first and second.n_docs == 2
        assert second.key != first.key
        assert live.snapshot() is second
    finally:
        live.close()


def test_a_rebuild_switches_the_store(corpus, tmp_path):
    from search.ingest import IngestOptions, ingest

    root = IndexRoot(tmp_path / "ix")
    live = LiveIndex(root)
    try:
        first = live.snapshot()
        ingest([str(corpus)], root, IngestOptions(jobs=1, rebuild=True))
        second = live.snapshot()
        assert second is not first and second.store.name != first.store.name
    finally:
        live.close()


def test_no_index_is_an_index_problem(tmp_path):
    live = LiveIndex(IndexRoot(tmp_path / "none"))
    with pytest.raises(IndexMissing, match="etslib ingest"):
        live.snapshot()


def test_the_searcher_rebuilds_its_generation_only_on_change(corpus, tmp_path):
    with Searcher(tmp_path / "ix") as s:
        gen = s.state()
        assert s.state() is gen
        assert s.count(SearchRequest()) == 1
        (corpus / "b.txt").write_text("Offsets and the cap in the second period.\n", encoding="utf-8")
        build_index([corpus], tmp_path / "ix")
        assert s.count(SearchRequest(q="offsets")) == 1  # no stale cached result
        assert s.state() is not gen and s.state().table.n == 2
