"""The knowledge hub's pages on the real app over the sample corpus index:
map, table twin, system pages, tracker, about the data, JSON and CSV twins."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from search.hub import prices
from search.vocab import systems as systems_mod

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def hub_app(index_dir, tmp_path_factory):
    from webui import create_app
    from webui.state import close

    store = tmp_path_factory.mktemp("prices") / "prices.csv"
    app = create_app({"TESTING": True, "INDEX": str(index_dir), "SECRET_KEY": "test", "PRICES": str(store)})
    app.config["PRICE_STORE"] = store
    yield app
    close(app)


@pytest.fixture
def hc(hub_app):
    return hub_app.test_client()


@pytest.fixture(scope="module")
def reg():
    return systems_mod.load()


def soup(resp) -> BeautifulSoup:
    assert resp.status_code == 200, resp.data[:500]
    return BeautifulSoup(resp.data, "html.parser")


def test_map_page_size_links_and_table_twin(hc, reg):
    r = hc.get("/systems")
    assert len(r.data) < 300_000, len(r.data)
    page = soup(r)
    svg = page.find("svg", class_="worldmap")
    map_ids = {a["data-system"] for a in svg.find_all("a")}
    table_ids = {tr["data-system"] for tr in page.select("table.hub-table tbody tr[data-system]")}
    assert map_ids == table_ids == {s.id for s in reg.all()}
    assert page.find("link", rel="alternate", type="application/json")
    assert page.find("h1").get_text(strip=True) and page.find("main", id="main")


def test_every_factsheet_system_links_to_a_page_that_exists(hc, reg):
    page = soup(hc.get("/systems"))
    hrefs = {a["data-system"]: a["href"] for a in page.find("svg", class_="worldmap").find_all("a")}
    for s in reg.all():
        if s.icap or s.worldbank:
            r = hc.get(hrefs[s.id])
            assert r.status_code == 200, s.id
            assert soup(r).find("h1").get_text(strip=True) == s.name


def test_table_twin_holds_the_map_and_json_data(hc, reg):
    page = soup(hc.get("/systems?status=in+force&region=Europe"))
    rows = page.select("table.hub-table tbody tr[data-system]")
    ids = [tr["data-system"] for tr in rows]
    assert ids and all(reg.get(i).status == "in force" and reg.get(i).region == "Europe" for i in ids)
    map_ids = [a["data-system"] for a in page.find("svg", class_="worldmap").find_all("a")]
    assert sorted(map_ids) == sorted(ids)
    data = hc.get("/api/systems?status=in+force&region=Europe").get_json()
    assert [s["id"] for s in data["systems"]] == ids
    for tr in rows:
        s = next(x for x in data["systems"] if x["id"] == tr["data-system"])
        cells = [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        assert cells[0] == s["status"] and cells[1] == s["region"]
        assert cells[2] == (str(s["start"]) if s["start"] else "—")
        if s["latest_price"]:
            assert s["latest_price"]["date"] in cells[4]
    # A chip removes its filter.
    chips = page.select("nav.chips a.chip")
    assert len(chips) == 2


def test_documents_filter_and_counts(hc, reg):
    data = hc.get("/api/systems").get_json()
    with_docs = [s for s in data["systems"] if s["documents"]]
    assert with_docs, "the sample corpus has EU documents"
    only = hc.get("/api/systems?docs=yes").get_json()
    assert {s["id"] for s in only["systems"]} == {s["id"] for s in with_docs}
    page = soup(hc.get("/systems?docs=yes"))
    assert {a["data-system"] for a in page.find("svg", class_="worldmap").find_all("a")} == {s["id"] for s in with_docs}


def test_system_page_facts_prices_library(hc, reg):
    page = soup(hc.get("/systems/eu-ets"))
    facts = {d["data-fact"]: d for d in page.select("[data-fact]")}
    assert {"status", "start", "cap", "sectors", "linked"} <= set(facts)
    assert "Source:" in facts["cap"].get_text() and "c. 2022" in facts["cap"].get_text()
    assert "2025-04-01" in facts["status"].get_text()
    assert "Swiss" in facts["linked"].get_text()
    assert page.find("svg", class_="chart")  # the World Bank's annual reference prices
    lib = page.find("section", attrs={"aria-labelledby": "library-title"})
    link = lib.find("a", href=lambda h: h and "jurisdiction=EU" in h)
    total = int(link.find("strong").get_text().replace(",", ""))
    search = hc.get("/api/search?jurisdiction=EU").get_json()
    assert total == search["total"] > 0
    # Missing facts are marked as such.
    br = soup(hc.get("/systems/br-sbce"))
    assert "Not in ICAP's or the World Bank's data" in br.get_text()
    # Relations: WCI and its members, EU and its EEA states.
    wci = soup(hc.get("/systems/wci")).get_text()
    assert "California Cap-and-Trade Program" in wci and "Québec Cap-and-Trade System" in wci
    assert "Liechtenstein" in page.get_text() and "EU ETS 2" in page.get_text()
    assert hc.get("/systems/nope").status_code == 404


def test_system_downloads_equal_the_data(hc):
    book = prices.book(include_local=False)
    nzu = next(s for s in book.for_system("nz-ets") if s.currency == "NZD")
    rows = list(csv.DictReader(io.StringIO(hc.get("/systems/nz-ets/prices.csv").get_data(as_text=True))))
    got = [(r["date"], float(r["price"])) for r in rows if r["currency"] == "NZD"]
    assert got == [(d.isoformat(), v) for d, v in nzu.points]
    assert {r["licence"] for r in rows} == {"ODC-PDDL-1.0", "CC BY 4.0"} and all(r["source"] for r in rows)
    data = hc.get("/systems/nz-ets/prices.json").get_json()
    js = next(s for s in data["series"] if s["currency"] == "NZD")
    assert [(p["date"], p["price"]) for p in js["points"]] == got
    # The chart on the page holds the same points.
    svg = soup(hc.get("/systems/nz-ets")).find_all("svg", class_="chart")
    nzd = next(s for s in svg if s["data-currency"] == "NZD")
    line = nzd.find("g", attrs={"data-kind": "secondary market"}).find("polyline")
    assert len(line["points"].split()) == len(got)


def test_california_shows_the_joint_auction(hc):
    data = hc.get("/api/systems/us-california").get_json()
    kinds = {(p["kind"], p["via"]) for p in data["prices"]}
    assert ("auction", "wci") in kinds and ("annual reference", None) in kinds
    page = soup(hc.get("/systems/us-california"))
    assert "never blended" in page.get_text()


def test_tracker_currency_modes_and_twins(hc):
    page = soup(hc.get("/prices?system=nz-ets&system=eu-ets"))
    currencies = sorted(s["data-currency"] for s in page.find_all("svg", class_="chart"))
    assert currencies == ["NZD", "USD"]
    usd = soup(hc.get("/prices?system=nz-ets&system=eu-ets&currency=usd"))
    assert [s["data-currency"] for s in usd.find_all("svg", class_="chart")] == ["USD"]
    assert "no exchange rate is applied" in usd.get_text()
    latest = {tr["data-system"]: tr for tr in page.select("table.hub-table tbody tr[data-system]")}
    assert "2026-07-03" in latest["nz-ets"].get_text() and "Secondary market" in latest["nz-ets"].get_text()
    api = hc.get("/api/prices?system=nz-ets&currency=usd&from=2020").get_json()
    assert api["currency"] == "usd" and all(s["currency"] == "USD" for s in api["series"])
    assert all(s["source"] and s["licence"] for s in api["series"])
    assert all(p["date"] >= "2020-01-01" for s in api["series"] for p in s["points"])
    assert api["excluded"][0]["currency"] == "NZD"
    text = hc.get("/prices.csv?system=wci").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and set(rows[0]) >= {"date", "system", "price", "currency", "kind", "source", "licence"}
    assert {r["kind"] for r in rows} == {"auction"}
    # The page's JSON twin holds the series the page draws, defaults included.
    default = soup(hc.get("/prices"))
    twin = hc.get(default.find("link", rel="alternate", type="application/json")["href"]).get_json()
    drawn = sorted(g["data-series"] for svg in default.find_all("svg", class_="chart") for g in svg.find_all("g", class_="series"))
    assert drawn == sorted("|".join((s["system"], s["instrument"], s["kind"], s["currency"])) for s in twin["series"])
    bad = soup(hc.get("/prices?from=someday&system=atlantis"))
    assert "not understood" in bad.get_text() and "Unknown system" in bad.get_text()


def test_imported_prices_appear_and_are_escaped(hub_app, hc):
    store = prices.PriceStore(hub_app.config["PRICE_STORE"])
    text = ("date,system,instrument,price,currency,kind,source,licence\n"
            "2024-05-01,kr-ets,<script>alert(1)</script>,9000,KRW,secondary market,<b>Evil</b>,CC0-1.0\n")
    report = prices.import_rows(text.splitlines(), prices.Mapping.canonical(), store)
    assert report.added == 1
    r = hc.get("/prices?system=kr-ets")
    assert b"<script>alert(1)</script>" not in r.data and b"<b>Evil</b>" not in r.data
    assert "KRW" in {s["data-currency"] for s in soup(r).find_all("svg", class_="chart")}
    assert b"&lt;script&gt;" in r.data


def test_about_the_data(hc):
    page = soup(hc.get("/about/data"))
    text = page.get_text()
    for needle in ("CC BY 4.0", "ODC-PDDL-1.0", "Natural Earth", "ICAP", "California Air Resources Board"):
        assert needle in text
    data = hc.get("/api/about/data").get_json()
    assert {s["id"] for s in data["sources"]} >= {"worldbank-cpd", "icap-factsheets", "nzu", "carb-auctions", "natural-earth"}


def test_knowledge_panel_is_compact_with_sparkline_and_system_link(hc):
    page = soup(hc.get("/?jurisdiction=NZ"))
    kp = page.select_one("section.knowledge")
    assert kp is not None
    details = kp.find("details")
    assert details is not None and details.get("open") is None  # facts folded away, no JavaScript needed
    assert details.find("dl") is not None
    link = kp.select_one(".knowledge__systems a")
    assert link["href"] == "/systems/nz-ets"
    spark = kp.select_one(".knowledge__price svg.sparkline")
    assert spark is not None and "NZ$" in spark["aria-label"] and "2026-07-03" in spark["aria-label"]
    assert "secondary market" in kp.select_one(".knowledge__price").get_text()
    # Jurisdictions without prices still link their system.
    br = soup(hc.get("/?jurisdiction=BR")).select_one("section.knowledge")
    assert br.select_one(".knowledge__systems a")["href"] == "/systems/br-sbce" and br.select_one("svg.sparkline") is None


def test_hub_pages_are_well_formed(hc):
    for path in ("/systems", "/systems/eu-ets", "/systems/wci", "/prices", "/about/data", "/systems?view=east-asia"):
        doc = soup(hc.get(path))
        ids = [el["id"] for el in doc.find_all(id=True)]
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        assert doc.find("main", id="main") and doc.select_one("a.skip-link[href='#main']"), path
        assert len(doc.find_all("h1")) == 1, path
        for svg in doc.find_all("svg"):
            ET.fromstring(str(svg).replace("&nbsp;", " "))  # each SVG is well-formed XML
