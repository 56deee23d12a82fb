"""Document pages (``/doc/<id>``, ``/doc/<id>/text``): metadata, citation tags,
matching pages, the text page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from .helpers import api, fetch, meta_tags, soup


def test_document_page_has_citation_tags(client, ids_by_kind, everything):
    pdf = next(r for r in everything["results"] if r["kind"] == "pdf" and r["authors"])
    doc = soup(client.get(f"/doc/{pdf['id']}"))
    assert meta_tags(doc, "citation_title") == [pdf["title"]]
    assert meta_tags(doc, "citation_author") == pdf["authors"]
    (date,) = meta_tags(doc, "citation_publication_date")
    assert date.startswith(str(pdf["year"]))
    (pdf_url,) = meta_tags(doc, "citation_pdf_url")
    assert pdf_url.startswith("http://") and pdf_url.endswith(f"/file/{pdf['id']}")
    assert fetch(client, urlsplit(pdf_url).path).data[:5] == b"%PDF-"
    assert meta_tags(doc, "citation_publisher") == [pdf["publisher"]]
    assert meta_tags(doc, "citation_language") == [pdf["language"]]
    assert doc.find("link", rel="alternate", type="application/json")["href"] == f"/api/doc/{pdf['id']}"
    assert doc.h1.get_text() == pdf["title"]
    # Metadata rows say where a value came from.
    rows = {r.dt.get_text(): r.dd.get_text(" ", strip=True) for r in doc.select(".meta__row")}
    assert "from library catalogue" in rows["Title"]


def test_text_document_has_no_pdf_url(client, ids_by_kind):
    doc = soup(client.get(f"/doc/{ids_by_kind['text'][0]}"))
    assert not meta_tags(doc, "citation_pdf_url")
    assert meta_tags(doc, "citation_title")


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
