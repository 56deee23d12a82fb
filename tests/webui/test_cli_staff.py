"""The staff commands: user add|remove|list, trash list|empty, catalog
export|import (CSV round trip, changes reported, bad rows rejected with
line numbers)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from search.ingest import audit
from search.ingest.library import move_to_trash, trash_items
from search.query.searcher import Searcher
from tests.support.staff import make_library
from webui.accounts import list_users, verify
from webui.cli import main


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("cli-lib"), ["eu/CELEX_32023D0136_EN_TXT.txt", "de/BEHG-BJNR272800019.md", "de/TEHG-BJNR0460B0025.md"])


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_users(tmp_path):
    idx = tmp_path / "index"
    r = run("user", "add", "carol", "--index", idx, input="a long enough password\na long enough password\n")
    assert r.exit_code == 0, r.output
    assert run("user", "add", "carol", "--index", idx, "--password-stdin", input="another password!\n").exit_code == 1
    assert run("user", "add", "dave", "--index", idx, "--password-stdin", input="short\n").exit_code == 1
    assert run("user", "add", "../x", "--index", idx, "--password-stdin", input="a long enough password\n").exit_code == 1
    assert "carol" in run("user", "list", "--index", idx).output
    from search.index import IndexRoot

    root = IndexRoot(idx)
    stored = (idx / "staff" / "users.json").read_text()
    assert "a long enough password" not in stored and "$argon2id$" in stored
    assert (idx / "staff" / "users.json").stat().st_mode & 0o077 == 0
    assert verify(root, "carol", "a long enough password") and not verify(root, "carol", "wrong password")
    assert run("user", "remove", "carol", "--index", idx).exit_code == 0
    assert list_users(root) == []
    assert [e.action for e in audit.entries(root)[0]] == ["user-remove", "user-add"]


def test_trash_empty(library, tmp_path):
    corpus, root = library
    extra = corpus / "gone.txt"
    extra.write_text("A file to throw away.\n")
    move_to_trash(root, str(extra), who="test", info={"id": "gone"})
    assert "gone.txt" in run("trash", "list", "--index", root.root).output
    r = run("trash", "empty", "--index", root.root)
    assert r.exit_code == 0 and "deleted 1 file" in r.output
    assert trash_items(root) == []


def test_catalog_round_trip(library):
    corpus, root = library
    r = run("catalog", "export", "--index", root.root)
    assert r.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(r.output)))
    assert len(rows) == 3 and {"id", "file", "title", "year", "jurisdictions"} <= set(rows[0])
    # A spreadsheet round trip: two corrections, three bad rows, one unknown id.
    by_file = {row["file"]: row for row in rows}
    by_file["BEHG-BJNR272800019.md"]["publisher"] = "Bundesministerium der Justiz"
    by_file["TEHG-BJNR0460B0025.md"]["jurisdictions"] = "DE"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow(row)
    w.writerow(dict(rows[0], id="no-such-record"))
    w.writerow(dict(rows[1], year="twenty"))
    w.writerow(dict(rows[2], type="recipe"))
    w.writerow(dict(rows[2], jurisdictions="Atlantis"))
    src = corpus.parent / "corrected.csv"
    src.write_text(out.getvalue(), "utf-8")
    dry = run("catalog", "import", src, "--index", root.root, "--dry-run", "--json")
    assert json.loads(dry.output)["dry_run"] and dry.exit_code == 3
    r = run("catalog", "import", src, "--index", root.root, "--json")
    assert r.exit_code == 3, r.output  # rows were rejected
    res = json.loads(r.output)
    assert sorted((c["field"], c["new"]) for c in res["changes"]) == [("jurisdictions", "DE"), ("publisher", "Bundesministerium der Justiz")]
    lines = {x["line"]: x["reason"] for x in res["rejected"]}
    assert lines[5] == "no record with id 'no-such-record'"
    assert "year must be a number" in lines[6]
    assert "unknown type 'recipe'" in lines[7]
    assert "unknown jurisdiction 'Atlantis'" in lines[8]
    assert res["reindex"]["metadata"] == 2
    with Searcher(root) as s:
        infos = {i["path"].rsplit("/", 1)[-1]: i for i in s.documents()}
    assert infos["BEHG-BJNR272800019.md"]["publisher"] == "Bundesministerium der Justiz"
    assert infos["TEHG-BJNR0460B0025.md"]["jurisdictions"] == ["DE"]
    # Importing it again changes nothing.
    again = json.loads(run("catalog", "import", src, "--index", root.root, "--json").output)
    assert again["changes"] == [] and again["unchanged"] == 3
    assert audit.entries(root, action="catalog-import")[1] == 1


def test_catalog_import_needs_an_id_column(library, tmp_path):
    _corpus, root = library
    src = tmp_path / "bad.csv"
    src.write_text("title,year\nX,2020\n")
    r = run("catalog", "import", src, "--index", root.root)
    assert r.exit_code == 3 and "line 1: rejected: the header row has no 'id' column" in r.output
