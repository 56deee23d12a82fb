"""Records researchers can cite (issue 9): each failure class, on real documents.

Each test reads a real document of the shared corpus, derives its record as
the ingest does (``extract`` then ``derive``) and checks the field against
what the document itself says. The classes are those the issue lists; the
documents are examples of them, and the rules under test key on cues that
hold across documents (bylines, imprints, date lines, issuers, identifiers).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from search.extract import extract
from search.ingest.dates import filename_date
from search.ingest.identifiers import find_identifiers
from search.ingest.metadata import derive
from search.ingest.values import review_entries
from search.model import Document, Extracted
from search.vocab import jurisdictions
from tests.conftest import SHARED


@lru_cache(maxsize=None)
def _extracted(rel: str) -> Extracted:
    return extract(SHARED / rel)


def record(shared_corpus: Path, rel: str) -> Document:
    """The document as the ingest derives it (extraction cached per test run)."""
    ex = _extracted(rel)
    copy = Extracted(**{**ex.__dict__, "pages": list(ex.pages)})
    return derive(copy, str(shared_corpus / rel), sha256="0" * 64, size=0, mtime_ns=0, rel=rel)


NZ = "real-ets/news-html/nz/"


# ---------------------------------------------------------------- publisher


@pytest.mark.parametrize(
    ("rel", "publisher"),
    [
        # An explainer that cites ICAP in its text: its colophon names it.
        ("real-ets/news/CLEW_Understanding_the_EU_ETS_2024-05-23.txt", "Clean Energy Wire"),
        # A press release whose second paragraph names ICAP: its byline wins.
        (NZ + "2016-03-09_motu_kiwi-expertise-leading-the-world-on-emissions-trading.html", "MOTU"),
    ],
)
def test_publisher_is_not_the_first_organisation_mentioned(shared_corpus, rel, publisher):
    doc = record(shared_corpus, rel)
    assert doc.publisher == publisher
    assert doc.publisher != "ICAP"


@pytest.mark.parametrize(
    ("rel", "publisher"),
    [
        (NZ + "2008-05-06_green-party_greens-will-not-support-a-gutless-ets.html", "Green Party"),
        (NZ + "2009-09-21_new-zealand-labour-party_goff-auckland-rotary-lunch.html", "New Zealand Labour Party"),
        # The headline reads "Speech: Katene - ..."; the issuer line after it names the party.
        (NZ + "2009-11-24_te-pati-maori_speech-katene-moderated-emissions-trading.html", "Maori Party"),
    ],
)
def test_press_release_line_names_the_publisher(shared_corpus, rel, publisher):
    doc = record(shared_corpus, rel)
    assert doc.publisher == publisher
    assert doc.sources["publisher"] == "byline" and doc.confidence["publisher"] >= 0.9


@pytest.mark.parametrize(
    ("rel", "publisher"),
    [
        ("real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt", "Publications Office of the European Union"),
        ("climate-policy/eu-text/OJ_L_202401991_EN_TXT.txt", "Publications Office of the European Union"),
        ("real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf", "Publications Office of the European Union"),
        ("climate-policy/eu-text/COM_2019_640_European_Green_Deal.txt", "European Commission"),
        ("climate-policy/eu-text/CELEX_52020PC0563_EN_TXT.txt", "European Commission"),
        ("climate-policy/eu-text/QA_Net-Zero_Industry_Act_Hydrogen_Bank.txt", "European Commission"),
        ("climate-policy/eu-text/PE-CONS_36-2023_RED_III.txt", "European Parliament and Council"),
        ("more-ets/de-law/BEHG-BJNR272800019.md", "Bundesgesetzblatt (Germany)"),
        ("real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md", "State Council of the People's Republic of China"),
    ],
)
def test_acts_and_commission_texts_name_their_issuer(shared_corpus, rel, publisher):
    doc = record(shared_corpus, rel)
    assert doc.publisher == publisher
    assert doc.sources["publisher"] == "issuer"


@pytest.mark.parametrize(
    ("rel", "publishers"),
    [
        ("real-ets/us-ca/NearZero_WCI-RULES_model_documentation.pdf", {"Near Zero"}),  # © line
        ("climate-policy/corporate/BHP_Climate_Transition_Action_Plan_2021.pdf", {"BHP Group Limited", "BHP"}),  # registration line
        ("climate-policy/corporate/BHP_Climate_Change_Report_2020.pdf", {"BHP"}),  # its own site, bhp.com
        ("climate-policy/corporate/Rio_Tinto_Climate_Change_Report_2023.pdf", {"Rio Tinto"}),
    ],
)
def test_imprints_and_corporate_owners(shared_corpus, rel, publishers):
    assert record(shared_corpus, rel).publisher in publishers


def test_an_authors_affiliation_is_not_a_publisher(shared_corpus):
    doc = record(shared_corpus, "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf")
    assert doc.publisher is None
    # ... and staff are told a citation lacks it.
    assert {"field": "publisher", "source": "none"}.items() <= review_entries(doc.metadata())[0].items()


# ---------------------------------------------------------------- titles


def test_site_header_is_not_a_title(shared_corpus):
    doc = record(shared_corpus, "climate-policy/eu-md/EUR-Lex_Regulation_2026_667.md")
    assert doc.title.startswith("Regulation (EU) 2026/667 of the European Parliament and of the Council of 11 March 2026 amending")
    assert "EUR-Lex" not in doc.title


@pytest.mark.parametrize(
    ("rel", "title"),
    [
        ("climate-policy/eu-md/European_Climate_Law_factsheet.md", "The European Climate Law"),
        ("climate-policy/eu-md/EC_press_release_2040_climate_target_2025-12-10.md",
         "EU agrees on a 2040 Climate target that sets a clear path towards a decarbonised and competitive economy"),
        ("climate-policy/eu-md/SWD_2023_932_adaptation_progress_member_states.md",
         "Assessment of progress on climate adaptation in the individual Member States according to the European Climate Law"),
        ("climate-policy/eu-md/COM_2025_378_Delivering_on_the_Clean_Industrial_Deal.md", "Delivering on the Clean Industrial Deal I"),
        ("real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf",
         "Carbon Pricing and Co-Abatement of Toxic Emissions: Evidence from Alberta’s SGER/TIER Regulation"),
        ("climate-policy/corporate/BHP_Climate_Change_Report_2020.pdf", "Climate Change Report 2020"),
    ],
)
def test_a_heading_is_taken_with_its_continuation_lines(shared_corpus, rel, title):
    assert record(shared_corpus, rel).title == title


def test_communication_label_is_not_the_title(shared_corpus):
    doc = record(shared_corpus, "climate-policy/eu-md/COM_2023_796_EU_wide_assessment_draft_NECPs.md")
    assert doc.title.startswith("EU wide assessment of the draft updated National Energy and Climate Plans")
    assert "Communication" not in doc.title


def test_pdf_working_title_and_numbering_are_not_the_title(shared_corpus):
    # /Title "NZ cap-and-trade model - documentation (...)" is a working title; the page prints another.
    doc = record(shared_corpus, "real-ets/us-ca/NearZero_WCI_model_documentation_v1.0_2018.pdf")
    assert doc.title == "WCI-RULES cap-and-trade model documentation"
    # /Title "5a. Climate Action Plan 2024 - Costco Wholesale": the section number goes.
    assert record(shared_corpus, "climate-policy/corporate/CostCo_Climate_Action_Plan.pdf").title.startswith("Climate Action Plan")
    # /Title "Climate Transition Action Plan", printed with its edition year.
    doc = record(shared_corpus, "climate-policy/corporate/BHP_Climate_Transition_Action_Plan_2021.pdf")
    assert doc.title == "Climate Transition Action Plan 2021"


def test_act_numbers_cut_off_are_restored(shared_corpus):
    doc = record(shared_corpus, "real-ets/eu-text/CELEX_02018R2066-20210101_EN_TXT.txt")
    assert doc.title.startswith("Commission Implementing Regulation (EU) 2018/2066 of 19 December 2018")
    assert "Commission Regulation (EU) No 601/2012" in doc.title
    doc = record(shared_corpus, "real-ets/eu-text/CELEX_32014R0666_EN_TXT.txt")
    assert doc.title.startswith("Commission Delegated Regulation (EU) No 666/2014 of 12 March 2014")


def test_long_act_titles_are_whole(shared_corpus):
    for rel in ("real-ets/eu/CELEX_32023L0959_EN_TXT.pdf", "real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt"):
        doc = record(shared_corpus, rel)
        assert doc.title.startswith("Directive (EU) 2023/959 of the European Parliament and of the Council of 10 May 2023")
        assert doc.title.endswith("for the Union greenhouse gas emission trading system (Text with EEA relevance)")


@pytest.mark.parametrize(
    ("rel", "title"),
    [
        ("climate-policy/eu-text/QA_Net-Zero_Industry_Act_Hydrogen_Bank.txt",
         "Questions and Answers: The Net-Zero Industry Act and the European Hydrogen Bank"),
        ("real-ets/eu-text/EU_ETS_Guidance_Document_0_Annex_I_2024.md.txt",
         "Guidance on Interpretation of Annex I of the EU ETS Directive (excl. aviation and maritime activities)"),
        ("real-ets/eu-text/CBAM_Questions_and_Answers_2024.txt", "Carbon Border Adjustment Mechanism (CBAM)"),
    ],
)
def test_title_rules_apply_to_text_and_markdown_files(shared_corpus, rel, title):
    assert record(shared_corpus, rel).title == title


# ---------------------------------------------------------------- jurisdictions


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("more-ets/de-law/ProMechG-BJNR282610005.md", {"DE"}),
        ("more-ets/de-law/BEHG-BJNR272800019.md", {"DE"}),
        ("more-ets/de-law/EHVV_2012-BJNR204800009.md", {"DE", "EU"}),
        ("more-ets/de-law/ZuV_2007-BJNR225500004.md", {"DE", "EU"}),
    ],
)
def test_german_federal_laws_are_german(shared_corpus, rel, expected):
    assert set(record(shared_corpus, rel).jurisdictions) == expected


def test_near_zero_abbreviated_nz_is_not_new_zealand():
    reg = jurisdictions.load()
    text = ["The Near Zero (NZ) cap-and-trade model. " + "NZ projects the market balance through 2030. " * 5]
    assert "NZ" not in [j for j, _ in reg.detect("NZ cap-and-trade model documentation", text)]
    # Defined as New Zealand, it is New Zealand.
    text = ["New Zealand (NZ) runs an ETS. " + "NZ units are auctioned. " * 5]
    assert "NZ" in [j for j, _ in reg.detect("", text)]


def test_us_dollars_are_not_the_united_states(shared_corpus):
    doc = record(shared_corpus, "climate-policy/corporate/BHP_Climate_Transition_Action_Plan_2021.pdf")
    assert doc.jurisdictions == ["AU"]  # registered in Australia; "US$/t CO2-e" is a currency
    reg = jurisdictions.load()
    assert reg.detect("", ["Prices of US$ 30 and US $40 per tonne, in US dollars."]) == []


@pytest.mark.parametrize(
    "name",
    [
        "2008-05-06_green-party_greens-will-not-support-a-gutless-ets.html",  # never names New Zealand
        "2008-10-16_new-zealand-labour-party_nats-must-reveal-real-intentions-for-ets.html",  # names it once
        "2010-06-23_new-zealand-labour-party_analysis-shows-nationals-ets-worst-of-all-worlds.html",
    ],
)
def test_a_short_new_zealand_release_is_about_new_zealand(shared_corpus, name):
    # Issued through Scoop, New Zealand's news wire (its page's © line).
    assert record(shared_corpus, NZ + name).jurisdictions == ["NZ"]


def test_passing_neighbours_and_comparison_cases_are_not_primary(shared_corpus):
    doc = record(shared_corpus, NZ + "2009-11-17_act-new-zealand_government-needs-to-put-brakes-on-ets.html")
    assert doc.jurisdictions == ["NZ"]  # Australia is mentioned as a comparison
    doc = record(shared_corpus, "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf")
    assert doc.jurisdictions == ["CA-AB"]  # RGGI is the benchmark, Canada Alberta's parent


@pytest.mark.parametrize(
    "rel",
    ["real-ets/eu/CELEX_32023L0959_EN_TXT.pdf", "real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt",
     "real-ets/eu-text/CELEX_02003L0087-20230605_EN_TXT.md"],
)
def test_the_directive_that_creates_ets2_is_tagged_ets2(shared_corpus, rel):
    assert set(record(shared_corpus, rel).jurisdictions) == {"EU", "EU-ETS2"}


def test_a_report_with_an_ets2_section_is_about_the_eu(shared_corpus):
    assert record(shared_corpus, "real-ets/eu/EC_2024_carbon_market_report_en.pdf").jurisdictions == ["EU"]


# ---------------------------------------------------------------- dates


def test_own_date_line_beats_cited_dates(shared_corpus):
    doc = record(shared_corpus, "climate-policy/eu-md/COM_2025_524_proposal_amending_Climate_Law_2040.md")
    assert (doc.date, doc.year, doc.sources["date"]) == ("2025-07-02", 2025, "dateline")  # "Brussels, 2.7.2025"


def test_printed_date_beats_pdf_properties(shared_corpus):
    doc = record(shared_corpus, "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf")
    assert (doc.date, doc.year) == ("2025-05", 2025)  # "May 2025"; the PDF says 2026


def test_act_number_in_file_name_is_not_a_date(shared_corpus):
    assert filename_date("EUR-Lex_Regulation_2021_1119_European_Climate_Law.md") == (None, None)
    assert filename_date("2008-05-06_green-party_x.html") == ("2008-05-06", 2008)
    doc = record(shared_corpus, "climate-policy/eu-md/EUR-Lex_Regulation_2021_1119_European_Climate_Law.md")
    assert doc.date == "2021-06-30"  # "of 30 June 2021", not 2021-11-19


def test_consolidated_version_is_dated_by_its_version(shared_corpus):
    doc = record(shared_corpus, "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf")
    assert (doc.date, doc.sources["date"]) == ("2018-04-08", "consolidation")


# ---------------------------------------------------------------- topics


def test_generic_words_do_not_tag_unrelated_acts(shared_corpus):
    # A waste decision: "compliance with the targets", "household waste", "glass".
    doc = record(shared_corpus, "climate-policy/eu-text/CELEX_32011D0753_EN_TXT.txt")
    assert not {"compliance", "industry", "buildings-transport"} & set(doc.topics)
    doc = record(shared_corpus, "climate-policy/eu-text/CELEX_32019D1004_EN_TXT.txt")
    assert not {"market-oversight", "buildings-transport"} & set(doc.topics)  # "registry", "households"


def test_german_compounds_find_their_stem(shared_corpus):
    # "Versteigerungstermin", "Versteigerungsverfahren": auctioning.
    assert "auctioning" in record(shared_corpus, "more-ets/de-law/EHVV_2012-BJNR204800009.md").topics


def test_tier_programme_is_not_an_mrv_tier(shared_corpus):
    doc = record(shared_corpus, "real-ets/ca-ab/Ojo_2026_Carbon_Pricing_Co-Abatement_Alberta_slides.pdf")
    assert "mrv" not in doc.topics


# ---------------------------------------------------------------- identifiers, description, url


def test_identifiers_are_kept(shared_corpus):
    ids = record(shared_corpus, "real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt").identifiers
    assert ids["celex"] == "32023L0959" and ids["eli"] == "http://data.europa.eu/eli/dir/2023/959/oj"
    assert ids["act"] == "(EU) 2023/959"
    ids = record(shared_corpus, "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf").identifiers
    assert ids["celex"] == "02003L0087-20180408" and "eli" not in ids  # no ELI for a consolidated version
    ids = record(shared_corpus, "climate-policy/eu-md/European_Climate_Law_factsheet.md").identifiers
    assert ids["isbn"] == "978-92-76-16573-6" and ids["report"] == "NA-03-20-111-EN-N"  # the PDF edition's
    ids = record(shared_corpus, "climate-policy/eu-text/PE-CONS_36-2023_RED_III.txt").identifiers
    assert ids["report"] == "PE-CONS 36/23"
    assert record(shared_corpus, "real-ets/us-ca/NearZero_WCI-RULES_model_documentation.pdf").identifiers["doi"] == "10.17605/OSF.IO/S7HQ3"
    assert record(shared_corpus, "more-ets/de-law/BEHG-BJNR272800019.md").identifiers["juris"] == "BJNR272800019"
    assert find_identifiers(["EUROPEAN COMMISSION\nBrussels, 2.7.2025\nCOM(2025) 524 final"], "x.md")["com"] == "COM(2025) 524"


@pytest.mark.parametrize(
    ("rel", "source", "start"),
    [
        ("real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf", "abstract",
         "Carbon pricing can generate co-abatement benefits"),
        ("more-ets/de-law/TEHG-BJNR0460B0025.md", "subject-matter", "Zweck dieses Gesetzes ist es"),
        (NZ + "2008-10-16_new-zealand-labour-party_nats-must-reveal-real-intentions-for-ets.html", "lead",
         "It's time for National to clearly tell voters"),
        ("real-ets/eu-text/CELEX_02003L0087-20230605_EN_TXT.md", "subject-matter", "This Directive establishes a system"),
    ],
)
def test_every_record_has_a_description(shared_corpus, rel, source, start):
    doc = record(shared_corpus, rel)
    assert doc.sources["description"] == source and doc.description.startswith(start)
    assert 80 <= len(doc.description) <= 700
    assert "Having regard" not in doc.description and "►" not in doc.description


def test_original_source_printed_in_the_document(shared_corpus):
    doc = record(shared_corpus, "real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md")
    assert doc.url == "https://www.beijing.gov.cn/zhengce/zhengcefagui/qtwj/202402/t20240207_3559201.html"
    assert doc.sources["url"] == "text"


def test_html_canonical_link_is_the_original_source(tmp_path):
    page = tmp_path / "release.html"
    page.write_text(
        '<html lang="en"><head><title>Carbon price rises | Example News</title>'
        '<link rel="canonical" href="https://news.example.org/2024/carbon-price-rises">'
        '<meta property="og:site_name" content="Example News"></head><body><article><h1>Carbon price rises</h1>'
        "<p>The allowance price rose again this week as the cap tightened and auctions cleared higher.</p>"
        "<p>Analysts expect the market stability reserve to absorb more allowances next year.</p></article></body></html>",
        encoding="utf-8",
    )
    doc = derive(extract(page), str(page), sha256="0" * 64, size=0, mtime_ns=0)
    assert doc.url == "https://news.example.org/2024/carbon-price-rises" and doc.sources["url"] == "html-metadata"
    assert doc.publisher == "Example News" and doc.sources["publisher"] == "site"
    assert doc.description.startswith("The allowance price rose again")


# ---------------------------------------------------------------- provenance and confidence


def test_every_value_has_provenance_and_confidence(shared_corpus):
    doc = record(shared_corpus, "real-ets/eu/EC_2024_carbon_market_report_en.pdf")
    for name in ("title", "date", "year", "publisher", "jurisdictions", "description"):
        assert doc.sources[name] and 0 < doc.confidence[name] <= 1, name
    assert doc.title == "Report from the Commission to the European Parliament and the Council on the functioning of the European carbon market in 2023"
    assert (doc.publisher, doc.year) == ("European Commission", 2024)


def test_catalog_values_are_never_listed_for_review(shared_corpus):
    rel = "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf"
    ex = _extracted(rel)
    doc = derive(Extracted(**ex.__dict__), str(shared_corpus / rel), sha256="0" * 64, size=0, mtime_ns=0,
                 entry={"publisher": "University of British Columbia"})
    assert doc.sources["publisher"] == "catalog" and "publisher" not in doc.confidence
    assert not [r for r in review_entries(doc.metadata()) if r["field"] == "publisher"]
