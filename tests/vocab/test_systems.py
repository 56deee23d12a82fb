"""The systems registry: the shipped file, every source row claimed, facts with provenance, overrides."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from search.text.datafile import DataFileError
from search.vocab import systems as systems_mod
from search.vocab.systems import FACT_LABELS, STATUSES


@pytest.fixture(scope="module")
def reg() -> systems_mod.Systems:
    return systems_mod.load()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_source_row_is_one_system(reg):
    icap = {" ".join(r["Policy"].split()) for r in _rows(systems_mod.ICAP_PATH)}
    wb = {r["Unique ID"] for r in _rows(systems_mod.WORLDBANK_PATH)}
    assert len(icap) == 49 and len(wb) == 64
    claimed_icap = [s.icap for s in reg.all() if s.icap]
    claimed_wb = [s.worldbank for s in reg.all() if s.worldbank]
    assert sorted(claimed_icap) == sorted(icap)
    assert sorted(claimed_wb) == sorted(wb)
    assert len(reg.all()) == len({s.id for s in reg.all()})


def test_shipped_tables_match_the_published_files(shared_corpus):
    """The shipped tables are the published rows, short fields only, unchanged."""
    with (shared_corpus / "datasets" / "gccmpd" / "ICAP_ETS.csv").open(encoding="utf-8-sig", newline="") as f:
        raw = {" ".join(r["Policy"].split()): r for r in csv.DictReader(f)}
    shipped = _rows(systems_mod.ICAP_PATH)
    assert len(shipped) == len(raw) == 49
    for row in shipped:
        src = raw[row["Policy"]]
        for k, v in row.items():
            assert v == " ".join(src[k].split()), (row["Policy"], k)
        assert "Policy_Content" not in row  # ICAP's prose is not shipped
    with (shared_corpus / "datasets" / "prices" / "worldbank_cpd_2025-08_compliance_gen_info.csv").open(encoding="utf-8-sig", newline="") as f:
        wb = [r for r in csv.reader(f)][1:]
    ets = {r[0]: r for r in wb if r[2] == "ETS"}
    for row in _rows(systems_mod.WORLDBANK_PATH):
        src = ets[row["Unique ID"]]
        assert row["Status"] == src[3] and row["Jurisdiction covered"] == " ".join(src[4].split())


def test_statuses_regions_and_relations(reg):
    regions = set(__import__("search.vocab.jurisdictions", fromlist=["load"]).load().regions())
    for s in reg.all():
        assert s.status in STATUSES, s.id
        assert s.region in regions, s.id
        assert s.areas or s.marker or s.members, s.id
        assert s.parent is None or reg.get(s.parent) is not None
        for other in (*s.members, *s.linked):
            assert reg.get(other) is not None, (s.id, other)
    assert {c.id for c in reg.children("wci")} == {"us-california", "ca-quebec"}
    assert reg.get("wci").members == ("us-california", "ca-quebec")
    assert reg.get("eu-ets2").parent == "eu-ets"
    eu = reg.get("eu-ets")
    assert eu.group is not None and eu.group.id == "EEA"
    assert len(eu.areas) == 30 and {"DEU", "ISL", "LIE", "NOR", "MLT"} <= set(eu.areas)
    assert reg.get("ch-ets").linked == ("eu-ets",) and "ch-ets" in eu.linked


def test_every_fact_has_source_and_date(reg):
    for s in reg.all():
        for key, fact in s.facts.items():
            assert key in FACT_LABELS
            assert fact.source.label and fact.source.as_of and fact.source.licence, (s.id, key)
            for other in fact.others:
                assert other.source.id != fact.source.id or other.value != fact.value
        assert set(s.facts).isdisjoint(s.missing)
        assert "linked" not in s.missing


def test_precedence_and_disagreements(reg):
    rggi = reg.get("rggi")
    # The editors corrected ICAP's start year; ICAP's value stays visible.
    assert rggi.start == 2009 and rggi.facts["start"].source.id == "editors"
    assert [(o.source.id, o.value) for o in rggi.facts["start"].others] == [("icap", 2010)]
    # Status: the World Bank (1 April 2025) first; the editors' differing view is kept.
    sk = reg.get("ca-saskatchewan")
    assert sk.status == "abolished" and sk.facts["status"].source.id == "worldbank"
    assert ("editors", "in force") in [(o.source.id, o.value) for o in sk.facts["status"].others]
    # A cap only ICAP has comes from ICAP with its factsheet URL.
    kr = reg.get("kr-ets")
    assert kr.facts["cap"].source.id == "icap" and kr.facts["cap"].source.url.startswith("https://icapcarbonaction.com/")
    # Facts no source has are marked missing (ICAP has no cap for Brazil).
    assert "cap" in reg.get("br-sbce").missing and "cap" in reg.get("au-safeguard").missing


def test_resolve(reg):
    assert reg.resolve("ETS_EU") == "eu-ets"
    assert reg.resolve("EU Emissions Trading System (EU ETS)") == "eu-ets"
    assert reg.resolve("  eu-ets ") == "eu-ets"
    assert reg.resolve("USA - California  Cap-and-Trade Program") == "us-california"
    assert reg.resolve("nowhere") is None and reg.resolve("") is None


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "overrides.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_override_wins_and_keeps_provenance(tmp_path):
    p = _write(tmp_path, """
overrides:
  - system: us-pennsylvania
    fact: status
    value: abolished
    source: Pennsylvania DEP notice
    url: https://www.dep.pa.gov/
    as_of: 2025-11-12
    editor: jd
    note: RGGI regulation repealed.
  - system: eu-ets
    fact: cap
    value: 1,386 MtCO2e (2024)
    source: Commission notice
    as_of: 2024
""")
    reg = systems_mod.parse(overrides=p)
    pa = reg.get("us-pennsylvania").facts["status"]
    assert pa.value == "abolished" and pa.source.id == "override"
    assert pa.source.as_of == "2025-11-12" and "jd" in pa.source.label and pa.note == "RGGI regulation repealed."
    assert ("worldbank", "under consideration") in [(o.source.id, o.value) for o in pa.others]
    cap = reg.get("eu-ets").facts["cap"]
    assert cap.value == "1,386 MtCO2e (2024)" and cap.others[0].source.id == "icap"


@pytest.mark.parametrize("body, message", [
    ("overrides:\n  - {system: eu-ets, fact: status, value: abolished, as_of: 2025}\n", "'source' is required"),
    ("overrides:\n  - {system: nope, fact: status, value: abolished, source: x, as_of: 2025}\n", "not an id"),
    ("overrides:\n  - {system: eu-ets, fact: status, value: paused, source: x, as_of: 2025}\n", "status 'paused'"),
    ("overrides:\n  - {system: eu-ets, fact: colour, value: x, source: x, as_of: 2025}\n", "fact 'colour'"),
    ("overrides:\n  - {system: eu-ets, fact: cap, value: x, source: x, as_of: soon}\n", "as_of"),
])
def test_bad_overrides_name_the_entry(tmp_path, body, message):
    with pytest.raises(DataFileError) as e:
        systems_mod.parse(overrides=_write(tmp_path, body))
    assert "entry 1" in str(e.value) and message in str(e.value)


def test_unclaimed_row_is_refused(tmp_path):
    text = systems_mod.DEFAULT_PATH.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if "id: al-ets" not in ln]
    p = tmp_path / "systems.yaml"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="ETS_AL"):
        systems_mod.parse(p)
