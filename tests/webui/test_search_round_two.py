"""The search page's second round (issue 13), over the app's test client:
keeping one's place, zero-result pages, headings and facets, languages,
sorting, typed facet values and the reading list."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from search.text.collation import sort_key

from .helpers import api, args_of, fetch, soup

SEARCH = {"q": "allowances", "jurisdiction": "EU", "sort": "newest", "limit": "2", "page": "2"}


def _qs(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


# -- keeping one's place ------------------------------------------------------------


def test_result_links_carry_the_whole_search_and_the_position(client):
    data = api(client, **SEARCH)
    assert data["total"] >= 4, "needs a second page of results"
    doc = soup(client.get("/?" + _qs(SEARCH)))
    links = [a["href"] for a in doc.select(".hit__title a")]
    assert len(links) == 2
    for n, href in enumerate(links, 3):
        args = dict(args_of(href))
        assert args == {"q": "allowances", "jurisdiction": "EU", "sort": "newest", "limit": "2", "n": str(n)}
    assert [li["id"] for li in doc.select("li.hit")] == ["hit-3", "hit-4"]


def test_the_document_page_leads_back_to_the_same_results(client):
    doc = soup(client.get("/?" + _qs(SEARCH)))
    href = doc.select_one(".hit__title a")["href"]
    page = soup(client.get(href))
    back = page.select_one(".breadcrumbs a")["href"]
    path, _, anchor = back.partition("#")
    assert dict(args_of(path)) == {k: v for k, v in SEARCH.items()}
    assert anchor == "hit-3"
    # Its text page and its own links keep the search too.
    text = page.find("a", string=re.compile("Read the text"))["href"]
    assert dict(args_of(text))["n"] == "3" and dict(args_of(text))["jurisdiction"] == "EU"
    back_from_text = soup(client.get(text)).select_one(".breadcrumbs a")["href"]
    assert dict(args_of(back_from_text))["n"] == "3"


def test_previous_and_next_follow_the_result_order(client):
    data = api(client, q="allowances", jurisdiction="EU", sort="newest", limit=100)
    ids = [r["id"] for r in data["results"]]
    state = "q=allowances&jurisdiction=EU&sort=newest"
    page = soup(client.get(f"/doc/{ids[1]}?{state}&n=2"))
    nav = page.select_one(".result-nav")
    assert f"Result 2 of {data['total']}" in nav.get_text(" ", strip=True)
    prev, nxt = nav.select_one("a[rel=prev]")["href"], nav.select_one("a[rel=next]")["href"]
    assert urlsplit(prev).path == f"/doc/{ids[0]}" and dict(args_of(prev))["n"] == "1"
    assert urlsplit(nxt).path == f"/doc/{ids[2]}" and dict(args_of(nxt))["n"] == "3"
    first = soup(client.get(f"/doc/{ids[0]}?{state}&n=1")).select_one(".result-nav")
    assert first.select_one("a[rel=prev]") is None and first.select_one("a[rel=next]")
    last = soup(client.get(f"/doc/{ids[-1]}?{state}&n={len(ids)}")).select_one(".result-nav")
    assert last.select_one("a[rel=next]") is None
    # The JSON twin says the same.
    twin = client.get(f"/api/doc/{ids[1]}?{state}&n=2").get_json()
    assert twin["position"] == 2 and twin["total"] == data["total"]
    assert urlsplit(twin["next"]).path == f"/doc/{ids[2]}"


def test_a_stale_position_keeps_the_way_back_but_no_neighbours(client):
    ids = [r["id"] for r in api(client, q="allowances", limit=5)["results"]]
    page = soup(client.get(f"/doc/{ids[0]}?q=allowances&n=4"))
    assert page.select_one(".result-nav") is None
    assert dict(args_of(page.select_one(".breadcrumbs a")["href"])) == {"q": "allowances"}


# -- zero results -------------------------------------------------------------------


def test_a_zero_result_page_offers_only_what_works(client):
    r = client.get("/?q=alowance+auctoning+benchmarkz")
    doc = soup(r)
    text = doc.get_text(" ", strip=True)
    assert int(doc.select_one("[data-total]")["data-total"]) == 0
    assert "any of them" not in text  # no "showing documents with any of them" when none are shown
    assert "Refine results" not in text and not doc.select("#filters, .facet")
    assert not doc.select("select[name=sort], select[name=limit]") and "Export all" not in text
    assert not doc.select("nav.pagination")
    heading = doc.select_one(".empty__title")
    assert heading.get_text(" ", strip=True).startswith("No documents match")
    assert heading.q.get_text() == "alowance auctoning benchmarkz"
    assert doc.find("a", string="search tips")


def test_a_zero_result_page_offers_the_suggestion_and_fewer_filters(client):
    doc = soup(client.get("/?q=aviaton"))
    suggest = doc.select_one(".empty__suggest a")
    assert suggest.get_text() == "aviation" and api(client, **dict(args_of(suggest["href"])))["total"] > 0
    # A filter that leaves nothing: a link without it, with what it finds.
    doc = soup(client.get("/?q=aviation&language=zh"))
    ways = doc.select(".empty__list li")
    assert ways, doc.select_one(".empty")
    link = ways[0].a
    assert link.get_text() == "without Language: Chinese"
    count = int(re.search(r"\((\d+) documents?\)", ways[0].get_text()).group(1))
    assert count == api(client, **dict(args_of(link["href"])))["total"] > 0


# -- headings, facets, hints ----------------------------------------------------------


def test_headings_come_in_order_and_every_facet_title_is_one(client):
    doc = soup(client.get("/?q=allowances"))
    headings = doc.find_all(re.compile(r"^h[1-6]$"))
    assert headings[0].name == "h1" and headings[0]["id"] == "results-heading"
    titles = doc.select(".facet__title")
    assert titles and all(t.name == "h3" for t in titles)
    assert doc.select_one("#filters-heading").name == "h2"
    assert not [lg for lg in doc.select(".facet legend") if "facet__title" in (lg.get("class") or [])]
    # Each facet's section is an anchor a page reload can land on.
    for section in doc.select("section.facet"):
        assert section["id"] == "facet-" + section["data-facet"] if section.has_attr("data-facet") else section["id"] == "facet-year"


def test_toggle_urls_land_back_at_their_facet(client):
    doc = soup(client.get("/?q=allowances"))
    box = doc.select_one(".facet--type input")
    assert box["data-toggle-url"].endswith("#facet-type")
    apply = doc.select_one("#facet-type .facet__apply button")
    assert apply["formaction"] == "/#facet-type"


def test_one_more_value_is_never_hidden(app, client):
    app.config["FACET_TOP"] = 2
    try:
        doc = soup(client.get("/"))
    finally:
        app.config["FACET_TOP"] = 6
    for summary in doc.select(".facet__more summary"):
        assert summary.get_text() != "1 more"
        assert int(summary.get_text().split()[0]) >= 2


def test_the_slash_hint_needs_javascript(client):
    doc = soup(client.get("/"))
    kbd = doc.select_one("#q-help kbd")
    assert kbd.parent["class"] == ["js-only"]


def test_start_over_clears_query_and_filters(client):
    doc = soup(client.get("/?q=allowances&jurisdiction=EU&sort=title"))
    assert doc.select_one("a.start-over")["href"] == "/"
    assert soup(client.get("/")).select_one("a.start-over") is None


# -- languages, sorting, typed values -------------------------------------------------


def test_chinese_titles_and_passages_carry_their_language(client):
    doc = soup(client.get("/?q=碳排放权"))
    hit = next(li for li in doc.select("li.hit") if re.search(r"[\u4e00-\u9fff]", li.select_one(".hit__title").get_text()))
    assert hit.select_one(".hit__title a")["lang"] == "zh"
    assert all(p["lang"] == "zh" for p in hit.select(".passage__text"))
    english = next(li for li in soup(client.get("/?q=aviation")).select("li.hit"))
    assert not english.select_one(".hit__title a").has_attr("lang")


def test_a_single_chinese_character_finds_documents(client):
    data = api(client, q="碳")
    assert data["total"] >= 1 and data["results"][0]["language"] == "zh"


def test_title_sort_uses_collation(client):
    titles = [r["title"] for r in api(client, sort="title", limit=100)["results"]]
    assert titles == sorted(titles, key=sort_key)


def test_a_facet_value_by_short_form_or_prefix_says_which(client):
    everything = api(client, limit=1)
    publishers = [v["value"] for v in everything["facets"]["publisher"]]
    full = next(p for p in publishers if len(p) > 8)
    prefix = full[:6]
    if sum(p.casefold().startswith(prefix.casefold()) for p in publishers) == 1:
        data = api(client, q=f"publisher:{prefix}")
        assert data["total"] == api(client, publisher=full)["total"] > 0
        assert any(f"“{full}”" in n for n in data["notes"])
        doc = soup(client.get("/", query_string={"q": f"publisher:{prefix}"}))
        assert any(f"“{full}”" in n.get_text() for n in doc.select(".note"))


def test_the_author_facet_is_listed(client):
    data = api(client, limit=1)
    assert "author" in data["facets"]
    authors = data["facets"]["author"]
    if authors:
        value = authors[0]["value"]
        assert api(client, author=value)["total"] == authors[0]["count"]


# -- the reading list -------------------------------------------------------------------


def _keep(client, doc_id: str, next_url: str = "/") -> None:
    r = client.post("/list/toggle", data={"id": doc_id, "next": next_url})
    assert r.status_code == 303 and r.headers["Location"].endswith(next_url)


def test_the_reading_list_keeps_documents_across_searches(app):
    with app.test_client() as client:
        a = api(client, q="aviation")["results"][0]["id"]
        b = next(r["id"] for r in api(client, q="碳排放权")["results"] if r["id"] != a)
        _keep(client, a, "/?q=aviation#hit-1")
        _keep(client, b, "/?q=%E7%A2%B3#hit-1")
        # Both searches show the kept state; the header counts them.
        doc = soup(client.get("/?q=aviation"))
        button = doc.select_one(f"[data-list-toggle='{a}']")
        assert button["aria-pressed"] == "true"
        assert "(2)" in doc.select_one("[data-list-count]").get_text()
        page = soup(client.get("/list"))
        assert [li["data-doc"] for li in page.select("li.hit")] == [a, b]
        # Exports of only those two.
        bib = fetch(client, "/list.bib").get_data(as_text=True)
        assert bib.count("@") == 2
        csv_rows = fetch(client, "/list.csv").get_data(as_text=True).splitlines()
        assert len(csv_rows) == 3 and a in csv_rows[1] and b in csv_rows[2]
        ris = fetch(client, "/list.ris").get_data(as_text=True)
        assert ris.count("ER  -") == 2
        # Shared as a URL that works without the cookie.
        share = page.select_one("#share-url")["value"]
        assert dict(parse_qsl(urlsplit(share).query))["ids"] == f"{a},{b}"
        # Toggling again removes.
        _keep(client, a)
        assert [li["data-doc"] for li in soup(client.get("/list")).select("li.hit")] == [b]
        client.post("/list/clear", data={"next": "/list"})
        assert "Your reading list is empty" in soup(client.get("/list")).get_text()


def test_a_shared_list_shows_exports_and_saves(app):
    with app.test_client() as client:
        ids = [r["id"] for r in api(client, q="allowances", limit=2)["results"]]
        url = "/list?ids=" + ",".join(ids)
        page = soup(client.get(url))
        assert page.h1.get_text() == "A shared reading list"
        assert [li["data-doc"] for li in page.select("li.hit")] == ids
        bib = fetch(client, "/list.bib?ids=" + ",".join(ids)).get_data(as_text=True)
        assert bib.count("@") == 2
        form = page.select_one("form.reading-list__save")
        r = client.post(form["action"], data={"ids": [i["value"] for i in form.select("input[name=ids]")], "next": "/list"})
        assert r.status_code == 303
        assert [li["data-doc"] for li in soup(client.get("/list")).select("li.hit")] == ids
        data = client.get("/api/list").get_json()
        assert [d["id"] for d in data["documents"]] == ids and not data["documents"][0]["path"].startswith("/")


def test_other_sites_cannot_change_the_list(client):
    r = client.post("/list/toggle", data={"id": "x", "next": "/"}, headers={"Origin": "https://elsewhere.example"})
    assert r.status_code == 403
    r = client.post("/list/toggle", data={"id": "x", "next": "https://elsewhere.example/"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/list")  # never off-site
    client.post("/list/clear", data={"next": "/"})


def test_the_list_cookie_is_secure_over_https(app):
    with app.test_client() as client:
        doc = api(client, q="aviation")["results"][0]["id"]
        plain = client.post("/list/toggle", data={"id": doc, "next": "/"})
        assert "etslib_list=" in plain.headers["Set-Cookie"] and "Secure" not in plain.headers["Set-Cookie"]
    with app.test_client() as client:
        tls = client.post("/list/toggle", data={"id": doc, "next": "/"}, base_url="https://localhost")
        cookie = tls.headers["Set-Cookie"]
        assert "etslib_list=" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
