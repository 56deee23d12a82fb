"""Exports of all matching documents (CSV, BibTeX, RIS), citations of one,
the Atom feed and the OpenSearch description."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from webui import citations

from .helpers import api, soup


ATOM = "{http://www.w3.org/2005/Atom}"


OSD = "{http://a9.com/-/spec/opensearch/1.1/}"


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
