"""The jurisdiction registry: data file, resolve() and detect() on real documents."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from tests.support.realtext import read_pages
from bs4 import BeautifulSoup

from search.text.matcher import TermMatcher
from search.vocab import jurisdictions
from search.text.datafile import DataFileError


@pytest.fixture(scope="module")
def reg() -> jurisdictions.Registry:
    return jurisdictions.load()




def first_line(pages: tuple[str, ...]) -> str:
    return next((ln.strip("#* ").strip() for ln in pages[0].splitlines() if ln.strip("#*` ").strip()), "")


def html_title(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    return soup.title.get_text() if soup.title else ""


def ids(result: list[tuple[str, float]]) -> list[str]:
    return [jid for jid, _ in result]


# ---------------------------------------------------------------- the data file


def test_packaged_file_is_consistent(reg: jurisdictions.Registry) -> None:
    items = reg.all()
    assert len(items) >= 60
    assert len({j.id for j in items}) == len(items)
    statuses = {"in force", "under development", "under consideration", "ended", "none"}
    for j in items:
        assert j.region in reg.regions(), j.id
        assert j.level in {"supranational", "national", "subnational", "linked-market"}, j.id
        assert j.facts.get("status") in statuses, j.id
        assert j.facts.get("summary", "").strip(), j.id
        assert j.facts.get("provenance", "").strip(), j.id
        assert j.parent is None or reg.get(j.parent) is not None, j.id
        for other in (*j.members, *j.facts.get("linked", [])):
            assert reg.get(other) is not None, (j.id, other)


def test_required_jurisdictions_and_hierarchy(reg: jurisdictions.Registry) -> None:
    required = ["EU", "EU-ETS2", "CN", "CN-BJ", "CN-SH", "CN-GD", "CN-SZ", "CN-HB", "CN-TJ", "CN-CQ", "CN-FJ",
                "KR", "NZ", "US-CA", "CA-QC", "WCI", "RGGI", "US-WA", "US-MA", "UK", "CH", "DE", "AT", "JP",
                "JP-TYO", "JP-STM", "KZ", "MX", "CA", "CA-AB", "CA-NS", "CA-ON", "CA-SK", "CA-BC"]
    missing = [jid for jid in required if reg.get(jid) is None]
    assert not missing
    assert all(reg.get(p).parent == "CN" for p in ("CN-BJ", "CN-SH", "CN-GD", "CN-SZ", "CN-HB", "CN-TJ", "CN-CQ", "CN-FJ"))
    assert reg.get("US-CA").parent == "US" and reg.get("CA-AB").parent == "CA"
    assert set(reg.get("WCI").members) == {"US-CA", "CA-QC"}
    assert {"US-NY", "US-MA", "US-CT", "US-ME"} <= set(reg.get("RGGI").members)
    assert "CN-SZ" in reg.children("CN") and "US-NYC" in reg.descendants("US")
    assert reg.get("EU-ETS2").parent == "EU"
    assert reg.get("US-CA").facts["linked"] == ["CA-QC"]


def test_every_icap_row_is_mapped(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    path = shared_corpus / "datasets" / "gccmpd" / "ICAP_ETS.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        policies = [" ".join(row["Policy"].split()) for row in csv.DictReader(f)]
    assert len(policies) == 49
    mapped = {j.icap: j.id for j in reg.all() if j.icap}
    assert len(mapped) == len([j for j in reg.all() if j.icap]), "two entries claim the same ICAP row"
    assert sorted(set(policies) - set(mapped)) == []
    assert sorted(set(mapped) - set(policies)) == []
    # Spot-check the mapping itself.
    assert mapped["USA - California Cap-and-Trade Program"] == "US-CA"
    assert mapped["China - Shenzhen pilot ETS"] == "CN-SZ"
    assert mapped["EU Emissions Trading System for buildings and road transport"] == "EU-ETS2"
    assert mapped["Taiwan, China"] == "TW"


# ---------------------------------------------------------------- resolve


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EU", "EU"),
        ("eu", "EU"),
        ("EU ETS", "EU"),
        ("eu-ets", "EU"),
        ("European Union Emissions Trading System", "EU"),
        ("SEQE-UE", "EU"),
        ("Emissionshandelssystem der EU", "EU"),
        ("欧盟碳市场", "EU"),
        ("US-CA", "US-CA"),
        ("us-ca", "US-CA"),
        ("California", "US-CA"),
        ("Kalifornien", "US-CA"),
        ("Californie", "US-CA"),
        ("CARB", "US-CA"),
        ("Quebec", "CA-QC"),
        ("  québec ", "CA-QC"),
        ("QUÉBEC", "CA-QC"),
        ("K-ETS", "KR"),
        ("Korea Emissions Trading Scheme", "KR"),
        ("NZ ETS", "NZ"),
        ("New Zealand", "NZ"),
        ("Neuseeland", "NZ"),
        ("全国碳市场", "CN"),
        ("China National ETS", "CN"),
        ("北京", "CN-BJ"),
        ("Shenzhen pilot ETS", "CN-SZ"),
        ("CA", "CA"),
        ("Canada", "CA"),
        ("Alberta", "CA-AB"),
        ("TIER", "CA-AB"),
        ("SGER", "CA-AB"),
        ("RGGI", "RGGI"),
        ("Regional Greenhouse Gas Initiative", "RGGI"),
        ("Western Climate Initiative", "WCI"),
        ("nEHS", "DE"),
        ("Deutschland", "DE"),
        ("ETS2", "EU-ETS2"),
        ("Tokyo", "JP-TYO"),
        ("Saitama", "JP-STM"),
        ("UK ETS", "UK"),
        ('"Swiss ETS"', "CH"),
        ("USA - California  Cap-and-Trade Program", "US-CA"),  # the ICAP name, double space and all
        ("Massachusetts", "US-MA"),
        ("New Mexico", "US-NM"),
        ("Mexico", "MX"),
        ("ETS", None),  # too generic to mean any one system
        ("national ETS", None),
        ("cap-and-trade program", None),
        ("", None),
        ("Atlantis", None),
    ],
)
def test_resolve(reg: jurisdictions.Registry, text: str, expected: str | None) -> None:
    assert reg.resolve(text) == expected


def test_region_of(reg: jurisdictions.Registry) -> None:
    assert reg.region_of("EU") == "Europe"
    assert reg.region_of("CN-SZ") == "Asia-Pacific"
    assert reg.region_of("RGGI") == "North America"
    assert reg.region_of("MX") == "Latin America & Caribbean"
    assert reg.region_of("KZ") == "Eurasia"
    assert reg.region_of("Kalifornien") == "North America"  # anything resolve() accepts
    assert reg.region_of("XX") == ""


# ---------------------------------------------------------------- detect: matching rules


def test_detect_word_boundaries_case_and_scripts(reg: jurisdictions.Registry) -> None:
    assert reg.detect("", ["Prices in EUR rose; neutral, Europe-wide."]) == []
    assert reg.detect("", ["the eu and the tier of the ca region"]) == []  # acronyms only in capitals
    assert ids(reg.detect("Das EU-ETS", [])) == ["EU"]
    assert ids(reg.detect("Der Emissionshandel in Québec", [])) == ["CA-QC"]
    assert ids(reg.detect("Quebec", [])) == ["CA-QC"]
    assert ids(reg.detect("关于全国碳排放权交易市场的通知", [])) == ["CN"]
    assert ids(reg.detect("のEU排出量取引制度", [])) == ["EU"]
    assert ids(reg.detect("New Mexico", [])) == ["US-NM"]  # not Mexico
    assert reg.detect("West Virginia v. EPA", []) == []  # not Virginia (an ignore phrase)


def test_detect_empty_and_confidence_range(reg: jurisdictions.Registry) -> None:
    assert reg.detect("", []) == []
    assert reg.detect("", [""]) == []
    result = reg.detect("The NZ ETS and the EU ETS compared", ["New Zealand " * 3, "European Union " * 3])
    assert set(ids(result)) == {"NZ", "EU"}
    assert all(0 < c <= 1 for _, c in result)
    assert [c for _, c in result] == sorted((c for _, c in result), reverse=True)


# ---------------------------------------------------------------- detect: real documents


EU_TEXTS = [
    "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf",
    "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf",
    "real-ets/eu/EC_2024_carbon_market_report_en.pdf",
    "real-ets/eu-text/CELEX_02003L0087-20230605_EN_TXT.md",
    "real-ets/eu-text/CELEX_32023R0956_EN_TXT.txt",
    "real-ets/eu-text/CELEX_32023R0957_EN_TXT.txt",
    "real-ets/eu-text/CELEX_02018R2066-20210101_EN_TXT.txt",
]


@pytest.mark.parametrize("rel", EU_TEXTS)
def test_detect_eu_texts(reg: jurisdictions.Registry, shared_corpus: Path, rel: str) -> None:
    pages = read_pages(shared_corpus / rel)
    result = reg.detect(first_line(pages), list(pages))
    assert ids(result)[0] == "EU"
    assert "US-CA" not in ids(result)


def test_detect_eu_directive_without_title(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    pages = read_pages(shared_corpus / "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf")
    assert ids(reg.detect("", list(pages)))[0] == "EU"


def test_detect_nz_press_releases(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    files = sorted((shared_corpus / "real-ets/news-html/nz").glob("*.html"))
    assert len(files) >= 40
    tops = {}
    for f in files:
        result = reg.detect(html_title(f), list(read_pages(f)))
        tops[f.name] = ids(result)[0] if result else None
    # NZ comes first wherever anything is found; a few one-line releases never
    # name New Zealand beyond the page's time zone, and stay untagged.
    assert {t for t in tops.values() if t} == {"NZ"}
    assert sum(t == "NZ" for t in tops.values()) >= 0.9 * len(files)


def test_detect_nz_release_about_australia_tags_both(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    f = shared_corpus / "real-ets/news-html/nz/2011-06-02_green-party_new-zealand-get-ready-for-australian-carbon-tax.html"
    assert ids(reg.detect(html_title(f), list(read_pages(f))))[:2] == ["NZ", "AU"]


def test_detect_prc_decree(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    [path] = (shared_corpus / "real-ets/cn").glob("*.md")
    pages = read_pages(path)
    result = reg.detect(first_line(pages), list(pages))
    assert ids(result)[0] == "CN"
    # The page was saved from beijing.gov.cn; that passing mention must not tag the Beijing pilot.
    assert "CN-BJ" not in ids(result)


@pytest.mark.parametrize(
    ("dataset", "expected"),
    [("GZETS_Provincial_Municipal.jsonl", "CN-GD"), ("HBETS_Center_Dynamics.jsonl", "CN-HB")],
)
def test_detect_chinese_pilot_notices(reg: jurisdictions.Registry, shared_corpus: Path, dataset: str, expected: str) -> None:
    path = shared_corpus / "datasets/cn-carbon-market" / dataset
    with path.open(encoding="utf-8") as f:
        docs = [json.loads(line) for _, line in zip(range(100), f)]
    tops = [ids(reg.detect(d.get("title") or "", [d.get("content") or ""]))[:1] for d in docs]
    assert sum(t == [expected] for t in tops) >= 85


@pytest.mark.parametrize("name", ["NearZero_WCI-RULES_model_documentation.pdf", "NearZero_WCI_model_documentation_v1.0_2018.pdf"])
def test_detect_wci_model_documentation(reg: jurisdictions.Registry, shared_corpus: Path, name: str) -> None:
    pages = read_pages(shared_corpus / "real-ets/us-ca" / name)
    found = ids(reg.detect(first_line(pages), list(pages)))
    assert "US-CA" in found[:3]
    assert {"CA-QC", "WCI"} & set(found[:3])
    assert "EU" not in found


@pytest.mark.parametrize("name", ["Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf",
                                  "Ojo_2026_Carbon_Pricing_Co-Abatement_Alberta_slides.pdf"])
def test_detect_alberta(reg: jurisdictions.Registry, shared_corpus: Path, name: str) -> None:
    pages = read_pages(shared_corpus / "real-ets/ca-ab" / name)
    found = ids(reg.detect(first_line(pages), list(pages)))
    assert found[0] == "CA-AB"


def test_detect_german_national_ets(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    pages = read_pages(shared_corpus / "real-ets/de/DIW_Weekly_Report_2024-43-44_Carbon_pricing_climate_dividend.pdf")
    found = ids(reg.detect("Carbon pricing: Swift introduction of a climate dividend needed", list(pages)))
    assert found[0] == "DE"
    assert "EU" in found  # the report is about the move into the EU's ETS 2


def test_passing_mention_is_not_tagged(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    pages = list(read_pages(shared_corpus / "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf"))
    sentence = " California has run a cap-and-trade program since 2012."
    once = pages[:20] + [pages[20] + sentence] + pages[21:]
    assert "US-CA" not in ids(reg.detect("DIRECTIVE (EU) 2023/959", once))
    # A text that names California throughout is about it ...
    everywhere = ["Emissions trading design notes." + sentence for _ in range(8)]
    assert "US-CA" in ids(reg.detect("", everywhere))
    # ... and so is one whose title names it.
    assert "US-CA" in ids(reg.detect("EU and California compared", once))


def test_passing_mention_in_short_text(reg: jurisdictions.Registry, shared_corpus: Path) -> None:
    f = shared_corpus / "real-ets/news-html/nz/2016-05-12_motu_re-activating-the-nz-ets.html"
    text = read_pages(f)[0] + " Officials also met counterparts from Québec last year."
    assert ids(reg.detect(html_title(f), [text])) == ["NZ"]


def test_detect_scans_a_megabyte_once(reg: jurisdictions.Registry, shared_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The work is one regex pass over the text, and each distinct matched
    surface is folded once: it grows with the text, not with pages x names
    or with repeated mentions. (Its speed is measured in scripts/bench.)"""
    text = read_pages(shared_corpus / "real-ets/eu-text/CELEX_02003L0087-20230605_EN_TXT.md")[0]
    big = (text * (1_000_000 // len(text) + 1))[:1_000_000]
    pages = [big[i : i + 5000] for i in range(0, len(big), 5000)]
    scanned: list[int] = []
    folded: list[str] = []
    finditer, lookup = TermMatcher.finditer, TermMatcher._lookup_uncached

    def counting_finditer(self, text):
        if self is reg._matcher:
            scanned.append(len(text))
        return finditer(self, text)

    def counting_lookup(self, surface):
        folded.append(surface)
        return lookup(self, surface)

    monkeypatch.setattr(TermMatcher, "finditer", counting_finditer)
    monkeypatch.setattr(TermMatcher, "_lookup_uncached", counting_lookup)
    result = reg.detect("", pages)
    assert ids(result)[0] == "EU"
    assert scanned == [0, len("\n".join(pages))]  # the title, then the whole text once
    assert len(folded) == len(set(folded)) < 100  # ~1,900 mentions, a dozen distinct surfaces


# ---------------------------------------------------------------- malformed files


GOOD_HEADER = """
regions: [Europe, North America]
levels: [national, subnational]
statuses: [in force, none]
jurisdictions:
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "jurisdictions.yaml"
    path.write_text(GOOD_HEADER + body, encoding="utf-8")
    return path


def test_small_custom_file_loads(tmp_path: Path) -> None:
    path = write(tmp_path, """
- {id: AA, name: Aland, level: national, region: Europe, aliases: [AAETS], facts: {status: in force}}
- {id: AA-B, name: Bland, level: subnational, region: Europe, parent: AA}
""")
    reg = jurisdictions.load(path)
    assert reg.resolve("aaets") == "AA" and reg.get("AA-B").parent == "AA"


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "- {id: AA, name: [unclosed\n")
    with pytest.raises(DataFileError, match="jurisdictions.yaml: not valid YAML"):
        jurisdictions.load(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("- {id: AA, level: national, region: Europe}", r"entry 1 \(id 'AA'\): 'name' is missing"),
        ("- {id: AA, name: A, level: national, region: Atlantis}", r"entry 1 \(id 'AA'\): region 'Atlantis' is not one of"),
        ("- {id: aa, name: A, level: national, region: Europe}", r"entry 1 \(id 'aa'\): id must be capital letters"),
        ("- {id: AA, name: A, level: national, region: Europe, parent: ZZ}", r"entry 1 \(id 'AA'\): parent 'ZZ' is not a known id"),
        ("- {id: AA, name: A, level: national, region: Europe, colour: red}", r"entry 1 \(id 'AA'\): unknown key"),
        ("- {id: AA, name: A, level: national, region: Europe, facts: {status: maybe}}", r"facts.status 'maybe'"),
        ("- {id: AA, name: A, level: national, region: Europe, aliases: [{term: X, weight: many}]}", r"weight must be a number"),
        (
            "- {id: AA, name: A, level: national, region: Europe, aliases: [Foo ETS]}\n"
            "- {id: BB, name: B, level: national, region: Europe, aliases: [foo-ets]}",
            r"entry 2 \(id 'BB'\): name or alias 'foo-ets' already belongs to 'AA'",
        ),
        (
            "- {id: AA, name: A, level: national, region: Europe}\n- {id: AA, name: B, level: national, region: Europe}",
            r"entry 2 \(id 'AA'\): duplicate id",
        ),
        ("- just a string", r"entry 1: expected a mapping"),
    ],
)
def test_malformed_entries_are_named(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(DataFileError, match=message) as info:
        jurisdictions.load(path)
    assert str(path) in str(info.value)


def test_missing_top_level_lists(tmp_path: Path) -> None:
    path = tmp_path / "j.yaml"
    path.write_text("jurisdictions: []\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="non-empty list under 'jurisdictions:'"):
        jurisdictions.load(path)
