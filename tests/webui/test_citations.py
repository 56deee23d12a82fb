"""Citation formats (``webui.citations``): BibTeX, RIS and CSV cells, pure."""

from __future__ import annotations

import re

import pytest

from webui import citations


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


def test_records_carry_source_description_and_identifiers():
    meta = dict(META, url="https://eur-lex.europa.eu/eli/dir/2023/959/oj", description="Revises the EU ETS.",
                identifiers={"celex": "32023L0959", "doi": "10.2775/1", "isbn": "978-92-76-16573-6"})
    entry = citations.bibtex_entry(meta, "http://x/doc/d1")
    assert "url = {https://eur-lex.europa.eu/eli/dir/2023/959/oj}" in entry  # the original source, not the library page
    assert "doi = {10.2775/1}" in entry and "isbn = {978-92-76-16573-6}" in entry
    assert "note = {CELEX: 32023L0959}" in entry and "abstract = {Revises the EU ETS.}" in entry
    rec = citations.ris_record(meta, "http://x/doc/d1").split("\r\n")
    assert rec.index("UR  - https://eur-lex.europa.eu/eli/dir/2023/959/oj") < rec.index("UR  - http://x/doc/d1")
    assert "DO  - 10.2775/1" in rec and "SN  - 978-92-76-16573-6" in rec and "N1  - CELEX: 32023L0959" in rec
    row = dict(zip(citations.CSV_COLUMNS, citations.csv_row(meta, "http://x/doc/d1", "http://x/file/d1")))
    assert row["source_url"] == meta["url"] and row["description"] == "Revises the EU ETS."
    assert row["identifiers"] == "CELEX: 32023L0959; DOI: 10.2775/1; ISBN: 978-92-76-16573-6"
    # Without a source, the library page is the url.
    assert "url = {http://x/doc/d1}" in citations.bibtex_entry(META, "http://x/doc/d1")
