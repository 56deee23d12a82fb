"""An index written by the previous release (schema 3, before the role
folders) is recognised, explained, and rebuilt from its own text cache.

``tests/fixtures/index-schema3`` was written by etslib 5508a5c (the last
commit with the flat ``search/`` layout) from one file of ``corpus/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.index import IndexOutdated, IndexRoot
from search.ingest import IngestOptions, ingest
from search.model import SearchRequest
from search.query.searcher import Searcher

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "index-schema3"
DOC = ROOT / "corpus" / "eu" / "CELEX_32023D0136_EN_TXT.txt"


@pytest.fixture
def old_index(tmp_path: Path) -> IndexRoot:
    dest = tmp_path / "index"
    shutil.copytree(FIXTURE, dest)
    return IndexRoot(dest)


def test_searching_an_old_index_says_how_to_rebuild(old_index: IndexRoot) -> None:
    with pytest.raises(IndexOutdated, match=r"schema version 3.*etslib ingest --rebuild"):
        old_index.open()
    with pytest.raises(IndexOutdated), Searcher(old_index) as s:
        s.search(SearchRequest(q="allowances"))


def test_ingest_rebuilds_an_old_index_from_its_text_cache(old_index: IndexRoot, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(DOC, corpus)
    report = ingest([str(corpus)], old_index, IngestOptions(jobs=1))
    assert any("rebuilding" in note for note in report["notes"]), report["notes"]
    assert report["counts"]["new"] == 1
    # The text extractor reads titles differently since that release (cache
    # format 2 for text files): the file is extracted again, not taken from
    # the old cache. A PDF's cached text, whose extractor is unchanged, would be.
    assert report["counts"]["from_cache"] == 0
    # A rebuild now takes the same bytes' text from the cache, not the file.
    again = ingest([str(corpus)], old_index, IngestOptions(jobs=1, rebuild=True))
    assert again["counts"]["new"] == 1 and again["counts"]["from_cache"] == 1
    with Searcher(old_index) as s:
        resp = s.search(SearchRequest(q="CORSIA offsetting"))
    assert resp.total == 1
    assert resp.hits[0].meta["path"] == str((corpus / DOC.name).resolve())
