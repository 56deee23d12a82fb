"""The catalog is data, checked when read (issue 14, defects 4, 5, 12 and
the small ones): wrong types and out-of-range values are left out with file
and line, unknown codes are reported, YAML aliases cannot blow up, the
cache is JSON with a checksum (a pickle ran code), and no stored value can
break a query."""

from __future__ import annotations

import json
import pickle
import resource
import textwrap
from pathlib import Path

import pytest

import search.ingest.catalog as catalog_mod
from search.index import IndexRoot, Snapshot
from search.ingest import IngestOptions, ingest
from search.ingest.catalog import CatalogError, load_catalog
from search.model import SearchRequest
from search.query.searcher import Searcher

LAUGHS = textwrap.dedent(
    """\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    documents:
      - path: a.txt
        title: *i
        keywords: *i
    """
)

BAD = textwrap.dedent(
    """\
    documents:
      - path: a.txt
        title: {"a": 1}
      - path: b.txt
        year: 3000000000
      - path: c.txt
        date: 2023-02-30
      - path: d.txt
        keywords: [[nested]]
      - [not, a, mapping]
      - path: e.txt
        id: same
      - path: f.txt
        id: same
      - path: g.txt
        jurisdictions: [XX, EU]
        language: xx
        type: novel
      - path: h.txt
        language: German
        year: "2021"
        date: 2021-03-04
      - path: i.txt
        colour: red
      - path: j.txt
        id: "../../etc"
    """
)


def _lines(cat) -> dict[int, str]:
    return {p["line"]: p["problem"] for p in cat.problems}


def test_bad_rows_are_left_out_with_file_and_line(tmp_path):
    (tmp_path / "catalog.yaml").write_text(BAD, encoding="utf-8")
    cat = load_catalog([tmp_path])
    got = _lines(cat)
    assert "title must be text, not a mapping" in got[2]  # was stringified: "{'a': 1}"
    assert "year 3000000000 is out of range" in got[4]
    assert "day is out of range" in got[6]
    assert "must be a list of text values" in got[8]
    assert "not a list" not in got.get(9, "") and "expected a mapping" in got[10]
    assert "already given at line 11" in got[13]
    assert "unknown field 'colour'" in got[23]
    assert "may use only letters" in got[25]
    kept = {Path(p).name: e for p, e in cat.by_path.items()}
    assert set(kept) == {"e.txt", "g.txt", "h.txt"}
    assert kept["h.txt"] == {"path": "h.txt", "language": "de", "year": 2021, "date": "2021-03-04"}
    problems = [p["problem"] for p in cat.problems if p["line"] == 15]
    for expected in ("unknown jurisdiction 'XX'", "unknown language code 'xx'", "unknown type 'novel'"):
        assert any(expected in p for p in problems), expected
    assert all(p["file"] == str(tmp_path / "catalog.yaml") for p in cat.problems)


def test_csv_rows_are_checked_with_their_lines(tmp_path):
    (tmp_path / "catalog.csv").write_text("path,year,jurisdictions\na.txt,2020,EU;DE\nb.txt,twenty,EU\nc.txt,2021,ZZ\n", encoding="utf-8")
    cat = load_catalog([tmp_path])
    got = _lines(cat)
    assert "year must be a number" in got[3] and "unknown jurisdiction 'ZZ'" in got[4]
    assert cat.by_path[str(tmp_path / "a.txt")]["jurisdictions"] == ["EU", "DE"]


