"""State files beside the index (issue 14, defects 6 and 11):
``failures.json`` and ``report.json`` of the wrong JSON type no longer
crash ingest, ``etslib stats`` or ``/about``, and the report is saved
whatever stops an ingest."""

from __future__ import annotations

import json
import os

import pytest

from search.index import IndexRoot, write_json_atomic
from search.ingest import CatalogError, IngestOptions, ingest, read_report
from search.ingest.report import read_failures
from tests.support.cli import etslib

WRONG = ["[]", '"x"', "12", "null", '{"a": 1}', '{"/x.txt": {"size": "big"}}', '{"counts": [1], "failures": [1, {"path": 3}], "status": 5}', "{not json"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    base = tmp_path_factory.mktemp("state")
    docs = base / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Carbon market report\n\nAllowances are auctioned.\n")
    root = IndexRoot(base / "ix")
    ingest([str(docs)], root, IngestOptions(jobs=1))
    return docs, root


@pytest.mark.parametrize("text", WRONG, ids=range(len(WRONG)))
def test_state_files_of_the_wrong_type(indexed, text):
    docs, root = indexed
    (root.root / "failures.json").write_text(text)
    (root.root / "report.json").write_text(text)
    assert isinstance(read_failures(root), dict)
    report = read_report(root)
    assert report is None or isinstance(report["counts"]["new"], int)
    out = etslib("stats", "--index", str(root.root))
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    (root.root / "report.json").write_text(text)
    assert ingest([str(docs)], root, IngestOptions(jobs=1))["status"] == "ok"
    (root.root / "report.json").write_text(text)
    from webui import create_app
    from webui.state import close

    app = create_app({"TESTING": True, "INDEX": str(root.root)})
    try:
        c = app.test_client()
        assert c.get("/about").status_code == 200 and c.get("/api/stats").status_code == 200
    finally:
        close(app)


def test_the_report_is_saved_when_an_ingest_stops(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Carbon.\n")
    (docs / "catalog.yaml").write_text("documents: [\n")
    root = IndexRoot(tmp_path / "ix")
    with pytest.raises(CatalogError):
        ingest([str(docs)], root, IngestOptions(jobs=1))
    saved = read_report(root)
    assert saved["status"] == "failed" and "not valid YAML" in saved["notes"][-1]


def test_json_state_with_names_that_are_not_utf8(tmp_path):
    name = os.fsdecode(b"/docs/caf\xe9.txt")
    write_json_atomic(tmp_path / "r.json", {"path": name})
    assert json.loads((tmp_path / "r.json").read_text("utf-8")) == {"path": name}
