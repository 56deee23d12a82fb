"""The web app against a real index of the sample corpus (Flask test client).

Pure helpers (URL state, parameter parsing, citation formats) are tested
with tables; every route is tested through the real app and index.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup

from search.model import SearchRequest
from webui import citations, urls
from webui.params import Limits, parse_args, state_pairs

ROOT = Path(__file__).resolve().parents[2]
ATOM = "{http://www.w3.org/2005/Atom}"
OSD = "{http://a9.com/-/spec/opensearch/1.1/}"


# -- helpers ------------------------------------------------------------------------


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def api(client, **params) -> dict:
    r = client.get("/api/search", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def fetch(client, path: str, **kw):
    """A response read in full and closed (file responses hold the file open)."""
    r = client.get(path, **kw)
    r.get_data()
    r.close()
    return r


def html_total(page: BeautifulSoup) -> int:
    return int(page.select_one("[data-total]")["data-total"])


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


@pytest.fixture(scope="module")
def everything(app) -> dict:
    """Browse: every document of the sample corpus, newest first."""
    with app.test_client() as c:
        return api(c, limit=100)


@pytest.fixture(scope="module")
def ids_by_kind(everything) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in everything["results"]:
        out.setdefault(r["kind"], []).append(r["id"])
    return out


# -- pure URL helpers -----------------------------------------------------------------

P = [("q", "cap"), ("jurisdiction", "EU"), ("type", "report")]


@pytest.mark.parametrize(
    "pairs, name, value, expected",
    [
        (P, "jurisdiction", "CN", [("q", "cap"), ("jurisdiction", "EU"), ("jurisdiction", "CN"), ("type", "report")]),
        (P, "jurisdiction", "EU", P),
        (P, "topic", "auctioning", P + [("topic", "auctioning")]),
        ([], "q", "x", [("q", "x")]),
    ],
)
def test_with_added(pairs, name, value, expected):
    assert urls.with_added(pairs, name, value) == expected


@pytest.mark.parametrize(
    "pairs, name, value, expected",
    [
        (P, "jurisdiction", "EU", [("q", "cap"), ("type", "report")]),
        (P, "jurisdiction", "CN", P),
        (P + [("jurisdiction", "CN")], "jurisdiction", None, [("q", "cap"), ("type", "report")]),
        ([], "q", None, []),
    ],
)
def test_with_removed(pairs, name, value, expected):
    assert urls.with_removed(pairs, name, value) == expected


@pytest.mark.parametrize(
    "pairs, name, value, expected",
    [
        (P, "q", "floor", [("q", "floor"), ("jurisdiction", "EU"), ("type", "report")]),
        (P, "sort", "newest", P + [("sort", "newest")]),
        (P, "q", None, [("jurisdiction", "EU"), ("type", "report")]),
        (P, "q", "", [("jurisdiction", "EU"), ("type", "report")]),
        ([("page", "2"), ("page", "3")], "page", "4", [("page", "4")]),
    ],
)
def test_with_replaced(pairs, name, value, expected):
    assert urls.with_replaced(pairs, name, value) == expected


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("jurisdiction", "EU", [("q", "cap"), ("type", "report")]),
        ("jurisdiction", "CN", [("q", "cap"), ("jurisdiction", "EU"), ("jurisdiction", "CN"), ("type", "report")]),
        ("language", "de", P + [("language", "de")]),
    ],
)
def test_toggled(name, value, expected):
    assert urls.toggled(P, name, value) == expected
    assert urls.toggled(urls.toggled(P, name, value), name, value) in (P, P[:1] + P[2:] + P[1:2])


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([], ""),
        ([("q", "a b")], "?q=a+b"),
        ([("q", '"MSR" & <x>'), ("jurisdiction", "EU")], "?q=%22MSR%22+%26+%3Cx%3E&jurisdiction=EU"),
        ([("q", "碳市场")], "?q=%E7%A2%B3%E5%B8%82%E5%9C%BA"),
    ],
)
def test_query_string(pairs, expected):
    assert urls.query_string(pairs) == expected


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([("q", ""), ("q", " "), ("type", "report")], [("type", "report")]),
        ([("a", "1"), ("a", "1"), ("a", "2")], [("a", "1"), ("a", "2")]),
    ],
)
def test_clean(pairs, expected):
    assert urls.clean(pairs) == expected


@pytest.mark.parametrize(
    "page, pages, expected",
    [
        (1, 1, [1]),
        (1, 0, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (4, 12, [1, 2, 3, 4, 5, 6, None, 12]),
        (12, 12, [1, None, 10, 11, 12]),
    ],
)
def test_page_window(page, pages, expected):
    assert urls.page_window(page, pages) == expected


# -- parameter parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, field, value, noted",
    [
        ([("page", "abc")], "page", 1, True),
        ([("page", "0")], "page", 1, True),
        ([("page", "3")], "page", 3, False),
        ([("page", "99999999")], "page", 10_000, False),
        ([("limit", "-5")], "limit", 10, True),
        ([("limit", "lots")], "limit", 10, True),
        ([("limit", "1000")], "limit", 100, True),
        ([("limit", "50")], "limit", 50, False),
        ([("year_from", "xyz")], "year_from", None, True),
        ([("year_to", "20244")], "year_to", None, True),
        ([("year_from", "2018")], "year_from", 2018, False),
        ([("sort", "bogus")], "sort", "relevance", True),
        ([("sort", "NEWEST")], "sort", "newest", False),
        ([("exact", "1")], "exact", True, False),
        ([("exact", "maybe")], "exact", False, True),
        ([("expand", "0")], "expand", False, False),
        ([("expand", "off")], "expand", False, False),
        ([("q", "  cap\x00 floor ")], "q", "cap  floor", False),
        ([("q", "x" * 1200)], "q", "x" * 1000, True),
    ],
)
def test_parse_args(args, field, value, noted):
    parsed = parse_args(args, Limits())
    assert getattr(parsed.request, field) == value
    assert bool(parsed.notes) is noted, parsed.notes


def test_parse_args_filters_and_swapped_years():
    parsed = parse_args(
        [("jurisdiction", "EU"), ("jurisdiction", "CN"), ("jurisdiction", "EU"), ("type", ""), ("year_from", "2024"), ("year_to", "2018"), ("bogus", "1")]
    )
    req = parsed.request
    assert req.filters == {"jurisdiction": ["EU", "CN"]}
    assert (req.year_from, req.year_to) == (2018, 2024)
    assert any("swapped" in n for n in parsed.notes)


@pytest.mark.parametrize(
    "req",
    [
        SearchRequest(),
        SearchRequest(q="MSR", filters={"jurisdiction": ["EU", "CN"], "type": ["report"]}, year_from=2018, sort="newest", limit=50, exact=True, expand=False),
        SearchRequest(q='"free allocation" -aviation', year_to=2020, sort="title"),
    ],
)
def test_state_pairs_round_trip(req):
    pairs = state_pairs(req)
    assert "page" not in dict(pairs)
    back = parse_args(pairs).request
    for f in ("q", "filters", "year_from", "year_to", "sort", "limit", "exact", "expand"):
        assert getattr(back, f) == getattr(req, f)


# -- citation formats (pure) ----------------------------------------------------------------

META = {
    "id": "d1",
    "title": "Costs & {benefits} of 100% auctioning_in the EU ETS",
    "authors": ["European Commission", "Jane Smith"],
    "publisher": "Publications Office",
    "year": 2023,
    "date": "2023-05-10",
    "type": "report",
    "topics": ["auctioning"],
    "jurisdictions": ["EU"],
    "language": "en",
}


def test_bibtex_entry_escapes_and_types():
    entry = citations.bibtex_entry(META, "http://x/doc/d1")
    assert entry.startswith("@techreport{")
    assert r"Costs \& \{benefits\} of 100\% auctioning\_in the EU ETS" in entry
    assert "author = {{European Commission} and Jane Smith}" in entry
    assert "institution = {Publications Office}" in entry
    assert "year = {2023}" in entry and "month = {5}" in entry
    assert entry.count("{") == entry.count("}")


def test_bibtex_keys_are_unique():
    text = "".join(citations.bibtex([(META, "u1"), (META, "u2"), (dict(META, title="Другое"), "u3")]))
    keys = re.findall(r"^@\w+\{([^,]+),", text, re.M)
    assert len(keys) == 3 and len(set(keys)) == 3
    assert all(re.fullmatch(r"[a-z0-9]+", k) for k in keys)


def test_ris_record():
    rec = citations.ris_record(META, "http://x/doc/d1", "http://x/file/d1")
    lines = rec.split("\r\n")
    assert lines[0] == "TY  - RPRT"
    assert "AU  - European Commission" in lines and "AU  - Jane Smith" in lines
    assert "DA  - 2023/05/10/" in lines and "L1  - http://x/file/d1" in lines
    assert lines[-2] == "ER  - " and lines[-1] == ""


@pytest.mark.parametrize("value, expected", [("=cmd()", "'=cmd()"), ("+1", "'+1"), ("@x", "'@x"), ("plain", "plain"), (None, ""), (2023, "2023")])
def test_csv_cell_defuses_formulas(value, expected):
    assert citations.csv_cell(value) == expected


# -- the search page and its JSON twin --------------------------------------------------------

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


def test_api_search_is_the_cli_contract_plus_paging(client, app):
    from search.query.contract import response_json
    from webui.state import get_searcher

    data = api(client, q="allowances", limit=3)
    with app.test_request_context():
        expected = response_json(get_searcher().search(SearchRequest(q="allowances", limit=3)))
    paging = {"first_result", "last_result", "next_url", "previous_url"}
    assert set(data) == set(expected) | paging
    for key in expected:
        if key not in ("elapsed_ms",):
            assert data[key] == expected[key], key
    assert data["first_result"] == 1 and data["last_result"] == 3
    assert data["previous_url"] is None
    nxt = client.get(data["next_url"]).get_json()
    assert nxt["page"] == 2 and nxt["first_result"] == 4


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
            m = re.fullmatch(r"section (\d+)", text)
            assert m and href.split("#")[1] == f"section-{m.group(1)}" and "/text" in href
    facts = first.select_one(".hit__facts").get_text()
    assert re.search(r"\d+ (pages|sections)", facts)


def test_unpaged_passage_links_land_on_an_anchor(client):
    doc = soup(client.get("/?q=CORSIA"))
    link = next(a for a in doc.select(".passage__where") if a.get_text().startswith("section"))
    path, anchor = link["href"].split("#")
    text_page = soup(client.get(path))
    assert text_page.find(id=anchor) is not None
    assert "page--match" in text_page.find(id=anchor)["class"]


def test_browse_lists_newest_with_all_facets(client, everything):
    doc = soup(client.get("/"))
    assert doc.select_one("#results-heading").get_text(strip=True) == "Browse the library"
    assert html_total(doc) == everything["total"] >= 11
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
    assert len(doc.select(".facet--type > fieldset > ul.facet__values > li")) == 1


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
    one = api(client, limit=5)
    two = api(client, limit=5, page=2)
    assert {r["id"] for r in one["results"]}.isdisjoint(r["id"] for r in two["results"])
    assert one["pages"] == -(-total // 5)
    doc = soup(client.get("/?limit=5&page=2"))
    nav = doc.select_one("nav.pagination")
    assert nav.select_one("[aria-current=page]").get_text() == "2"
    assert dict(args_of(nav.select_one("a[rel=prev]")["href"])) == {"limit": "5"}
    assert dict(args_of(nav.select_one("a[rel=next]")["href"])) == {"limit": "5", "page": "3"}
    assert doc.find("link", rel="next") is not None
    assert doc.select_one("ol.hits")["start"] == "6"


def test_page_past_the_end_shows_the_last_page_with_a_note(client, everything):
    data = api(client, limit=5, page=99)
    assert data["results"] and data["page"] == data["pages"]
    assert any("only" in n for n in data["notes"])


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
    doc = soup(client.get("/?q=aviaton"))
    link = doc.select_one(".note--suggest a")
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


# -- malformed input never fails --------------------------------------------------------------

MALFORMED = ['"unbalanced', "(a OR", "AND", "NOT", "OR OR", "title:", "*", "???", "-", '"', "a)))", "year:abc..", "jurisdiction:", "\\", "%", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀", "x" * 5000]


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_are_200_with_a_note(client, q):
    page = client.get("/", query_string={"q": q})
    assert page.status_code == 200
    data = client.get("/api/search", query_string={"q": q})
    assert data.status_code == 200
    body = data.get_json()
    assert html_total(soup(page)) == body["total"]


def test_malformed_queries_explain_themselves(client):
    for q in ['"unbalanced', "(a OR", "AND", "title:"]:
        notes = api(client, q=q)["notes"]
        assert notes, q
        assert notes[0] in soup(client.get("/", query_string={"q": q})).select_one(".notes").get_text()


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"limit": "-5"},
        {"limit": "1e9"},
        {"year_from": "xyz"},
        {"year_to": "-1"},
        {"sort": "'; DROP TABLE"},
        {"exact": "perhaps"},
        {"page": "-1", "limit": "0", "year_from": "2030", "year_to": "1990"},
    ],
)
def test_bad_parameters_are_clamped_with_a_note(client, params):
    for path in ("/", "/api/search", "/search.csv", "/search.atom"):
        assert client.get(path, query_string=params).status_code == 200, path
    data = api(client, **params)
    assert data["notes"]
    assert 1 <= data["limit"] <= 100 and data["page"] >= 1


# -- document pages ---------------------------------------------------------------------------


def _meta(doc: BeautifulSoup, name: str) -> list[str]:
    return [m["content"] for m in doc.find_all("meta", attrs={"name": name})]


def test_document_page_has_citation_tags(client, ids_by_kind, everything):
    pdf = next(r for r in everything["results"] if r["kind"] == "pdf" and r["authors"])
    doc = soup(client.get(f"/doc/{pdf['id']}"))
    assert _meta(doc, "citation_title") == [pdf["title"]]
    assert _meta(doc, "citation_author") == pdf["authors"]
    (date,) = _meta(doc, "citation_publication_date")
    assert date.startswith(str(pdf["year"]))
    (pdf_url,) = _meta(doc, "citation_pdf_url")
    assert pdf_url.startswith("http://") and pdf_url.endswith(f"/file/{pdf['id']}")
    assert fetch(client, urlsplit(pdf_url).path).data[:5] == b"%PDF-"
    assert _meta(doc, "citation_publisher") == [pdf["publisher"]]
    assert _meta(doc, "citation_language") == [pdf["language"]]
    assert doc.find("link", rel="alternate", type="application/json")["href"] == f"/api/doc/{pdf['id']}"
    assert doc.h1.get_text() == pdf["title"]
    # Metadata rows say where a value came from.
    rows = {r.dt.get_text(): r.dd.get_text(" ", strip=True) for r in doc.select(".meta__row")}
    assert "from library catalogue" in rows["Title"]


def test_text_document_has_no_pdf_url(client, ids_by_kind):
    doc = soup(client.get(f"/doc/{ids_by_kind['text'][0]}"))
    assert not _meta(doc, "citation_pdf_url")
    assert _meta(doc, "citation_title")


def test_document_page_with_query_lists_matching_pages(client):
    hit = api(client, q="aviation")["results"][0]
    doc = soup(client.get(f"/doc/{hit['id']}?q=aviation"))
    matches = doc.select("#matches .passage")
    assert len(matches) == hit["matched_pages"] or len(matches) == 50
    assert all(m.select("mark") for m in matches)
    assert doc.select_one(".breadcrumbs a")["href"] == "/?q=aviation"
    related = doc.select(".related__list a")
    assert related and all(a["href"].startswith("/doc/") for a in related)
    assert f"/doc/{hit['id']}" not in [a["href"] for a in related]


def test_document_json_twin(client):
    hit = api(client, q="auctioning")["results"][0]
    data = client.get(f"/api/doc/{hit['id']}?q=auctioning").get_json()
    assert data["document"]["id"] == hit["id"] and data["document"]["title"] == hit["title"]
    assert "dn" not in data["document"] and "lens" not in data["document"]
    assert data["document"]["sources"]
    assert data["matches"] and all("<mark>" in m["text"] for m in data["matches"])
    assert data["related"] and all(r["id"] != hit["id"] for r in data["related"])
    assert data["links"]["file"].endswith(f"/file/{hit['id']}")
    plain = client.get(f"/api/doc/{hit['id']}").get_json()
    assert plain["matches"] == [] and plain["query"] == ""


def test_document_text_page(client, ids_by_kind):
    doc_id = ids_by_kind["pdf"][0]
    doc = soup(client.get(f"/doc/{doc_id}/text"))
    pages = doc.select("section.page")
    assert pages and pages[0]["id"] == "page-1"
    info = client.get(f"/api/doc/{doc_id}").get_json()["document"]
    assert len(pages) == info["page_count"]
    assert sum(len(p.select_one(".page__text").get_text()) for p in pages) > 1000
    assert pages[2].select_one("a.page__pdf")["href"] == f"/file/{doc_id}#page=3"
    twin = client.get(doc.find("link", rel="alternate")["href"]).get_json()
    assert twin["paged"] is True and len(twin["sections"]) == len(pages)
    assert [s["anchor"] for s in twin["sections"]] == [p["id"] for p in pages]
    text_id = ids_by_kind["text"][0]
    assert soup(client.get(f"/doc/{text_id}/text")).select_one("section.page")["id"] == "section-1"
    assert client.get(f"/api/doc/{text_id}/text").get_json()["sections"][0]["anchor"] == "section-1"


@pytest.mark.parametrize("path", ["/doc/no-such-doc", "/doc/no-such-doc/text", "/doc/no-such-doc/cite.bib", "/file/no-such-doc"])
def test_unknown_document_is_404_page(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.mimetype == "text/html"
    assert "no document" in r.get_data(as_text=True).lower()


# -- exports -------------------------------------------------------------------------------


def test_csv_export_has_all_matching_documents(client):
    params = {"q": "allowances", "limit": "2"}
    total = api(client, **params)["total"]
    r = client.get("/search.csv", query_string=params)
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == total > 2  # all, not a page
    assert list(rows[0]) == list(citations.CSV_COLUMNS)
    assert all(row["url"].startswith("http://") and "/doc/" in row["url"] for row in rows)
    ids = [r["id"] for r in api(client, q="allowances", limit=100)["results"]]
    assert [row["id"] for row in rows] == ids  # result order


def test_csv_export_filters(client):
    total = api(client, jurisdiction="DE")["total"]
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv?jurisdiction=DE").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == total and all("Germany" in r["jurisdictions"] for r in rows)


def test_bibtex_export(client, everything):
    text = client.get("/search.bib").get_data(as_text=True)
    entries = re.findall(r"^@(\w+)\{([^,]+),$", text, re.M)
    assert len(entries) == everything["total"]
    assert len({k for _, k in entries}) == len(entries)
    assert text.count("{") == text.count("}")
    assert {t for t, _ in entries} <= {"misc", "techreport", "manual"}


def test_ris_export(client):
    total = api(client, q="cap")["total"]
    text = client.get("/search.ris?q=cap").get_data(as_text=True)
    assert text.count("TY  - ") == text.count("ER  - ") == total
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]  - .*", line) for line in text.split("\r\n") if line)


def test_single_document_citations(client, everything):
    doc = everything["results"][0]
    bib = client.get(f"/doc/{doc['id']}/cite.bib")
    assert bib.status_code == 200 and bib.get_data(as_text=True).startswith("@")
    assert f'filename="{doc["id"]}.bib"' in bib.headers["Content-Disposition"]
    ris = client.get(f"/doc/{doc['id']}/cite.ris").get_data(as_text=True)
    assert ris.startswith("TY  - ") and f"TI  - {doc['title']}" in ris


def test_atom_feed(client):
    r = client.get("/search.atom?q=allowances")
    assert r.mimetype == "application/atom+xml"
    feed = ET.fromstring(r.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title").text.endswith("“allowances”")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == min(api(client, q="allowances")["total"], 50)
    stamps = [e.find(f"{ATOM}updated").text for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    for e in entries:
        assert e.find(f"{ATOM}id").text.startswith("http://")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e.find(f"{ATOM}updated").text)
    assert soup(client.get("/?q=allowances")).find("link", rel="alternate", type="application/atom+xml")


def test_opensearch_description(client):
    r = client.get("/opensearch.xml")
    assert r.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(r.data)
    assert root.tag == f"{OSD}OpenSearchDescription"
    templates = {u.get("type"): u.get("template") for u in root.findall(f"{OSD}Url")}
    assert "{searchTerms}" in templates["text/html"] and "{searchTerms}" in templates["application/json"]
    link = soup(client.get("/")).find("link", rel="search")
    assert link["href"] == "/opensearch.xml" and link["type"] == "application/opensearchdescription+xml"
    # The template works when filled in.
    filled = templates["application/json"].replace("{searchTerms}", "cap").replace("{startPage?}", "1")
    assert client.get(urlsplit(filled).path + "?" + urlsplit(filled).query).get_json()["query"] == "cap"


# -- files -------------------------------------------------------------------------------


def test_file_serves_pdf_with_ranges(client, ids_by_kind):
    doc_id = ids_by_kind["pdf"][0]
    r = fetch(client, f"/file/{doc_id}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data[:5] == b"%PDF-"
    assert "attachment" not in r.headers.get("Content-Disposition", "")
    part = fetch(client, f"/file/{doc_id}", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    dl = fetch(client, f"/file/{doc_id}?download=1")
    assert "attachment" in dl.headers["Content-Disposition"] and ".pdf" in dl.headers["Content-Disposition"]


def test_file_serves_text(client, ids_by_kind):
    r = fetch(client, f"/file/{ids_by_kind['text'][0]}")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/file/..%2f..%2fetc%2fpasswd",
        "/file/../../etc/passwd",
        "/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/file/%2fetc%2fpasswd",
        "/file/etc/passwd",
        "/file/",
        "/file/..",
        "/file/corpus%2fcatalog.yaml",
        "/file/" + "CELEX_32023L0959_EN_TXT.pdf",
    ],
)
def test_file_refuses_anything_but_indexed_ids(client, path):
    r = fetch(client, path)
    assert r.status_code == 404
    assert b"root:" not in r.data and b"%PDF" not in r.data


# -- escaping and security --------------------------------------------------------------------


def test_document_title_with_script_is_escaped(xss_client):
    from tests.conftest import XSS

    data = xss_client.get("/api/search?q=allowances").get_json()
    evil = next(r for r in data["results"] if r["title"] == XSS)
    pages = [
        xss_client.get("/?q=allowances"),
        xss_client.get("/"),
        xss_client.get(f"/doc/{evil['id']}?q=allowances"),
        xss_client.get(f"/doc/{evil['id']}/text?q=allowances"),
        xss_client.get(f"/doc/{evil['id']}?q=cap"),  # appears under "related"
    ]
    for r in pages:
        body = r.get_data(as_text=True)
        assert r.status_code == 200
        assert XSS not in body
        assert "<img src=x" not in body and "<b>Evil" not in body
        doc = BeautifulSoup(body, "html.parser")
        assert all(s.get("src") for s in doc.find_all("script")), "inline script"
        assert not doc.find("img") and not doc.find("b", string=re.compile("Evil"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].get_data(as_text=True)
    doc = soup(pages[2])
    assert doc.h1.get_text() == XSS
    assert _meta(doc, "citation_title") == [XSS]


def test_query_with_script_is_escaped(client):
    q = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    for path in ("/", "/doc/nope", "/search.atom"):
        r = client.get(path, query_string={"q": q})
        body = r.get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body
    page = soup(client.get("/", query_string={"q": q}))
    assert page.select_one("input#q")["value"] == q
    assert all(s.get("src") for s in page.find_all("script"))


def test_indexed_html_file_is_sandboxed(xss_client):
    data = xss_client.get("/api/search?q=allowances").get_json()
    evil = next(r for r in data["results"] if r["kind"] == "html")
    r = fetch(xss_client, f"/file/{evil['id']}")
    assert r.status_code == 200
    assert r.headers["Content-Security-Policy"].startswith("sandbox")


def test_security_headers(client):
    r = client.get("/?q=cap")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert soup(r).find("html")["lang"] == "en"


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


# -- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/doc/no-such-doc", 404),
        ("get", "/api/doc/no-such-doc/text", 404),
        ("get", "/api/nothing-here", 404),
        ("post", "/api/search", 405),
        ("delete", "/api/doc/x", 405),
    ],
)
def test_json_errors_have_one_shape(client, method, path, status):
    r = getattr(client, method)(path)
    assert r.status_code == status and r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status and body["error"]["message"]


def test_html_404_page(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert soup(r).select_one("main h1").get_text() == "Not found"


def test_missing_index_is_a_friendly_503(tmp_path):
    from webui import create_app

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")})
    c = app.test_client()
    page = c.get("/")
    assert page.status_code == 503 and "etslib ingest" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    for path in ("/api/search", "/api/doc/x", "/api/stats"):
        r = c.get(path)
        assert r.status_code == 503 and "etslib ingest" in r.get_json()["error"]["message"]
    assert c.get("/search.csv").status_code == 503
    assert c.get("/help").status_code == 200  # pages without the index still work


# -- other pages and the app ------------------------------------------------------------------


def test_help_and_about(client, everything):
    assert "Search tips" in soup(client.get("/help")).h1.get_text()
    about = soup(client.get("/about"))
    assert f"{everything['total']} documents" in about.get_text(" ", strip=True)
    link = about.select_one(".about-facets a")
    n = int(link.find_next_sibling("span").get_text())
    assert api(client, **dict(args_of(link["href"])))["total"] == n
    stats = client.get("/api/stats").get_json()
    assert stats["documents"] == everything["total"] and "store" not in stats
    assert stats["last_ingest"]["counts"]["new"] == everything["total"]


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
