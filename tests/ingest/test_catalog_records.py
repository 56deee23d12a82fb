"""The staff catalog overrides each new record field (url, description,
identifiers), checked on entry; the values staff should check are reported."""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest

from search.index import IndexRoot
from search.ingest import IngestOptions, ingest
from search.ingest.catalog import load_catalog
from search.query.searcher import Searcher

OJO = "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf"
ACT = "real-ets/eu-text/CELEX_32023D0136_EN_TXT.txt"


@pytest.fixture()
def corpus(shared_corpus: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "corpus"
    dest.mkdir()
    for rel in (OJO, ACT):
        shutil.copy2(shared_corpus / rel, dest / Path(rel).name)
    return dest


def _by_name(s: Searcher) -> dict[str, dict]:
    return {Path(info["path"]).name: info for info in s.documents()}


def test_catalog_overrides_url_description_and_identifiers(corpus: Path, tmp_path: Path):
    root = IndexRoot(tmp_path / "ix")
    first = ingest([str(corpus)], root, IngestOptions(jobs=2))
    # The working paper names no publisher: staff are asked to check it.
    review = {(Path(r["path"]).name, r["field"]) for r in first["review"]}
    assert (Path(OJO).name, "publisher") in review
    with Searcher(root) as s:
        act = _by_name(s)[Path(ACT).name]
        assert act["identifiers"]["celex"] == "32023D0136" and act["identifiers"]["eli"].endswith("/dec/2023/136/oj")
        assert act["confidence"]["title"] >= 0.9 and act["sources"]["description"]

    (corpus / "catalog.yaml").write_text(
        f"documents:\n"
        f"  - path: {Path(ACT).name}\n"
        f"    url: https://eur-lex.europa.eu/eli/dec/2023/136/oj\n"
        f"    description: Notification of CORSIA offsetting requirements to aircraft operators.\n"
        f"    identifiers: {{doi: 10.9999/example, act: '(EU) 2023/136'}}\n"
        f"  - path: {Path(OJO).name}\n"
        f"    publisher: University of British Columbia\n",
        encoding="utf-8",
    )
    second = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert second["counts"]["metadata"] == 2 and second["counts"]["new"] == 0
    with Searcher(root) as s:
        docs = _by_name(s)
        act = docs[Path(ACT).name]
        assert act["url"] == "https://eur-lex.europa.eu/eli/dec/2023/136/oj"
        assert act["description"].startswith("Notification of CORSIA")
        # The catalog's schemes win; those found in the file stay.
        assert act["identifiers"]["doi"] == "10.9999/example" and act["identifiers"]["celex"] == "32023D0136"
        assert {act["sources"][k] for k in ("url", "description", "identifiers")} == {"catalog"}
        assert docs[Path(OJO).name]["publisher"] == "University of British Columbia"
        assert "publisher" not in (docs[Path(OJO).name].get("confidence") or {})

    # Dropping the entries brings the derived values back.
    (corpus / "catalog.yaml").write_text("documents: []\n", encoding="utf-8")
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    with Searcher(root) as s:
        act = _by_name(s)[Path(ACT).name]
        assert "doi" not in act["identifiers"] and act["sources"].get("description") != "catalog"
        assert _by_name(s)[Path(OJO).name]["publisher"] is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("url: not a link", "url must be a web address"),
        ("identifiers: [celex, doi]", "identifiers must map a scheme"),
        ("identifiers: {'CELEX number': 32023D0136}", "is not a scheme name"),
        ("identifiers: {doi: [a, b]}", "must have a single non-empty value"),
    ],
)
def test_catalog_checks_the_new_fields(tmp_path: Path, entry: str, message: str):
    (tmp_path / "catalog.yaml").write_text(f"documents:\n  - path: a.pdf\n    {entry}\n", encoding="utf-8")
    # A bad value leaves its row out, reported with file and line; the rest goes on.
    cat = load_catalog([tmp_path])
    assert not cat.by_path
    (problem,) = cat.problems
    assert problem["line"] == 2 and not problem["kept"] and re.search(message, problem["problem"]), problem


def test_csv_catalog_identifiers(tmp_path: Path):
    (tmp_path / "catalog.csv").write_text(
        "path,url,identifiers,description\n"
        "a.pdf,https://example.org/a,celex=32023L0959; doi=10.1/x,A short description.\n",
        encoding="utf-8",
    )
    entry = load_catalog([tmp_path]).lookup(str(tmp_path / "a.pdf"), None)
    assert entry == {"url": "https://example.org/a", "identifiers": {"celex": "32023L0959", "doi": "10.1/x"},
                     "description": "A short description."}