def test_a_billion_laughs_is_refused_in_bounded_memory(tmp_path):
    (tmp_path / "catalog.yaml").write_text(LAUGHS, encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(CatalogError, match="aliases"):
        load_catalog([tmp_path])
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB; it grew past 5 GB


def test_an_alias_that_contains_itself_is_refused(tmp_path):
    (tmp_path / "catalog.yaml").write_text("documents:\n  - &r {path: a.txt, keywords: [*r]}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="contains it"):
        load_catalog([tmp_path])


def test_the_cache_is_json_with_a_checksum_and_a_planted_pickle_never_runs(tmp_path, monkeypatch):
    import hashlib

    docs = tmp_path / "docs"
    docs.mkdir()
    text = "documents:\n  - path: a.txt\n    title: Cached title\n    date: 2020-01-02\n"
    (docs / "catalog.yaml").write_text(text, encoding="utf-8")
    cache = tmp_path / "cache"
    digest = hashlib.sha256(text.encode()).hexdigest()
    cache.mkdir()
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    (cache / f"{digest}.pickle").write_bytes(pickle.dumps([Evil()]))
    cat = load_catalog([docs], cache_dir=cache)
    assert not marker.exists()
    assert cat.by_path[str(docs / "a.txt")]["title"] == "Cached title"
    saved = json.loads((cache / f"{digest}.json").read_text("utf-8"))
    assert saved["rows"] == [[2, {"path": "a.txt", "title": "Cached title", "date": "2020-01-02"}]]
    # Read from the cache (no YAML parsing) …
    monkeypatch.setattr(catalog_mod, "_read", lambda path: pytest.fail("parsed again"))
    assert load_catalog([docs], cache_dir=cache).by_path == cat.by_path
    monkeypatch.undo()
    # … unless it has been tampered with: then it is ignored and checked rows come back.
    saved["rows"][0][1]["title"] = {"a": 1}
    (cache / f"{digest}.json").write_text(json.dumps(saved), "utf-8")
    assert load_catalog([docs], cache_dir=cache).by_path == cat.by_path
    # Even with a matching checksum, a cached row is checked like any other.
    saved["checksum"] = catalog_mod._checksum(saved["rows"])
    (cache / f"{digest}.json").write_text(json.dumps(saved), "utf-8")
    again = load_catalog([docs], cache_dir=cache)
    assert not again.by_path and "must be text" in again.problems[0]["problem"]


def _two_docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Carbon market report\n\nAllowances are auctioned in the emissions trading system.\n")
    (docs / "b.txt").write_text("Second carbon text\n\nOn the market stability reserve.\n")
    return docs


def test_a_stored_year_out_of_range_breaks_no_query(tmp_path, monkeypatch):
    """An index written before values were checked (year: 3000000000) still answers."""
    docs = _two_docs(tmp_path)
    (docs / "catalog.yaml").write_text("documents:\n  - path: a.txt\n    year: 3000000000\n", encoding="utf-8")
    monkeypatch.setattr(catalog_mod, "YEAR_MAX", 10**12)  # as the unchecked catalog let it through
    ingest([str(docs)], IndexRoot(tmp_path / "ix"), IngestOptions(jobs=1))
    monkeypatch.undo()
    with Searcher(tmp_path / "ix") as s:
        for req in (SearchRequest(q="carbon"), SearchRequest(q="", sort="oldest"), SearchRequest(q="year:2000..2030"), SearchRequest(q="carbon", year_from=2000)):
            assert s.search(req).total >= 0  # OverflowError on every search before
    from webui import create_app
    from webui.state import close

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")})
    try:
        c = app.test_client()
        for url in ("/", "/?q=carbon", "/api/search?q=carbon", "/about", "/api/stats", "/search.atom"):
            assert c.get(url).status_code == 200, url
    finally:
        close(app)


def test_giving_an_indexed_document_an_id_leaves_one_header(tmp_path):
    docs = _two_docs(tmp_path)
    root = IndexRoot(tmp_path / "ix")
    (docs / "catalog.yaml").write_text("documents:\n  - path: a.txt\n    title: First\n", encoding="utf-8")
    ingest([str(docs)], root, IngestOptions(jobs=1))
    (docs / "catalog.yaml").write_text("documents:\n  - path: a.txt\n    title: First\n    id: first-doc\n", encoding="utf-8")
    ingest([str(docs)], root, IngestOptions(jobs=1))
    with Snapshot(root.open()) as snap:
        dns = [info["dn"] for info in snap.infos]
        assert len(dns) == len(set(dns)) == 2  # two headers shared one number before
        assert {info["id"] for info in snap.infos} >= {"first-doc"}
        assert snap.n_pages == 2 and (snap.page_doc >= 0).sum() == 2
    (docs / "a.txt").unlink()
    ingest([str(docs)], root, IngestOptions(jobs=1))
    with Snapshot(root.open()) as snap:
        assert snap.n_docs == 1 and int(snap.live.sum()) == 2  # b's header and page: no orphan left
