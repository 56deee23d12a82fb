"""One passage, three renderings: the HTML templates, the JSON contract and
the command line each render the engine's plain segments, and each gives
what it gave when the engine still built the HTML itself."""

from __future__ import annotations

import html

import pytest
from bs4 import BeautifulSoup

from search.query import passage_html
from webui.cli import passage_text

from .helpers import api, soup

SEGMENTS = [
    ("… ", False),
    ("Allowances", True),
    (' & <b>caps</b>: "the ', False),
    ("allowance", True),
    ("\" isn't &amp; <mark>x</mark>", False),
    ("排放权", True),
    (" …", False),
]


def _cli_before(marked: str, tty: bool) -> str:
    """How ``etslib search`` printed a passage from its HTML, before."""
    if tty:
        marked = marked.replace("<mark>", "\x1b[1;33m").replace("</mark>", "\x1b[0m")
    else:
        marked = marked.replace("<mark>", "").replace("</mark>", "")
    return html.unescape(marked)


@pytest.mark.parametrize("tty", [False, True])
def test_cli_renders_segments_as_it_rendered_the_html(tty):
    assert passage_text(SEGMENTS, tty) == _cli_before(passage_html(SEGMENTS), tty)


def test_cli_plain_and_bold():
    assert passage_text([("a ", False), ("cap", True), (" <b>", False)], False) == "a cap <b>"
    assert passage_text([("a ", False), ("cap", True)], True) == "a \x1b[1;33mcap\x1b[0m"


def test_template_marks_matches_and_escapes_the_rest(app):
    with app.test_request_context():
        macro = app.jinja_env.get_template("_macros.html").module.passage_text
        rendered = str(macro(SEGMENTS))
    assert rendered == (
        "… <mark>Allowances</mark> &amp; &lt;b&gt;caps&lt;/b&gt;: &#34;the <mark>allowance</mark>"
        "&#34; isn&#39;t &amp;amp; &lt;mark&gt;x&lt;/mark&gt;<mark>排放权</mark> …"
    )
    # The same text and marks as the JSON contract's HTML (the entities differ in spelling only).
    page, contract = BeautifulSoup(rendered, "html.parser"), BeautifulSoup(passage_html(SEGMENTS), "html.parser")
    assert page.get_text() == contract.get_text() == "".join(s for s, _ in SEGMENTS)
    assert [m.get_text() for m in page.find_all("mark")] == [m.get_text() for m in contract.find_all("mark")]


def test_the_page_and_its_twin_show_the_same_passages(client):
    data = api(client, q="market stability reserve", limit=5)
    page = soup(client.get("/", query_string={"q": "market stability reserve", "limit": 5}))
    shown = [
        [(p.select_one(".passage__text").get_text(), [m.get_text() for m in p.select("mark")]) for p in hit.select(".passage")]
        for hit in page.select("li.hit")
    ]
    twin = []
    for r in data["results"]:
        parsed = [BeautifulSoup(p["text"], "html.parser") for p in r["passages"]]
        twin.append([(d.get_text(), [m.get_text() for m in d.find_all("mark")]) for d in parsed])
    assert shown == twin and any(marks for hit in twin for _, marks in hit)
