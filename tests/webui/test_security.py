"""Escaping and security headers: untrusted titles, queries and files stay inert."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from .helpers import fetch, meta_tags, soup


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
    assert meta_tags(doc, "citation_title") == [XSS]


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
