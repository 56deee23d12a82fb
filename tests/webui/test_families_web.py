"""Document families on the web, over the real documents of the shared
corpus: a work once in results with "N versions", totals and facets
counting works, the document page's versions, exports one line a work
(its newest version) unless ``versions=all``, and the JSON twins."""

from __future__ import annotations

import csv
import json
import io
from pathlib import Path

import pytest

from .helpers import api, args_of, html_total, soup

QUERY = "greenhouse gas emission allowance trading"


@pytest.fixture(scope="module")
def shared_app(shared_index):
    from tests.conftest import _make_app
    from webui.state import close

    root, _ = shared_index
    app = _make_app(root.root)
    yield app
    close(app)


@pytest.fixture
def client(shared_app):
    return shared_app.test_client()


@pytest.fixture(scope="module")
def every(shared_app) -> dict:
    """Every document (every version), by file name."""
    with shared_app.test_client() as c:
        data = api(c, limit=100, versions="all")
    assert data["total"] == data["documents"] == len(data["results"])
    return {Path(r["path"]).name: r for r in data["results"]}


def test_a_work_is_listed_once_with_its_versions(client, every):
    works = api(client, q=QUERY, limit=100)
    docs = api(client, q=QUERY, limit=100, versions="all")
    assert works["versions"] == "family" and docs["versions"] == "all"
    assert works["documents"] == docs["total"] > works["total"] == len(works["results"])
    families = [r["family"] for r in works["results"]]
    assert len(families) == len(set(families))
    assert {r["family"] for r in docs["results"]} == set(families)
    by_family = {r["family"]: r for r in works["results"]}
    for a, b in (("CELEX_02003L0087-20180408_EN_TXT.pdf", "CELEX_02003L0087-20230605_EN_TXT.md"),
                 ("CELEX_32023L0959_EN_TXT.pdf", "CELEX_32023L0959_EN_TXT.txt")):
        fam = every[a]["family"]
        assert fam == every[b]["family"]
        hit = by_family[fam]
        other = every[b] if hit["id"] == every[a]["id"] else every[a]
        assert [v["id"] for v in hit["versions"]] == [other["id"]]
        v = hit["versions"][0]
        assert v["kind"] == other["kind"] and v["date"] == other["date"] and v["language"] == "en" and v["matches"] is True
    # The amending directive is not a version of the directive it amends.
    assert every["CELEX_32023L0959_EN_TXT.pdf"]["family"] != every["CELEX_02003L0087-20180408_EN_TXT.pdf"]["family"]


def test_the_best_ranked_version_is_shown(client):
    docs = api(client, q=QUERY, limit=100, versions="all")["results"]
    works = api(client, q=QUERY, limit=100)["results"]
    first_of = {}
    for r in docs:  # every version in result order: the first of each family is the one shown
        first_of.setdefault(r["family"], r["id"])
    assert [r["id"] for r in works] == list(first_of.values())


def test_browsing_newest_first_shows_each_works_newest_version(client, every):
    works = api(client, limit=100)["results"]
    shown = {r["family"]: r["id"] for r in works}
    assert shown[every["CELEX_02003L0087-20230605_EN_TXT.md"]["family"]] == every["CELEX_02003L0087-20230605_EN_TXT.md"]["id"]
    oldest = {r["family"]: r["id"] for r in api(client, limit=100, sort="oldest")["results"]}
    assert oldest[every["CELEX_02003L0087-20180408_EN_TXT.pdf"]["family"]] == every["CELEX_02003L0087-20180408_EN_TXT.pdf"]["id"]


def test_totals_and_facets_count_works(client, every):
    works = api(client, limit=100)
    assert works["total"] == len({r["family"] for r in every.values()}) < len(every)
    assert works["documents"] == len(every)
    for facet, key in (("type", "type"), ("jurisdiction", "jurisdictions"), ("language", "language"), ("year", "year")):
        for v in works["facets"][facet]:
            holders = {r["family"] for r in every.values() if v["value"] in _values(r.get(key))}
            assert v["count"] == len(holders), (facet, v)
            # Choosing the value lists as many works as it said.
            if v["count"]:
                assert api(client, **{facet if facet != "year" else "q": v["value"] if facet != "year" else f"year:{v['value']}"})["total"] == v["count"]
    # Listing every version counts documents again.
    docs = api(client, limit=100, versions="all")
    legislation = next(v for v in docs["facets"]["type"] if v["value"] == "legislation")
    assert legislation["count"] == sum(1 for r in every.values() if r["type"] == "legislation")


