"""The staff catalog: optimistic locking, merging over the folders'
catalogs, and edits that survive a full rebuild."""

from __future__ import annotations

import pytest

from search.index import IndexRoot
from search.ingest import IngestOptions, ingest
from search.ingest import staffcatalog as sc
from search.ingest.catalog import Catalog, CatalogError
from search.query.searcher import Searcher
from tests.support.staff import make_library


def test_update_conflict_and_revert(tmp_path):
    root = IndexRoot(tmp_path)
    e = sc.update(root, "/lib/a.pdf", {"title": "A", "year": "2020"}, who="alice", expected_rev=0)
    assert e.rev == 1 and e.fields == {"title": "A", "year": 2020}
    with pytest.raises(sc.EditConflict) as err:
        sc.update(root, "/lib/a.pdf", {"title": "B"}, who="bob", expected_rev=0)
    assert err.value.current.by == "alice" and err.value.current.fields["title"] == "A"
    e = sc.update(root, "/lib/a.pdf", {"publisher": "P"}, who="bob", expected_rev=1, drop={"year"})
    assert e.fields == {"title": "A", "publisher": "P"} and e.rev == 2 and e.by == "bob"
    with pytest.raises(CatalogError):
        sc.update(root, "/lib/a.pdf", {"year": "soon"}, who="bob")
    with pytest.raises(CatalogError):
        sc.update(root, "/lib/a.pdf", {"path": "/etc/passwd"}, who="bob")


def test_merge_keeps_the_folder_catalogs_other_fields(tmp_path):
    root = IndexRoot(tmp_path)
    sc.update(root, "/lib/a.pdf", {"publisher": "Staff"}, who="alice")
    cat = Catalog(by_path={"/lib/a.pdf": {"path": "/lib/a.pdf", "title": "From the folder", "publisher": "Folder"}})
    sc.merge_into(cat, root)
    assert cat.lookup("/lib/a.pdf", None) == {"title": "From the folder", "publisher": "Staff"}


def test_changed_fields():
    cur = {"title": "T", "jurisdictions": ["EU"], "year": 2020}
    assert sc.changed_fields({"title": "T", "jurisdictions": "EU", "year": "2020", "publisher": ""}, cur) == {}
    assert sc.changed_fields({"title": "U", "jurisdictions": "EU; DE"}, cur) == {"title": "U", "jurisdictions": "EU; DE"}


def test_an_edit_survives_a_full_rebuild(tmp_path):
    corpus, root = make_library(tmp_path, ["eu/CELEX_32023D0136_EN_TXT.txt", "de/BEHG-BJNR272800019.md"])
    with Searcher(root) as s:
        info = next(i for i in s.documents() if i["path"].endswith("BEHG-BJNR272800019.md"))
    sc.update(root, info["path"], {"title": "Brennstoffemissionshandelsgesetz (staff title)", "topics": "Buildings and road transport (ETS2)"}, who="alice")
    report = ingest([str(corpus)], root, IngestOptions(jobs=1))
    assert report["counts"]["metadata"] == 1 and report["counts"]["new"] == 0
    report = ingest([str(corpus)], root, IngestOptions(jobs=1, rebuild=True))
    assert report["rebuild"] and report["counts"]["new"] == 2
    with Searcher(root) as s:
        doc = s.document(info["id"])
        assert doc["title"] == "Brennstoffemissionshandelsgesetz (staff title)"
        assert doc["sources"]["title"] == "catalog"
    # and the next ingest finds nothing to do
    assert ingest([str(corpus)], root, IngestOptions(jobs=1))["counts"]["unchanged"] == 2
