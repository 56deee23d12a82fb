"""The app as a whole: other pages, static files, settings, accessibility, reindexing."""

from __future__ import annotations

from pathlib import Path

from .helpers import api, args_of, fetch, soup


ROOT = Path(__file__).resolve().parents[2]


def test_help_and_about(client, everything):
    assert "Search tips" in soup(client.get("/help")).h1.get_text()
    about = soup(client.get("/about"))
    text = about.get_text(" ", strip=True)
    # Documents, and works as searches count them (the WCI revisions are one).
    assert f"{everything['documents']} documents" in text and f"{everything['total']} works" in text
    link = about.select_one(".about-facets a")
    n = int(link.find_next_sibling("span").get_text())
    assert api(client, **dict(args_of(link["href"])))["total"] == n
    stats = client.get("/api/stats").get_json()
    assert stats["documents"] == everything["documents"] and stats["families"] == everything["total"] and "store" not in stats
    assert stats["last_ingest"]["counts"]["new"] == everything["documents"]


def test_static_files(client):
    assert fetch(client, "/static/style.css").status_code == 200
    assert fetch(client, "/static/app.js").status_code == 200
    assert fetch(client, "/static/favicon.svg").status_code == 200


def test_config_from_environment(monkeypatch, index_dir):
    from webui import create_app

    monkeypatch.setenv("ETSLIB_DEFAULT_LIMIT", "20")
    monkeypatch.setenv("ETSLIB_SITE_NAME", "ETS Library")
    app = create_app({"INDEX": str(index_dir)})
    assert app.config["DEFAULT_LIMIT"] == 20
    assert "ETS Library" in app.test_client().get("/help").get_data(as_text=True)
    from webui.state import close

    close(app)


def test_settings_are_all_used_and_documented():
    from webui.settings import SETTINGS

    source = "".join(p.read_text() for p in (ROOT / "webui").rglob("*.py"))
    for s in SETTINGS:
        assert s.help.endswith("."), s.name
        assert source.count(f'"{s.name}"') >= 2, f"{s.name} is never read"


def test_pages_are_well_formed_for_assistive_technology(client, everything):
    doc_id = everything["results"][0]["id"]
    for path in ("/", "/?q=cap&jurisdiction=EU&year_from=2018", f"/doc/{doc_id}?q=cap", f"/doc/{doc_id}/text?q=cap", "/help", "/about", "/nope"):
        doc = soup(client.get(path))
        ids = [el["id"] for el in doc.find_all(id=True)]
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        assert doc.find("main", id="main") and doc.select_one("a.skip-link[href='#main']"), path
        assert len(doc.find_all("h1")) == 1, path
        assert doc.find("html")["lang"] and doc.title.get_text().strip(), path
        for control in doc.find_all(["input", "select"]):
            if control.get("type") in ("hidden", "submit"):
                continue
            labelled = control.find_parent("label") or control.get("aria-label") or (
                control.get("id") and doc.find("label", attrs={"for": control["id"]})
            )
            assert labelled, (path, str(control)[:80])
        for a in doc.find_all("a"):
            assert a.get_text(strip=True) or a.get("aria-label") or a.find("title"), (path, str(a)[:80])


def test_app_picks_up_a_reindex(tmp_path):
    """The searcher reopens a newer index by itself: no restart after ingest."""
    from tests.conftest import build_index

    from webui import create_app
    from webui.state import close

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Allowance auctions in the first trading period.\n", encoding="utf-8")
    build_index([corpus], tmp_path / "ix")
    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")})
    c = app.test_client()
    try:
        assert api(c)["total"] == 1
        (corpus / "b.txt").write_text("Offsets and the cap in the second period.\n", encoding="utf-8")
        build_index([corpus], tmp_path / "ix")
        assert api(c)["total"] == 2
        assert api(c, q="offsets")["total"] == 1
    finally:
        close(app)
