"""The ETS glossary (query expansion), its matcher, and the stop word lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.vocab import glossary
from search.text.datafile import DataFileError
from search.text.matcher import Term, TermMatcher

from search.text.datafile import DATA_DIR as DATA


@pytest.fixture(scope="module")
def g() -> glossary.Glossary:
    return glossary.load()


def only(g: glossary.Glossary, text: str) -> glossary.GlossaryMatch:
    matches = g.find(text)
    assert len(matches) == 1, [(m.surface, m.entry_id) for m in matches]
    return matches[0]


# ---------------------------------------------------------------- the data file


def test_packaged_glossary(g: glossary.Glossary) -> None:
    entries = g.entries()
    assert len(entries) >= 40
    assert len({e.id for e in entries}) == len(entries)
    for e in entries:
        assert e.label and e.terms
    assert g.get("msr").label == "market stability reserve"
    assert g.get("nope") is None


# ---------------------------------------------------------------- find: table


@pytest.mark.parametrize(
    ("text", "surface", "entry", "must_include"),
    [
        ("MSR reform", "MSR", "msr", ["market stability reserve"]),
        ("msr reform", "msr", "msr", ["market stability reserve"]),
        ("the market stability reserve", "market stability reserve", "msr", ["MSR", "Marktstabilitätsreserve"]),
        ("EUA prices", "EUA", "eua", ["EU allowance", "European Union allowance"]),
        ("EUAs", "EUAs", "eua", ["EU allowance"]),
        ("EU allowances", "EU allowances", "eua", ["EUA"]),
        ("CCR trigger", "CCR", "ccr", ["cost containment reserve"]),
        ("APCR", "APCR", "apcr", ["allowance price containment reserve"]),
        ("ETS2 start date", "ETS2", "ets2", ["emissions trading for buildings and road transport", "EU ETS 2"]),
        ("EU ETS 2", "EU ETS 2", "ets2", ["ETS2"]),
        ("emissions trading for buildings and road transport", "emissions trading for buildings and road transport", "ets2", ["ETS2"]),
        ("CBAM", "CBAM", "cbam", ["carbon border adjustment mechanism", "CO2-Grenzausgleichssystem",
                                  "mécanisme d'ajustement carbone aux frontières", "碳边境调节机制"]),
        ("CO2-Grenzausgleichssystem", "CO2-Grenzausgleichssystem", "cbam", ["CBAM"]),
        ("碳边境调节机制", "碳边境调节机制", "cbam", ["carbon border adjustment mechanism"]),
        ("K-ETS", "K-ETS", "k-ets", ["Korea Emissions Trading Scheme"]),
        ("RGGI states", "RGGI", "rggi", ["Regional Greenhouse Gas Initiative"]),
        ("WCI", "WCI", "wci", ["Western Climate Initiative"]),
        ("TIER", "TIER", "tier", ["Technology Innovation and Emissions Reduction"]),
        ("carbon credits", "carbon credits", "offsets", ["offsets", "offset credit"]),
        ("offsets", "offsets", "offsets", ["offset credit", "carbon credit"]),
        ("cap-and-trade", "cap-and-trade", "emissions-trading", ["emissions trading", "emissions trading system", "ETS"]),
        ("cap and trade", "cap and trade", "emissions-trading", ["emissions trading"]),
        ("碳排放权交易", "碳排放权交易", "emissions-trading", ["emissions trading", "cap-and-trade"]),
        ("排放权交易", "排放权交易", "emissions-trading", ["emissions trading"]),
        ("Emissionshandel", "Emissionshandel", "emissions-trading", ["emissions trading", "emissions trading system", "cap-and-trade"]),
        ("système d'échange de quotas d'émission", "système d'échange de quotas d'émission", "emissions-trading", ["emissions trading"]),
        ("systeme d’echange de quotas d’emission", "systeme d’echange de quotas d’emission", "emissions-trading", ["ETS"]),
        ("Zertifikat", "Zertifikat", "allowance", ["allowance", "emission allowance", "配额"]),
        ("碳排放配额", "碳排放配额", "allowance", ["allowance", "quota"]),
        ("kostenlose Zuteilung", "kostenlose Zuteilung", "free-allocation", ["free allocation", "allocation gratuite", "免费分配"]),
        ("Versteigerung", "Versteigerung", "auctioning", ["auctioning", "拍卖"]),
        ("fuite de carbone", "fuite de carbone", "carbon-leakage", ["carbon leakage", "碳泄漏"]),
        ("Carbon Leakage", "Carbon Leakage", "carbon-leakage", ["fuite de carbone"]),
        ("MRV", "MRV", "mrv", ["monitoring, reporting and verification"]),
        ("monitoring, reporting and verification", "monitoring, reporting and verification", "mrv", ["MRV"]),
        ("CDM", "CDM", "cdm", ["Clean Development Mechanism"]),
        ("CERs", "CERs", "cer", ["certified emission reduction"]),
        ("CCER", "CCER", "ccer", ["China Certified Emission Reduction", "国家核证自愿减排量"]),
        ("ITMOs", "ITMOs", "itmo", ["internationally transferred mitigation outcome"]),
        ("Article 6.2", "Article 6.2", "article-6", ["Article 6 of the Paris Agreement"]),
        ("LULUCF", "LULUCF", "lulucf", ["land use, land-use change and forestry"]),
        ("greenhouse gases", "greenhouse gases", "ghg", ["GHG", "温室气体"]),
        ("CO₂e", "CO₂e", "co2e", ["CO2 equivalent"]),
        ("benchmark", "benchmark", "benchmark", ["基准"]),
        ("基准", "基准", "benchmark", ["benchmark"]),
        ("price floor", "price floor", "price-floor", ["auction reserve price"]),
        ("banking", "banking", "banking", ["allowance banking"]),
        ("compliance period", "compliance period", "compliance-period", ["control period"]),
        ("Klimageld", "Klimageld", "climate-dividend", ["climate dividend"]),
    ],
)
def test_find_table(g: glossary.Glossary, text: str, surface: str, entry: str, must_include: list[str]) -> None:
    m = only(g, text)
    assert (m.surface, m.entry_id) == (surface, entry)
    assert text[m.start : m.end] == surface
    assert m.label == g.get(entry).label
    for alt in must_include:
        assert alt in m.alternatives
    assert surface not in m.alternatives


@pytest.mark.parametrize(
    "text",
    [
        "cap",  # the cap alone is not cap-and-trade
        "a cap on spending",
        "tier 1 monitoring approach",  # TIER only in capitals
        "Tier 2",
        "eur per tonne",
        "MSRP of a car",  # MSR not inside another word
        "misreported",
        "offset the costs",  # singular offset is a verb too
        "",
    ],
)
def test_find_nothing(g: glossary.Glossary, text: str) -> None:
    assert g.find(text) == []


def test_alternatives_prefer_english_and_file_order(g: glossary.Glossary) -> None:
    m = only(g, "Emissionshandel")
    assert m.alternatives[:3] == ["emissions trading system", "emissions trading", "emission trading"]
    assert "Emissionshandel" not in m.alternatives


def test_several_matches_left_to_right_longest_first(g: glossary.Glossary) -> None:
    text = 'Does the "market stability reserve" affect EUA prices under the EU ETS and CBAM?'
    found = [(m.surface, m.entry_id) for m in g.find(text)]
    assert found == [
        ("market stability reserve", "msr"),
        ("EUA", "eua"),
        ("EU ETS", "eu-ets"),  # the longer term, not "ETS" alone
        ("CBAM", "cbam"),
    ]
    spans = [(m.start, m.end) for m in g.find(text)]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_quoted_phrase_is_still_found(g: glossary.Glossary) -> None:
    m = only(g, '"free allocation"')
    assert (m.start, m.end, m.entry_id) == (1, 16, "free-allocation")


def test_accents_and_case(g: glossary.Glossary) -> None:
    assert only(g, "MARCHÉ DU CARBONE").entry_id == "carbon-market"
    assert only(g, "marche du carbone").entry_id == "carbon-market"
    assert only(g, "Marktstabilitatsreserve").entry_id == "msr"
    assert only(g, "FREE ALLOCATION").entry_id == "free-allocation"


def test_cjk_inside_a_sentence(g: glossary.Glossary) -> None:
    found = [(m.surface, m.entry_id) for m in g.find("全国碳市场的配额分配和碳泄漏风险")]
    assert found == [("全国碳市场", "china-ets"), ("配额分配", "allocation"), ("碳泄漏", "carbon-leakage")]


# ---------------------------------------------------------------- the matcher itself


def test_term_matcher_rules() -> None:
    m = TermMatcher([
        Term("EU", "eu", case_sensitive=True),
        Term("EU ETS", "euets", case_sensitive=True),
        Term("Québec", "qc"),
        Term("Сахалин*", "sah"),
        Term("欧盟", "eu-zh"),
    ])
    def run(text: str) -> list[tuple[str, str]]:
        return [(h.surface, h.terms[0].payload) for h in m.finditer(text)]
    assert run("the EU ETS, the EU-ETS and the EU\nETS") == [("EU ETS", "euets"), ("EU-ETS", "euets"), ("EU\nETS", "euets")]
    assert run("EUR, eu, neutral") == []
    assert run("QUEBEC and québec's") == [("QUEBEC", "qc"), ("québec", "qc")]
    assert run("в Сахалинской области") == [("Сахалинской", "sah")]
    assert run("关于欧盟的规定") == [("欧盟", "eu-zh")]
    assert TermMatcher([]).finditer("anything") is not None
    assert list(TermMatcher([]).finditer("anything")) == []


# ---------------------------------------------------------------- malformed files


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "glossary.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_small_custom_glossary(tmp_path: Path) -> None:
    path = write(tmp_path, "entries:\n- {id: x, label: xylophone, terms: [xylophone, XYL], de: [Xylofon]}\n")
    g = glossary.load(path)
    assert only(g, "Xylofon").alternatives == ["xylophone", "XYL"]
    assert g.find("xyl") == []  # all-capital terms are case-sensitive by default


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("entries: [\n", r"not valid YAML"),
        ("entries: []\n", r"non-empty list under 'entries:'"),
        ("- a\n- b\n", r"expected a mapping at the top level"),
        ("entries:\n- {id: x, terms: [a]}\n", r"entry 1 \(id 'x'\): 'label' is missing"),
        ("entries:\n- {id: x, label: X, terms: []}\n", r"entry 1 \(id 'x'\): 'terms' must be a non-empty list"),
        ("entries:\n- {id: x, label: X, terms: [a], synonyms: [b]}\n", r"entry 1 \(id 'x'\): unknown key"),
        ("entries:\n- {id: x, label: X, terms: [{term: a, case: shouty}]}\n", r"case must be 'exact' or 'any'"),
        ("entries:\n- {id: x, label: X, terms: [42]}\n", r"each term must be a string"),
        ("entries:\n- {id: X Y, label: X, terms: [a]}\n", r"id must be lowercase"),
        (
            "entries:\n- {id: a, label: A, terms: [carbon leakage]}\n- {id: b, label: B, terms: [Carbon-Leakage]}\n",
            r"entry 2 \(id 'b'\): term 'Carbon-Leakage' is already in entry 'a'",
        ),
        ("entries:\n- {id: a, label: A, terms: [x]}\n- {id: a, label: B, terms: [y]}\n", r"entry 2: duplicate id 'a'"),
    ],
)
def test_malformed_glossary_is_named(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(DataFileError, match=message) as info:
        glossary.load(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        glossary.load(tmp_path / "nope.yaml")


# ---------------------------------------------------------------- stop word lists

LANGS = ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "fi", "ru"]


def stopwords(lang: str) -> list[str]:
    lines = (DATA / "stopwords" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@pytest.mark.parametrize("lang", LANGS)
def test_stopword_list(lang: str) -> None:
    words = stopwords(lang)
    assert 80 <= len(words) <= 350
    assert len(set(words)) == len(words)
    assert all(w == w.lower() and " " not in w for w in words)


def test_english_stopwords_are_modest_and_not_ets_terms(g: glossary.Glossary) -> None:
    words = set(stopwords("en"))
    assert 150 <= len(words) <= 250
    assert {"the", "and", "of", "which", "don't"} <= words
    content = {"cap", "trade", "emissions", "allowance", "carbon", "market", "price", "state", "union", "reserve"}
    assert not words & content
    assert not any(g.find(w) for w in words)
    assert "estado" not in stopwords("es") and "stato" not in stopwords("it")


def test_short_texts_match_like_long_ones():
    """Queries take a token lookup path (no regex to build); it must find
    what the regex finds in long texts."""
    from search.vocab.glossary import load

    g = load()
    texts = []
    for e in g.entries():
        for t in e.terms:
            texts.append(f"the {t.text} and more")
            texts.append(f"{t.text.upper()}s, ({t.text})")
    texts += ["MSR reform 2023", "cap-and-trade vs cap and trade", "碳排放权交易市场的配额", "EU ETS2 and CBAM-Verordnung"]
    matcher = g._matcher
    for text in texts:
        short = {h.start: h.end for h in matcher._find_tokens(text)}
        regex = [(m.start(), m.end()) for m in matcher._regex.finditer(text) if matcher._lookup(m.group())]
        # Where the two differ, the token path found the longer term: the
        # regex tries case-insensitive terms before case-sensitive ones
        # ("ets" before "ETS UE") and stops at the first that matches.
        assert len(short) >= len({a for a, _ in regex if not any(a0 < a < b0 for a0, b0 in short.items())}), text
        for a, b in regex:
            covered = any(a0 <= a and b <= b0 for a0, b0 in short.items())
            assert covered, (text, text[a:b], short)
