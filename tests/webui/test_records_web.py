"""Records on the web: the original source, descriptions on the browse list
and the document page, exports carrying url, description and identifiers,
and honest counts of matching pages."""

from __future__ import annotations

import csv
import io
import re

from .helpers import api, meta_tags, soup

DECREE_URL = "https://www.beijing.gov.cn/zhengce/zhengcefagui/qtwj/202402/t20240207_3559201.html"


def _decree(everything) -> dict:
    return next(r for r in everything["results"] if "775" in (r["path"] or ""))


def test_document_page_shows_original_source_and_description(client, everything):
    decree = _decree(everything)
    assert decree["url"] == DECREE_URL and decree["identifiers"]["act"] == "国务院令第775号"
    doc = soup(client.get(f"/doc/{decree['id']}"))
    rows = {r.dt.get_text(): r.dd for r in doc.select(".meta__row")}
    link = rows["Original source"].find("a")
    assert link["href"] == DECREE_URL and "from the document's text" in rows["Original source"].get_text(" ", strip=True)
    assert "Act: 国务院令第775号" in rows["Identifiers"].get_text(" ", strip=True)
    assert doc.select_one(".document__description").get_text(strip=True) == decree["description"]
    assert meta_tags(doc, "citation_public_url") == [DECREE_URL]
    assert meta_tags(doc, "citation_abstract") == [decree["description"]]


def test_browse_list_shows_descriptions(client, everything):
    page = soup(client.get("/", query_string={"limit": 50}))
    shown = [p.get_text(strip=True) for p in page.select(".hit__description")]
    with_description = [r for r in everything["results"] if r["description"]]
    assert len(with_description) == len(everything["results"])  # every record has one
    assert len(shown) == min(50, len(with_description))
    # A search shows passages instead.
    assert not soup(client.get("/", query_string={"q": "allowances"})).select(".hit__description")


def test_exports_carry_url_description_and_identifiers(client, everything):
    decree = _decree(everything)
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv").get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in rows if r["id"] == decree["id"])
    assert row["source_url"] == DECREE_URL and row["description"] == decree["description"]
    assert "Act: 国务院令第775号" in row["identifiers"]
    act = next(r for r in everything["results"] if r["identifiers"].get("celex") == "32023D0136")
    bib = client.get(f"/doc/{act['id']}/cite.bib").get_data(as_text=True)
    assert "note = {CELEX: 32023D0136; ELI: http://data.europa.eu/eli/dec/2023/136/oj" in bib
    assert re.search(r"abstract = \{\S", bib)
    ris = client.get(f"/doc/{decree['id']}/cite.ris").get_data(as_text=True).split("\r\n")
    urls = [line[6:] for line in ris if line.startswith("UR  - ")]
    assert urls[0] == DECREE_URL and "/doc/" in urls[1]  # the original source first
    assert any(line.startswith("AB  - ") for line in ris) and any(line.startswith("N1  - Act: ") for line in ris)
