"""The search page's second round (issue 13) in real headless Chromium:
the place kept through a document and back, previous/next, the zero-result
page, the text view's highlighting, focus after a facet, and the reading
list across two searches with its export.

Screenshots go to ``$ETSLIB_SCREENSHOTS`` if set, else to a temp folder.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from .test_browser import _page, _screenshot

pytestmark = pytest.mark.browser

SEARCH = "/?q=allowances&jurisdiction=EU&sort=newest&limit=2&page=2"


@pytest.fixture
def page(browser, live_server):  # noqa: F811
    ctx, page, errors = _page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    ctx.close()
    assert not errors, errors


@pytest.fixture
def nojs(browser, live_server):  # noqa: F811
    ctx, page, errors = _page(browser, live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    yield page
    ctx.close()
    assert not errors, errors


def _args(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def _api(page, path: str) -> dict:
    r = page.request.get(path)
    assert r.ok, r.status
    return r.json()


def test_the_search_is_kept_through_a_document_and_back(page, shots):  # noqa: F811
    page.goto(SEARCH)
    first = page.locator(".hit__title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator("h1").inner_text() == title
    assert page.locator(".result-nav__where").inner_text().startswith("Result 3 of ")
    _screenshot(page, shots / "document-in-search.png")
    page.locator(".breadcrumbs a").click()
    page.wait_for_url(re.compile(r"page=2"))
    args = _args(page.url)
    assert args == {"q": "allowances", "jurisdiction": "EU", "sort": "newest", "limit": "2", "page": "2"}
    assert urlsplit(page.url).fragment == "hit-3"
    assert page.locator("select[name=sort]").input_value() == "newest"
    assert page.locator(".chips a.chip", has_text="European Union").is_visible()
    assert page.locator(".hit__title a").first.inner_text() == title


def test_previous_and_next_result(page):
    data = _api(page, "/api/search?q=allowances&jurisdiction=EU&sort=newest&limit=100")
    titles = [r["title"] for r in data["results"]]
    assert len(titles) >= 4
    page.goto(SEARCH)
    page.locator(".hit__title a").first.click()  # result 3
    page.wait_for_url(re.compile(r"n=3"))
    page.locator(".result-nav a[rel=next]").click()
    page.wait_for_url(re.compile(r"n=4"))
    assert page.locator("h1").inner_text() == titles[3]
    page.locator(".result-nav a[rel=prev]").click()
    page.wait_for_url(re.compile(r"n=3"))
    page.locator(".result-nav a[rel=prev]").click()
    page.wait_for_url(re.compile(r"n=2"))
    assert page.locator("h1").inner_text() == titles[1]
    # Back to the results: result 2 is on page 1 of two-per-page.
    page.locator(".breadcrumbs a").click()
    page.wait_for_url(re.compile(r"#hit-2$"))
    assert "page" not in _args(page.url)


def test_a_zero_result_page(page, shots):  # noqa: F811
    page.goto("/?q=alowance+auctoning+benchmarkz")
    assert page.locator("[data-total]").get_attribute("data-total") == "0"
    empty = page.locator("section.empty")
    assert empty.is_visible()
    assert "No documents match" in empty.inner_text()
    for gone in ("#filters", ".toolbar", "select[name=sort]", "nav.pagination"):
        assert page.locator(gone).count() == 0, gone
    body = page.locator("body").inner_text()
    assert "any of them" not in body and "Export all" not in body and "Refine results" not in body
    _screenshot(page, shots / "zero-results.png")
    # A way out: a suggestion when there is one.
    page.goto("/?q=aviaton")
    page.locator(".empty__suggest a").click()
    page.wait_for_url(re.compile(r"q=aviation"))
    assert int(page.locator("[data-total]").get_attribute("data-total")) > 0


def test_the_text_view_marks_the_query_and_shows_headings(page, shots):  # noqa: F811
    data = _api(page, "/api/search?q=Emissionszertifikate&limit=20")
    doc = next(r for r in data["results"] if r["kind"] == "text" and r["language"] == "de")
    page.goto(f"/doc/{doc['id']}/text?q=Emissionszertifikate")
    marks = page.locator(".page__text mark")
    assert marks.count() > 0
    assert marks.first.inner_text().lower().startswith("emissionszertifikat")
    assert page.locator(".page__h").count() > 0  # the law's own headings (§ …)
    text = page.locator("main").inner_text()
    assert "####" not in text and "```" not in text
    assert not re.search(r"Section \d+", text)
    assert re.search(r"Part 1 of \d+", text)
    _screenshot(page, shots / "text-view.png")


def test_focus_comes_back_to_a_ticked_facet_value(page):
    page.goto("/?q=allowances")
    box = page.locator(".facet--type input").first
    value = box.get_attribute("value")
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"type="))
    active = page.evaluate("[document.activeElement.name, document.activeElement.value]")
    assert active == ["type", value]
    # And again, unticking it.
    page.keyboard.press("Space")
    page.wait_for_url(lambda url: "type=" not in url)
    assert page.evaluate("document.activeElement.name") == "type"


def test_without_javascript_a_facet_apply_lands_at_the_facet(nojs):
    nojs.goto("/?q=allowances")
    assert not nojs.locator("#q-help kbd").is_visible()  # the "/" hint needs JavaScript
    nojs.locator(".facet--type input").first.check()
    nojs.locator("#facet-type .facet__apply button").click()
    nojs.wait_for_url(re.compile(r"type=.*#facet-type$"))
    assert "q=allowances" in nojs.url


def test_the_slash_hint_shows_with_javascript(page):
    page.goto("/")
    assert page.locator("#q-help kbd").is_visible()


def test_the_reading_list_across_two_searches_and_its_export(page, shots, tmp_path):  # noqa: F811
    page.goto("/?q=aviation")
    first = page.locator("li.hit").first
    a_title = first.locator(".hit__title a").inner_text()
    first.locator(".keep__button").click()
    assert first.locator(".keep__button").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-list-count]").inner_text().strip() == "(1)"
    # A second search: the list is still there, and grows.
    page.fill("#q", "碳排放权")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=%E7%A2%B3"))
    other = page.locator("li.hit", has_not_text=a_title).first
    b_title = other.locator(".hit__title a").inner_text()
    other.locator(".keep__button").click()
    assert page.locator("[data-list-count]").inner_text().strip() == "(2)"
    # The list page (server-rendered from the cookie).
    page.locator("[data-list-link]").click()
    page.wait_for_url(re.compile(r"/list$"))
    assert page.locator("li.hit .hit__title").all_inner_texts() == [a_title, b_title]
    _screenshot(page, shots / "reading-list.png")
    # Export only those.
    with page.expect_download() as dl:
        page.locator(".reading-list__exports a", has_text="BibTeX").click()
    path = tmp_path / "list.bib"
    dl.value.save_as(path)
    bib = path.read_text(encoding="utf-8")
    assert bib.count("@") == 2 and "title = {{" in bib
    # The shared URL shows the same list in a fresh browser.
    share = page.locator("#share-url").input_value()
    ctx = page.context.browser.new_context()
    try:
        other_page = ctx.new_page()
        other_page.goto(share)
        assert other_page.locator("h1").inner_text() == "A shared reading list"
        assert other_page.locator("li.hit .hit__title").all_inner_texts() == [a_title, b_title]
    finally:
        ctx.close()
    # Removing one keeps the other.
    page.locator("li.hit").first.locator(".keep__button").click()
    page.reload()
    assert page.locator("li.hit .hit__title").all_inner_texts() == [b_title]
    page.locator(".reading-list__clear button").click()
    page.wait_for_url(re.compile(r"/list$"))
    assert "empty" in page.locator("main").inner_text()


def test_the_reading_list_works_without_javascript(nojs):
    nojs.goto("/?q=aviation")
    nojs.locator("li.hit").first.locator(".keep__button").click()
    nojs.wait_for_url(re.compile(r"q=aviation#hit-1$"))
    assert nojs.locator("li.hit").first.locator(".keep__button").get_attribute("aria-pressed") == "true"
    nojs.goto("/list")
    assert nojs.locator("li.hit").count() == 1
    nojs.locator(".reading-list__clear button").click()
    nojs.wait_for_url(re.compile(r"/list$"))
    assert nojs.locator("li.hit").count() == 0


@pytest.fixture(scope="module")
def short_facets_server(index_dir, tmp_path_factory):
    """``etslib serve`` showing two values a facet before "more" (the sample
    corpus has no facet long enough otherwise)."""
    from tests.conftest import serve_index

    log = tmp_path_factory.mktemp("short-facets") / "server.log"
    with serve_index(index_dir, log, env={"ETSLIB_FACET_TOP": "2"}) as url:
        yield url


def test_long_facet_lists_can_be_searched_and_sorted(browser, short_facets_server):  # noqa: F811
    ctx, page, errors = _page(browser, short_facets_server, viewport={"width": 1280, "height": 1200})
    try:
        page.goto("/")
        facet = page.locator("#facet-publisher")
        values = facet.locator(".facet__value")
        labels = [t.strip() for t in values.locator(".facet__label").all_text_contents()]
        assert len(labels) >= 4 and facet.locator("details.facet__more").count() == 1
        assert facet.locator("[data-facet-tools]").is_visible()
        facet.locator("[data-facet-sort=az]").click()
        shown = facet.locator(".facet__value:visible .facet__label").all_inner_texts()
        assert shown == sorted(labels, key=str.casefold)  # every value, A–Z
        assert facet.locator("[data-facet-sort=az]").get_attribute("aria-current") == "true"
        assert "facet_order" not in page.url  # ordered in place, no page load
        facet.locator("[data-facet-sort=count]").click()
        counts = [int(c.split()[0].replace(",", "")) for c in facet.locator(".facet__value:visible .facet__count").all_inner_texts()]
        assert counts == sorted(counts, reverse=True)
        facet.locator("[data-facet-find]").fill("bundes")
        assert facet.locator(".facet__value:visible .facet__label").all_inner_texts() == ["Bundesgesetzblatt (Germany)"]
        facet.locator("[data-facet-find]").fill("zzz")
        assert facet.locator("[data-facet-none]").is_visible()
        facet.locator("[data-facet-find]").fill("")
        assert facet.locator(".facet__value:visible").count() == len(labels)
        # Ticking a found value still applies it.
        facet.locator("[data-facet-find]").fill("near")
        facet.locator(".facet__value:visible input").click()
        page.wait_for_url(re.compile(r"publisher=Near"))
    finally:
        ctx.close()
    assert not errors, errors


def test_long_facet_lists_without_javascript(browser, short_facets_server):  # noqa: F811
    ctx, page, errors = _page(browser, short_facets_server, java_script_enabled=False, viewport={"width": 1280, "height": 1200})
    try:
        page.goto("/?q=carbon")
        facet = page.locator("#facet-publisher")
        labels = [t.strip() for t in facet.locator(".facet__value .facet__label").all_text_contents()]
        assert len(labels) >= 4 and facet.locator("details.facet__more").count() == 1
        # A–Z: a link that keeps the search and lands at the facet, every value listed.
        facet.locator("[data-facet-sort=az]").click()
        page.wait_for_url(re.compile(r"facet_order\.publisher=az.*#facet-publisher$"))
        assert _args(page.url)["q"] == "carbon"
        facet = page.locator("#facet-publisher")
        assert facet.locator("details.facet__more").count() == 0
        shown = [t.strip() for t in facet.locator(".facet__value .facet__label").all_text_contents()]
        assert shown == sorted(labels, key=str.casefold) and facet.locator("[data-facet-sort=az]").get_attribute("aria-current") == "true"
        # Find: a small form of its own; the order and the search stay.
        facet.locator("[data-facet-find]").fill("BUNDES")
        facet.locator(".facet__find-form button").click()
        page.wait_for_url(re.compile(r"facet_find\.publisher=BUNDES"))
        args = _args(page.url)
        assert args["q"] == "carbon" and args["facet_order.publisher"] == "az"
        facet = page.locator("#facet-publisher")
        assert [t.strip() for t in facet.locator(".facet__value .facet__label").all_text_contents()] == ["Bundesgesetzblatt (Germany)"]
        # Ticking the value keeps the narrowed list; "Show all" brings the rest back.
        facet.locator(".facet__value input").check()
        facet.locator(".facet__apply button").click()
        page.wait_for_url(re.compile(r"publisher=Bundes"))
        facet.locator("[data-facet-find]").fill("zzz")
        facet = page.locator("#facet-publisher")
        facet.locator(".facet__find-form button").click()
        page.wait_for_url(re.compile(r"facet_find\.publisher=zzz"))
        facet = page.locator("#facet-publisher")
        assert facet.locator("[data-facet-none]").is_visible()
        assert facet.locator(".facet__value").count() == 1  # the chosen value stays
        facet.locator("text=Show all").click()
        page.wait_for_url(re.compile(r"^(?!.*facet_find).*#facet-publisher$"))
        assert page.locator("#facet-publisher .facet__value").count() == len(labels)
    finally:
        ctx.close()
    assert not errors, errors
