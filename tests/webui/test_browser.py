"""The real app in real headless Chromium (Debian's, driven by Playwright).

Runs against ``etslib serve`` on a free port (the ``live_server`` fixture).
Screenshots go to ``$ETSLIB_SCREENSHOTS`` if set, else to a temp folder.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.browser import open_page

pytestmark = pytest.mark.browser



def _page(browser, live_server, **options):
    return open_page(browser, live_server, **options)


@pytest.fixture
def page(browser, live_server):
    ctx, page, errors = _page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    ctx.close()
    assert not errors, errors


def _screenshot(page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000, "the screenshot looks blank"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_search_facet_chip_paging_document(page, shots):
    page.goto("/")
    assert page.locator("#results-heading").inner_text() == "Browse the library"
    page.fill("#q", "allowances")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"q=allowances"))
    # Empty fields and defaults stay out of the URL (and browsing's order does not stick).
    assert page.url.endswith("/?q=allowances"), page.url
    total = int(page.locator("[data-total]").get_attribute("data-total"))
    assert total > 1 and page.locator("li.hit").count() == min(total, 10)
    assert page.locator(".passage mark").count() > 0

    # A facet checkbox applies at once (JS follows its toggle URL).
    page.locator(".facet--jurisdiction input[value=EU]").check()
    page.wait_for_url(re.compile(r"jurisdiction=EU"))
    chip = page.locator(".chips a.chip", has_text="European Union")
    assert chip.is_visible()
    assert page.locator("section.knowledge h2").inner_text() == "European Union"
    assert page.locator(".facet--jurisdiction input[value=EU]").is_checked()
    narrowed = int(page.locator("[data-total]").get_attribute("data-total"))
    assert narrowed <= total
    _screenshot(page, shots / "search-eu.png")

    # Removing the chip brings the other documents back.
    chip.click()
    page.wait_for_url(lambda url: "jurisdiction" not in url)
    assert page.locator(".chips").count() == 0
    assert int(page.locator("[data-total]").get_attribute("data-total")) == total

    # Sort and page size submit the form; paging keeps them.
    page.select_option("select[name=limit]", "20")
    page.wait_for_url(re.compile(r"limit=20"))
    page.select_option("select[name=sort]", "title")
    page.wait_for_url(re.compile(r"sort=title"))
    page.goto("/?limit=5")
    page.locator("nav.pagination a[rel=next]").first.click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("nav.pagination [aria-current=page]").inner_text() == "2"
    assert page.locator("ol.hits").get_attribute("start") == "6"

    # A result opens its document page.
    first = page.locator(".hit__title a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.locator("h1").inner_text() == title
    assert page.locator("meta[name=citation_title]").get_attribute("content") == title
    _screenshot(page, shots / "document.png")


def test_keyboard(page):
    page.goto("/?q=cap")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()  # shown when focused
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    # "/" typed into the box is just a character.
    page.keyboard.press("End")
    page.keyboard.type("/")
    assert page.input_value("#q").endswith("/")
    # Focus is visible on links (outline from :focus-visible).
    page.locator(".hit__title a").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    # Space on a focused facet checkbox applies it.
    page.locator(".facet--type input").first.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"type="))


def test_phone(browser, live_server, shots):
    ctx, page, errors = _page(
        browser, live_server, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        page.goto("/?q=market+stability+reserve")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        panel = page.locator("details.filters__panel")
        assert panel.get_attribute("open") is None  # results first on a phone
        assert page.locator("li.hit").first.is_visible()
        _screenshot(page, shots / "phone.png")
        page.locator("details.filters__panel > summary").click()
        assert page.locator(".facet--jurisdiction").is_visible()
        page.goto(page.locator(".hit__title a").first.get_attribute("href"))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        ctx.close()
    assert not errors, errors


def test_works_without_javascript(browser, live_server):
    ctx, page, errors = _page(browser, live_server, java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page.goto("/?q=allowances")
        apply = page.locator(".filters__apply button")
        assert apply.is_visible()
        page.locator(".facet--jurisdiction input[value=EU]").check()
        page.locator(".facet--type input[value=legislation]").check()
        apply.click()
        page.wait_for_url(re.compile(r"jurisdiction=EU.*type=legislation|type=legislation.*jurisdiction=EU"))
        assert "q=allowances" in page.url
        assert page.locator(".chips a.chip").count() == 3  # two filters + "clear all"
    finally:
        ctx.close()
    assert not errors, errors