def _values(v) -> list[str]:
    if v is None:
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def test_results_page_shows_n_versions(client, every):
    page = soup(client.get("/", query_string={"q": QUERY}))
    total = html_total(page)
    assert total == api(client, q=QUERY)["total"]
    details = page.select("details.hit__versions")
    assert len(details) >= 2
    summary = details[0].select_one("summary").get_text(strip=True)
    assert summary == "2 versions"
    items = details[0].select("li")
    assert items[0].get_text(" ", strip=True).startswith("This one:")
    link = items[1].select_one("a")
    assert link["href"].startswith("/doc/") and any(f in items[1].get_text() for f in ("PDF", "Plain text"))
    # "with every version" lists them all; back from there, one a work.
    every_link = page.select_one(".results__count a")
    assert dict(args_of(every_link["href"]))["versions"] == "all"
    all_page = soup(client.get(every_link["href"]))
    # Each version listed on its own, still saying which are versions of one work.
    assert html_total(all_page) == api(client, q=QUERY)["documents"] and all_page.select("details.hit__versions")
    back = all_page.select_one(".results__count a")
    assert "versions" not in dict(args_of(back["href"]))


def test_a_version_opened_from_a_result_leads_back_to_it(client, every):
    page = soup(client.get("/", query_string={"q": QUERY}))
    version_link = page.select_one("details.hit__versions li a")
    doc = soup(client.get(version_link["href"]))
    back = doc.select_one(".breadcrumbs a")["href"]
    assert "#hit-" in back


def test_document_page_lists_versions_with_date_format_and_language(client, every):
    old = every["CELEX_02003L0087-20180408_EN_TXT.pdf"]
    new = every["CELEX_02003L0087-20230605_EN_TXT.md"]
    page = soup(client.get(f"/doc/{old['id']}"))
    section = page.select_one("#versions")
    assert section.select_one("h2").get_text(strip=True) == "2 versions of this work"
    assert "CELEX 32003L0087" in section.get_text()
    rows = [[td.get_text(" ", strip=True) for td in tr.select("td")] for tr in section.select("tbody tr")]
    assert rows[0][1:] == ["2023-06-05", "Plain text", "English"] and "newest" in rows[0][0]
    assert rows[1][1:] == ["2018-04-08", "PDF", "English"] and "(this one)" in rows[1][0]
    assert section.select_one("tbody tr[aria-current=page]") is not None
    # A document alone has no versions section.
    alone = every["CELEX_32023R0957_EN_TXT.txt"]
    assert soup(client.get(f"/doc/{alone['id']}")).select_one("#versions") is None
    # Related documents leave out its own versions.
    related = client.get(f"/api/doc/{old['id']}").get_json()["related"]
    assert new["id"] not in {r["id"] for r in related}


def test_document_twin_carries_family_and_versions(client, every):
    old = every["CELEX_02003L0087-20180408_EN_TXT.pdf"]
    new = every["CELEX_02003L0087-20230605_EN_TXT.md"]
    twin = client.get(f"/api/doc/{old['id']}").get_json()
    fam = twin["family"]
    assert fam["id"] == old["family"] and fam["newest"] == new["id"] and "CELEX 32003L0087" in fam["by"]
    assert [(v["id"], v["current"]) for v in fam["versions"]] == [(new["id"], False), (old["id"], True)]
    assert fam["versions"][0]["url"].endswith(f"/doc/{new['id']}") and fam["versions"][0]["kind"] == "text"
    assert "minhash" not in twin["document"] and twin["document"]["family"] == old["family"]
    alone = client.get(f"/api/doc/{every['CELEX_32023R0957_EN_TXT.txt']['id']}").get_json()["family"]
    assert alone["versions"] == [] and alone["id"] == every["CELEX_32023R0957_EN_TXT.txt"]["id"]


def _csv(client, **params) -> list[dict]:
    body = client.get("/search.csv", query_string=params).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(body)))


def test_exports_give_one_line_a_work_its_newest_version(client, every):
    works = api(client, q=QUERY)
    rows = _csv(client, q=QUERY)
    assert len(rows) == works["total"]
    ids = {r["id"] for r in rows}
    assert every["CELEX_02003L0087-20230605_EN_TXT.md"]["id"] in ids  # the newest consolidation
    assert every["CELEX_02003L0087-20180408_EN_TXT.pdf"]["id"] not in ids
    assert every["CELEX_32023L0959_EN_TXT.pdf"]["id"] in ids  # same date: the PDF
    assert len({r["family"] for r in rows}) == len(rows)
    # Every version when asked.
    all_rows = _csv(client, q=QUERY, versions="all")
    assert len(all_rows) == works["documents"] and {r["family"] for r in all_rows} == {r["family"] for r in rows}
    bib = client.get("/search.bib", query_string={"q": QUERY}).get_data(as_text=True)
    assert bib.count("\n@") + bib.startswith("@") == works["total"]
    ris = client.get("/search.ris", query_string={"q": QUERY}).get_data(as_text=True)
    assert ris.count("ER  -") == works["total"]
    ris_all = client.get("/search.ris", query_string={"q": QUERY, "versions": "all"}).get_data(as_text=True)
    assert ris_all.count("ER  -") == works["documents"]


