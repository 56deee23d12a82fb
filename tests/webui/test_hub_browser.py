"""The knowledge hub in real headless Chromium: screenshots at desktop and phone widths,
no JavaScript needed, the keyboard reaches the map's systems, accessibility basics.

Runs against ``etslib serve`` on a free port (the ``live_server`` fixture).
Screenshots go to ``$ETSLIB_SCREENSHOTS`` if set, else to a temp folder.
"""

from __future__ import annotations

import re

import pytest

from tests.support.browser import open_page

pytestmark = pytest.mark.browser

PAGES = {"map": "/systems", "system": "/systems/nz-ets", "system-wci": "/systems/us-california", "tracker": "/prices",
         "data": "/about/data"}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def _context(browser, live_server, **options):
    return open_page(browser, live_server, timeout_ms=15_000, **options)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_screenshots(browser, live_server, shots, width):
    ctx, page, errors = _context(browser, live_server, viewport=WIDTHS[width])
    try:
        for name, path in PAGES.items():
            page.goto(path)
            assert page.locator("h1").count() == 1, path
            out = shots / f"hub-{name}-{width}.png"
            page.screenshot(path=str(out), full_page=True)
            assert out.stat().st_size > 20_000 and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            # Nothing wider than the screen (tables scroll inside their own box).
            overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, width, overflow)
        assert not errors, errors  # includes Content-Security-Policy violations
    finally:
        ctx.close()


def test_filters_and_links_work_without_javascript(browser, live_server):
    ctx, page, errors = _context(browser, live_server, java_script_enabled=False, viewport=WIDTHS["desktop"])
    try:
        page.goto("/systems")
        everything = page.locator("svg.worldmap a").count()
        page.locator("input[name=status][value='in force']").check()
        page.locator("input[name=region][value=Europe]").check()
        page.get_by_role("button", name="Apply filters").first.click()
        page.wait_for_url(re.compile(r"status=in\+force"))
        shown = page.locator("svg.worldmap a").count()
        assert 0 < shown < everything
        assert page.locator("table.hub-table tbody tr[data-system]").count() == shown
        page.locator("table.hub-table a", has_text="UK Emissions Trading Scheme").click()
        page.wait_for_url(re.compile(r"/systems/uk-ets$"))
        assert page.locator("h1").inner_text() == "UK Emissions Trading Scheme (UK ETS)"
        page.goto("/prices")
        page.locator("input[name=system]").first.check()
        page.locator("input[name=currency][value=usd]").check()
        page.fill("#from", "2015")
        page.get_by_role("button", name="Show prices").first.click()
        page.wait_for_url(re.compile(r"currency=usd"))
        assert page.locator("svg.chart[data-currency=USD]").count() >= 1
        assert page.locator("svg.chart[data-currency=NZD]").count() == 0
    finally:
        ctx.close()


def test_keyboard_reaches_map_links(browser, live_server):
    ctx, page, errors = _context(browser, live_server, viewport=WIDTHS["desktop"])
    try:
        page.goto("/systems?view=europe")
        label = None
        for _ in range(80):
            page.keyboard.press("Tab")
            label = page.evaluate("document.activeElement.closest('svg.worldmap') && document.activeElement.getAttribute('aria-label')")
            if label:
                break
        assert label and ": " in label, label
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/systems/[a-z0-9-]+$"))
        assert page.locator("h1").count() == 1
        assert not errors, errors
    finally:
        ctx.close()


CONTRAST_JS = """
() => {
  function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m.slice(0, 3).concat([m.length > 3 ? m[3] : 1]); }
  function lum(c) { return [0, 1, 2].map(i => { const v = c[i] / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                      .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0); }
  function bg(el) { while (el) { const c = rgb(getComputedStyle(el).backgroundColor); if (c[3] > 0.5) return c; el = el.parentElement; } return [255, 255, 255, 1]; }
  const worst = [];
  for (const el of document.querySelectorAll('main h1, main h2, main p, main a, main td, main th, main label, main dt, main dd, .status')) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    const f = lum(rgb(getComputedStyle(el).color)), b = lum(bg(el));
    const ratio = (Math.max(f, b) + 0.05) / (Math.min(f, b) + 0.05);
    if (ratio < 4.5) worst.push([el.tagName, el.className, el.textContent.trim().slice(0, 40), ratio.toFixed(2)]);
  }
  return worst;
}
"""


def test_accessibility_basics(browser, live_server):
    ctx, page, errors = _context(browser, live_server, viewport=WIDTHS["desktop"])
    try:
        for path in PAGES.values():
            page.goto(path)
            assert page.locator("h1").count() == 1
            levels = page.evaluate("[...document.querySelectorAll('main h1, main h2, main h3')].map(h => +h.tagName[1])")
            assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)  # no skipped heading level
            unlabeled = page.evaluate("""[...document.querySelectorAll('main input:not([type=hidden]), main select')]
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.name)""")
            assert not unlabeled, (path, unlabeled)
            nameless = page.evaluate("""[...document.querySelectorAll('main svg[role=img]')]
                .filter(s => !s.getAttribute('aria-label') && !s.getAttribute('aria-labelledby')).length""")
            assert nameless == 0, path
            nameless_links = page.evaluate("""[...document.querySelectorAll('main a')]
                .filter(a => !(a.getAttribute('aria-label') || a.textContent.trim())).length""")
            assert nameless_links == 0, path
            low = page.evaluate(CONTRAST_JS)
            assert not low, (path, low[:5])
        assert not errors, errors
    finally:
        ctx.close()


def test_knowledge_panel_leaves_the_first_result_high(browser, live_server, shots):
    """The panel used to push the first result ~1,060 px down a laptop screen."""
    ctx, page, errors = _context(browser, live_server, viewport={"width": 1366, "height": 768})
    try:
        page.goto("/?jurisdiction=EU")
        assert page.locator("section.knowledge details").get_attribute("open") is None
        top = page.evaluate("document.querySelector('li.hit').getBoundingClientRect().top")
        assert top < 600, top
        page.screenshot(path=str(shots / "hub-search-panel-laptop.png"))
        page.locator("section.knowledge summary").click()
        assert page.locator("section.knowledge dl").is_visible()
        page.locator(".knowledge__systems a").first.click()
        page.wait_for_url(re.compile(r"/systems/eu-ets$"))
        assert not errors, errors
    finally:
        ctx.close()
