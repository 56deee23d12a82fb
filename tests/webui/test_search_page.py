"""The search page (``/``) against a real index: its JSON twin, facets, chips,
sorting, paging, notes, the histogram and the knowledge panel."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from .helpers import api, args_of, html_total, soup


TWIN_CASES = [
    {},
    {"q": "allowances"},
    {"q": "market stability reserve", "jurisdiction": "EU"},
    {"q": "cap", "jurisdiction": ["US-CA", "CN"], "sort": "newest"},
    {"q": "Emissionshandel", "language": "de"},
    {"q": "auction*", "year_from": "2020", "year_to": "2024", "limit": "5", "page": "2"},
    {"q": '"free allocation" OR benchmark', "exact": "1", "expand": "0"},
    {"q": "(unbalanced OR", "page": "abc", "limit": "-5", "year_from": "xyz"},
    {"q": "碳排放"},
]


@pytest.mark.parametrize("params", TWIN_CASES)
def test_html_and_json_twin_agree(client, params):
    page = client.get("/", query_string=params)
    assert page.status_code == 200
    doc = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    data = api(client, **params)
    assert html_total(doc) == data["total"]
    titles = [a.get_text() for a in doc.select(".hit__title a")]
    assert titles == [r["title"] for r in data["results"]]
    # The page names its twin, with the same parameters.
    alt = doc.find("link", rel="alternate", type="application/json")
    assert urlsplit(alt["href"]).path == "/api/search"
    assert client.get(alt["href"]).get_json()["total"] == data["total"]


def test_search_results_show_passages_and_links(client):
    doc = soup(client.get("/?q=market+stability+reserve"))
    hits = doc.select("li.hit")
    assert hits
    first = hits[0]
    assert first.select_one(".hit__title a")["href"].startswith("/doc/")
    assert "q=market+stability+reserve" in first.select_one(".hit__title a")["href"]
    marks = [m.get_text().lower() for m in doc.select(".passage mark")]
    assert any(w in marks for w in ("market", "stability", "reserve"))
    for p in doc.select(".passage"):
        where = p.select_one(".passage__where")
        text, href = where.get_text(), where["href"]
        if text.startswith("p."):
            n = re.search(r"\((\d+)\)$|^p\. (\d+)$", text)
            assert href.startswith("/file/") and href.endswith(f"#page={n.group(1) or n.group(2)}")
        else:
            # An unpaged document's own heading, else "part N of M"; never "section N".
            assert not re.fullmatch(r"section \d+", text)
            anchor = href.split("#")[1]
            assert re.fullmatch(r"section-\d+", anchor) and "/text" in href
            m = re.fullmatch(r"part (\d+) of \d+", text)
            assert m is None or anchor == f"section-{m.group(1)}"
    facts = first.select_one(".hit__facts").get_text()
    assert re.search(r"\d+ (pages|sections)", facts)


def test_unpaged_passage_links_land_on_an_anchor(client):
    doc = soup(client.get("/?q=CORSIA"))
    link = next(a for a in doc.select(".passage__where") if "/text" in a["href"])
    path, anchor = link["href"].split("#")
    text_page = soup(client.get(path))
    assert text_page.find(id=anchor) is not None
    assert "page--match" in text_page.find(id=anchor)["class"]


def test_browse_lists_newest_with_all_facets(client, everything):
    doc = soup(client.get("/"))
    assert doc.select_one("#results-heading").get_text(strip=True) == "Browse the library"
    # Works: the sample corpus's 11 documents hold two revisions of one paper.
    assert html_total(doc) == everything["total"] >= 10 and everything["documents"] >= 11
    dates = [r["date"] or str(r["year"] or "") for r in everything["results"]]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    for name in ("jurisdiction", "type", "publisher", "topic", "language"):
        assert doc.select(f".facet--{name} input[name={name}]"), name
    # The default order is kept as "relevance", so a query typed next is ranked.
    chosen = doc.select_one("select[name=sort] option[selected]")
    assert chosen["value"] == "relevance" and "newest" in chosen.get_text()


def test_filters_narrow_or_within_and_across(client, everything):
    all_total = everything["total"]
    eu = api(client, jurisdiction="EU")
    cn = api(client, jurisdiction="CN")
    both = api(client, jurisdiction=["EU", "CN"])
    assert 0 < eu["total"] < all_total and cn["total"] > 0
    assert both["total"] >= max(eu["total"], cn["total"])
    ids_either = {r["id"] for r in eu["results"]} | {r["id"] for r in cn["results"]}
    assert {r["id"] for r in both["results"]} == ids_either
    eu_law = api(client, jurisdiction="EU", type="legislation")
    assert 0 < eu_law["total"] < eu["total"]
    assert all("EU" in r["jurisdictions"] and r["type"] == "legislation" for r in eu_law["results"])


def test_facet_counts_predict_the_filtered_totals(client):
    base = api(client, q="allowances")
    for name in ("jurisdiction", "type", "language", "publisher", "topic"):
        for v in base["facets"][name][:4]:
            got = api(client, q="allowances", **{name: v["value"]})
            assert got["total"] == v["count"], (name, v)


def test_lowercase_values_are_resolved_and_chips_use_index_spelling(client):
    data = api(client, jurisdiction="eu")
    assert data["filters"] == {"jurisdiction": ["EU"]}
    doc = soup(client.get("/?jurisdiction=eu"))
    chip = doc.select_one(".chips a.chip")
    assert "European Union" in chip.get_text()
    assert ("jurisdiction", "EU") not in args_of(chip["href"]) and ("jurisdiction", "eu") not in args_of(chip["href"])


def test_facet_checkboxes_carry_toggle_urls(client):
    doc = soup(client.get("/?q=cap&jurisdiction=EU"))
    eu = doc.select_one(".facet--jurisdiction input[value=EU]")
    assert eu.has_attr("checked")
    assert ("jurisdiction", "EU") not in args_of(eu["data-toggle-url"])
    assert ("q", "cap") in args_of(eu["data-toggle-url"])
    other = next(i for i in doc.select(".facet--jurisdiction input") if i["value"] != "EU")
    target = args_of(other["data-toggle-url"])
    assert ("jurisdiction", "EU") in target and ("jurisdiction", other["value"]) in target
    assert "page" not in dict(target)
    # Regions group the jurisdictions.
    groups = [g.get_text() for g in doc.select(".facet--jurisdiction .facet__group")]
    assert "Europe" in groups


def test_chips_remove_one_filter_and_clear_all(client):
    doc = soup(client.get("/?q=cap&jurisdiction=EU&type=legislation&year_from=2018&year_to=2024&sort=title"))
    chips = {a.select_one(".chip__facet").get_text(): a["href"] for a in doc.select(".chips a.chip") if a.select_one(".chip__facet")}
    assert set(chips) == {"Jurisdiction:", "Document type:", "Year:"}
    after = dict(args_of(chips["Jurisdiction:"]))
    assert "jurisdiction" not in after and after["type"] == "legislation" and after["sort"] == "title"
    after = dict(args_of(chips["Year:"]))
    assert "year_from" not in after and "year_to" not in after and after["jurisdiction"] == "EU"
    clear = doc.select_one("a.chip--clear")["href"]
    assert dict(args_of(clear)) == {"q": "cap", "sort": "title"}
    assert client.get(clear).status_code == 200


def test_facet_more_list_without_js(app, client):
    app.config["FACET_TOP"] = 1
    try:
        doc = soup(client.get("/"))
    finally:
        app.config["FACET_TOP"] = 6
    more = doc.select(".facet--type details.facet__more")
    assert more and more[0].select("input[name=type]")
    assert len(doc.select(".facet--type .facet__block > ul.facet__values > li")) == 1


@pytest.mark.parametrize(
    "sort, key, reverse",
    [
        ("newest", lambda r: r["date"] or f"{r['year']}-01-01" if r["year"] else "", True),
        ("oldest", lambda r: r["date"] or f"{r['year']}-01-01" if r["year"] else "9999", False),
        ("title", lambda r: (r["title"] or "").casefold(), False),
    ],
)
def test_sort_orders(client, sort, key, reverse):
    data = api(client, sort=sort, limit=100)
    keys = [key(r) for r in data["results"]]
    if sort == "newest":
        keys = [k for k in keys if k]  # undated documents come last
    assert keys == sorted(keys, reverse=reverse)
    assert data["sort"] == sort


def test_paging(client, everything):
    total = everything["total"]
    one = api(client, limit=4)
    two = api(client, limit=4, page=2)
    assert {r["id"] for r in one["results"]}.isdisjoint(r["id"] for r in two["results"])
    assert one["pages"] == -(-total // 4)
    doc = soup(client.get("/?limit=4&page=2"))
    nav = doc.select_one("nav.pagination")
    assert nav.select_one("[aria-current=page]").get_text() == "2"
    assert dict(args_of(nav.select_one("a[rel=prev]")["href"])) == {"limit": "4"}
    assert dict(args_of(nav.select_one("a[rel=next]")["href"])) == {"limit": "4", "page": "3"}
    assert doc.find("link", rel="next") is not None
    assert doc.select_one("ol.hits")["start"] == "5"


@pytest.mark.parametrize("limit", ["10", "20", "50", "100"])
def test_page_sizes(client, limit):
    doc = soup(client.get("/", query_string={"limit": limit}))
    assert doc.select_one("select[name=limit] option[selected]")["value"] == limit
    assert len(doc.select("li.hit")) == min(int(limit), html_total(doc))


def test_glossary_expansion_shown_and_switchable(client):
    doc = soup(client.get("/?q=MSR"))
    note = doc.select_one(".note--expand")
    assert note is not None and "market stability reserve" in note.get_text()
    off = note.find("a", string=re.compile("only for what I typed"))["href"]
    assert ("expand", "0") in args_of(off)
    with_exp = api(client, q="MSR")
    without = api(client, q="MSR", expand="0")
    assert with_exp["expansions"] and not without["expansions"]
    assert without["total"] <= with_exp["total"]
    doc = soup(client.get(off))
    assert doc.select_one("input[name=expand]").has_attr("checked")
    back = doc.find("a", string=re.compile("synonyms"))
    assert "expand" not in dict(args_of(back["href"]))


def test_exact_switch(client):
    stemmed = api(client, q="allocate")
    exact = api(client, q="allocate", exact="1")
    assert exact["exact"] is True and stemmed["exact"] is False
    assert exact["total"] <= stemmed["total"]
    doc = soup(client.get("/?q=allocate&exact=1"))
    assert doc.select_one("input[name=exact]").has_attr("checked")
    assert "exact" not in dict(args_of(doc.find("a", string=re.compile("other word forms"))["href"]))


def test_did_you_mean(client):
    doc = soup(client.get("/?q=aviaton"))  # nothing found: the suggestion leads the ways out
    link = doc.select_one(".empty__suggest a")
    assert link.get_text() == "aviation"
    assert api(client, **dict(args_of(link["href"])))["total"] > 0


def test_year_range_and_histogram(client):
    data = api(client, year_from=2023, year_to=2023)
    assert data["total"] > 0 and all(r["year"] == 2023 for r in data["results"])
    doc = soup(client.get("/"))
    bars = doc.select(".histogram a")
    assert bars
    years = []
    for a in bars:
        q = dict(args_of(a["href"]))
        assert q["year_from"] == q["year_to"]
        years.append(int(q["year_from"]))
        n = int(re.search(r": (\d+) doc", a.find("title").get_text()).group(1))
        assert api(client, year_from=q["year_from"], year_to=q["year_to"])["total"] == n
    assert years == sorted(years)
    # Inside a range, bars of the range are highlighted and the inputs keep it.
    doc = soup(client.get("/?year_from=2023&year_to=2024"))
    assert doc.select_one("input[name=year_from]")["value"] == "2023"
    assert all(int(dict(args_of(a["href"]))["year_from"]) in (2023, 2024) for a in doc.select(".histogram a") if "bar--in" in a.rect["class"])


def test_knowledge_panel_for_one_jurisdiction(client, everything):
    doc = soup(client.get("/?jurisdiction=EU"))
    kp = doc.select_one("section.knowledge")
    assert kp is not None
    assert kp.select_one("h2").get_text() == "European Union"
    text = kp.get_text(" ", strip=True)
    assert "in force" in text and "2005" in text
    n_eu = sum("EU" in r["jurisdictions"] for r in everything["results"])
    assert f"{n_eu} in the library" in text
    facts = {dt.get_text(): dd for dt, dd in zip(kp.select("dt"), kp.select("dd"))}
    assert "Linked with" in facts and facts["Linked with"].a is not None
    assert ("jurisdiction", "CH") in args_of(facts["Linked with"].a["href"])
    assert kp.select_one(".knowledge__source a")["href"].startswith("https://")
    # With a query, the panel counts matching documents and those in the library.
    doc = soup(client.get("/?jurisdiction=EU&q=aviation"))
    assert re.search(rf"\d+ matching documents? · {n_eu} in the library", doc.select_one(".knowledge__counts").get_text(" ", strip=True))


@pytest.mark.parametrize("query", ["", "?jurisdiction=EU&jurisdiction=CN", "?jurisdiction=NOWHERE", "?q=cap"])
def test_no_knowledge_panel_otherwise(client, query):
    assert soup(client.get("/" + query)).select_one("section.knowledge") is None


def test_unknown_filter_value_gives_empty_result_not_error(client):
    r = client.get("/?jurisdiction=NOWHERE")
    assert r.status_code == 200
    doc = soup(r)
    assert html_total(doc) == 0
    assert doc.select_one(".chips a.chip")
    assert doc.select_one(".empty")