def test_export_of_a_filtered_search_takes_the_newest_matching_version(client, every):
    old = every["CELEX_02003L0087-20180408_EN_TXT.pdf"]
    rows = _csv(client, q=QUERY, year_to="2019")
    assert old["id"] in {r["id"] for r in rows}  # the 2023 version does not match the years


def test_search_page_links_keep_versions_all(client):
    page = soup(client.get("/", query_string={"q": QUERY, "versions": "all"}))
    csv_link = page.select_one(".toolbar__exports a[href*='search.csv']")
    assert dict(args_of(csv_link["href"])).get("versions") == "all"
    odd = api(client, q=QUERY, versions="some")
    assert any("versions=some" in n for n in odd["notes"]) and odd["versions"] == "family"


def test_atom_feed_has_an_entry_a_work(client):
    body = client.get("/search.atom", query_string={"q": QUERY}).get_data(as_text=True)
    assert body.count("<entry>") == min(api(client, q=QUERY)["total"], 50)


@pytest.mark.parametrize("value, every, noted", [("all", True, False), ("ALL", True, False), ("family", False, False), ("x", False, True)])
def test_versions_parameter(value, every, noted):
    from webui.params import parse_args, state_pairs

    parsed = parse_args([("q", "cap"), ("versions", value)])
    assert parsed.request.all_versions is every and bool(parsed.notes) is noted
    assert (("versions", "all") in state_pairs(parsed.request)) is every


def test_command_line_lists_a_work_once(shared_index):
    from tests.webui.test_cli import etslib

    root, _ = shared_index
    works = json.loads(etslib("search", QUERY, "--index", str(root.root), "--json", "--limit", "100").stdout)
    every = json.loads(etslib("search", QUERY, "--index", str(root.root), "--json", "--limit", "100", "--all-versions").stdout)
    assert works["total"] < every["total"] == works["documents"] == len(every["results"])
    assert any(r["versions"] for r in works["results"]) and all("family" in r for r in works["results"])
    text = etslib("search", QUERY, "--index", str(root.root), "--limit", "3").stdout
    assert "with every version (--all-versions)" in text and "2 versions: also" in text


def test_a_hit_lists_its_newest_versions_and_links_to_the_rest(client, every, monkeypatch):
    """A work's versions beyond ``config.HIT_VERSIONS`` are counted, not
    listed, with the hit (a work copied hundreds of times made answers too
    large to cache); the document page lists every one."""
    from search import config

    law = [every[Path(p).name] for p in (
        "CELEX_32021R1119_EN_TXT.txt", "L_2021243EN_European_Climate_Law_OJ.txt", "EUR-Lex_Regulation_2021_1119_European_Climate_Law.md")]
    assert len({r["family"] for r in law}) == 1
    monkeypatch.setattr(config, "HIT_VERSIONS", 1)
    q = "European Climate Law climate neutrality 2050 objective"  # asked here only: no cached answer
    hit = next(r for r in api(client, q=q, limit=50)["results"] if r["family"] == law[0]["family"])
    assert hit["version_count"] == 2 and len(hit["versions"]) == 1
    # the first of the others as the document's own list orders them (newest first)
    family = client.get(f"/api/doc/{hit['id']}").get_json()["family"]["versions"]
    assert len(family) == 3
    assert hit["versions"][0]["id"] == next(v["id"] for v in family if v["id"] != hit["id"])
    page = soup(client.get("/", query_string={"q": q, "limit": 50}))
    item = next(li for li in page.select("li.hit") if li.select_one(f'a[href^="/doc/{hit["id"]}"]'))
    assert item.select_one("details.hit__versions summary").get_text(strip=True) == "3 versions"
    more = item.select_one('details.hit__versions a[href*="#versions"]')
    assert more.get_text(strip=True) == "All 3 versions" and more["href"].startswith(f"/doc/{hit['id']}")
    assert "1 older not listed here" in item.select_one("details.hit__versions").get_text(" ", strip=True)
    doc = soup(client.get(more["href"]))
    assert len(doc.select("#versions tbody tr")) == 3
