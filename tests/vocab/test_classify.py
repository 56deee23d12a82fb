"""Document type and topic rules, applied to real documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.support.realtext import read_pages
from bs4 import BeautifulSoup

from search.vocab import classify
from search.text.datafile import DataFileError
from search.model import DOC_TYPES




def describe(shared: Path, rel: str, *, title: str | None = None, path: str | None = None) -> dict:
    """The arguments an ingest pipeline would pass for a corpus file."""
    file = shared / rel
    pages = read_pages(file)
    text = "\n".join(pages)
    if title is None:
        if file.suffix == ".html":
            soup = BeautifulSoup(file.read_text(encoding="utf-8", errors="replace"), "html.parser")
            title = soup.title.get_text() if soup.title else ""
        else:
            title = next((ln.strip("#*` ").strip() for ln in pages[0].splitlines() if ln.strip("#*` ").strip()), "")
    kind = {".pdf": "pdf", ".html": "html"}.get(file.suffix, "text")
    return dict(title=title, text=text, path=rel if path is None else path, kind=kind,
                page_count=len(pages), words_per_page=len(text.split()) / max(len(pages), 1))


def doc_type_of(shared: Path, rel: str, **kw: str) -> str:
    return classify.doc_type(**describe(shared, rel, **kw))


def topics_of(shared: Path, rel: str) -> list[str]:
    d = describe(shared, rel)
    return classify.topics(title=d["title"], text=d["text"])


# ---------------------------------------------------------------- the data files


def test_types_match_the_model() -> None:
    rules = classify.load_rules()
    assert set(rules.type_labels) == set(DOC_TYPES)
    assert classify.type_label("working paper") == "Working paper"
    assert classify.type_label("guide") == "Guide / handbook"
    assert classify.type_label("unheard-of") == "unheard-of"


def test_topics_file() -> None:
    rules = classify.load_rules()
    required = {"scope", "cap", "allocation", "auctioning", "offsets", "market-stability", "mrv", "compliance",
                "linking", "revenue", "carbon-leakage", "aviation", "maritime", "power", "industry",
                "buildings-transport", "agriculture-forestry"}
    assert required <= set(rules.topics)
    assert classify.topic_label("mrv") == "Monitoring, reporting and verification"
    assert classify.topic_label("carbon-leakage") == "Carbon leakage and CBAM"
    assert classify.topic_label("unheard-of") == "unheard-of"


# ---------------------------------------------------------------- document types, real documents


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("real-ets/eu/CELEX_32023L0959_EN_TXT.pdf", "legislation"),
        ("real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf", "legislation"),
        ("real-ets/eu-text/CELEX_32023R0956_EN_TXT.txt", "legislation"),
        ("real-ets/eu-text/CELEX_32023R0957_EN_TXT.txt", "legislation"),
        ("real-ets/eu-text/CELEX_02018R2066-20210101_EN_TXT.txt", "legislation"),
        ("real-ets/eu-text/CELEX_32023D0136_EN_TXT.txt", "legislation"),
        ("real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md", "legislation"),
        ("real-ets/eu/EC_2024_carbon_market_report_en.pdf", "report"),
        ("real-ets/de/DIW_Weekly_Report_2024-43-44_Carbon_pricing_climate_dividend.pdf", "report"),
        ("real-ets/us-ca/NearZero_WCI-RULES_model_documentation.pdf", "report"),
        ("real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf", "working paper"),
        ("real-ets/ca-ab/Ojo_2026_Carbon_Pricing_Co-Abatement_Alberta_slides.pdf", "presentation"),
        ("real-ets/eu-text/EU_ETS_Guidance_Document_0_Annex_I_2024.md.txt", "guide"),
        ("real-ets/eu-text/CBAM_Questions_and_Answers_2024.txt", "guide"),
        ("real-ets/news/CLEW_Understanding_the_EU_ETS_2024-05-23.txt", "news"),
    ],
)
def test_doc_type(shared_corpus: Path, rel: str, expected: str) -> None:
    assert doc_type_of(shared_corpus, rel) == expected


def test_nz_press_releases_are_news(shared_corpus: Path) -> None:
    files = sorted((shared_corpus / "real-ets/news-html/nz").glob("*.html"))
    assert len(files) >= 40
    types = {f.name: doc_type_of(shared_corpus, str(f.relative_to(shared_corpus))) for f in files}
    assert {n: t for n, t in types.items() if t != "news"} == {}


def test_nz_press_release_is_news_without_the_folder_hint(shared_corpus: Path) -> None:
    rel = "real-ets/news-html/nz/2008-05-06_green-party_greens-will-not-support-a-gutless-ets.html"
    assert doc_type_of(shared_corpus, rel, path="library/greens.html") == "news"


def test_content_decides_without_path_hints(shared_corpus: Path) -> None:
    wp = "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf"
    slides = "real-ets/ca-ab/Ojo_2026_Carbon_Pricing_Co-Abatement_Alberta_slides.pdf"
    assert doc_type_of(shared_corpus, wp, path="ojo2025.pdf") == "working paper"
    assert doc_type_of(shared_corpus, slides, path="ojo2026.pdf") == "presentation"
    directive = "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf"
    assert doc_type_of(shared_corpus, directive, title="", path="x.pdf") == "legislation"


def test_defaults() -> None:
    blank = dict(title="", text="", path="", page_count=1, words_per_page=300.0)
    assert classify.doc_type(kind="html", **blank) == "other"
    long_pdf = dict(blank, page_count=40)
    assert classify.doc_type(kind="pdf", **long_pdf) == "report"
    assert classify.doc_type(kind="csv", **blank) == "dataset"
    assert classify.doc_type(kind="pptx", **blank) == "presentation"
    assert classify.doc_type(kind="pdf", **dict(blank, path="events/2024_ICAP_slides.pdf")) == "presentation"
    assert classify.doc_type(kind="pdf", **dict(blank, path="press/2024-05-01.html")) == "news"


# ---------------------------------------------------------------- topics, real documents


def test_topics_eu_directive_2023_959(shared_corpus: Path) -> None:
    found = topics_of(shared_corpus, "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf")
    assert {"allocation", "market-stability", "maritime", "buildings-transport", "auctioning"} <= set(found)
    assert "agriculture-forestry" not in found


def test_topics_cbam_regulation(shared_corpus: Path) -> None:
    found = topics_of(shared_corpus, "real-ets/eu-text/CELEX_32023R0956_EN_TXT.txt")
    assert found[0] == "carbon-leakage"
    assert "maritime" not in found and "aviation" not in found


def test_topics_maritime_mrv_regulation(shared_corpus: Path) -> None:
    found = topics_of(shared_corpus, "real-ets/eu-text/CELEX_32023R0957_EN_TXT.txt")
    assert found[:2] == ["maritime", "mrv"]
    assert "carbon-leakage" not in found


def test_topics_other_documents(shared_corpus: Path) -> None:
    assert topics_of(shared_corpus, "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf")[0] == "aviation"
    assert "mrv" in topics_of(shared_corpus, "real-ets/eu-text/CELEX_02018R2067-20210101_EN_TXT.txt")[:1]
    assert "revenue" in topics_of(shared_corpus, "real-ets/de/DIW_Weekly_Report_2024-43-44_Carbon_pricing_climate_dividend.pdf")
    wci = topics_of(shared_corpus, "real-ets/us-ca/NearZero_WCI-RULES_model_documentation.pdf")
    assert {"auctioning", "linking", "market-stability"} <= set(wci)
    prc = topics_of(shared_corpus, "real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md")
    assert {"mrv", "compliance"} <= set(prc)


def test_topics_title_counts_more() -> None:
    text = "The scheme was discussed at length. " * 200
    assert classify.topics(title="", text=text) == []
    assert classify.topics(title="Aviation in the EU ETS", text=text) == ["aviation"]
    assert classify.topics(title="", text="") == []


def test_topics_capped_and_ordered(shared_corpus: Path) -> None:
    rules = classify.load_rules()
    found = topics_of(shared_corpus, "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf")
    assert len(found) <= rules.scoring["max_topics"]
    assert found[0] == "maritime"  # by far the densest topic of the 2023 reform


# ---------------------------------------------------------------- malformed files


DOCTYPES_OK = """
types: [{id: legislation, label: Law}, {id: other, label: Other}]
default: other
rules:
  - {type: legislation, where: [title], patterns: [Act], weight: 3}
"""
TOPICS_OK = "topics:\n- {id: t, label: T, keywords: [foo]}\n"


def write(tmp_path: Path, doctypes: str = DOCTYPES_OK, topics: str = TOPICS_OK) -> tuple[Path, Path]:
    d, t = tmp_path / "doctypes.yaml", tmp_path / "topics.yaml"
    d.write_text(doctypes, encoding="utf-8")
    t.write_text(topics, encoding="utf-8")
    return d, t


def test_custom_rule_files(tmp_path: Path) -> None:
    rules = classify.load_rules(*write(tmp_path))
    args = dict(text="", path="", kind="text", page_count=1, words_per_page=100.0, rules=rules)
    assert classify.doc_type(title="Clean Air Act", **args) == "legislation"
    assert classify.doc_type(title="Clean air", **args) == "other"
    assert classify.topics(title="", text="foo " * 10, rules=rules) == ["t"]


@pytest.mark.parametrize(
    ("doctypes", "topics", "message"),
    [
        ("types: [\n", TOPICS_OK, r"doctypes.yaml: not valid YAML"),
        (DOCTYPES_OK.replace("type: legislation, where", "type: law, where"), TOPICS_OK, r"entry 1: type 'law' is not one of"),
        (DOCTYPES_OK.replace("where: [title]", "where: [cover]"), TOPICS_OK, r"entry 1: 'where' must list places"),
        (DOCTYPES_OK.replace("patterns: [Act]", "patterns: []"), TOPICS_OK, r"entry 1: 'patterns' must not be empty"),
        (DOCTYPES_OK.replace("patterns: [Act]", "patterns: ['(Act'], regex: true"), TOPICS_OK,
         r"entry 1: pattern '\(Act' is not a valid regular expression"),
        (DOCTYPES_OK.replace("weight: 3", "weight: heavy"), TOPICS_OK, r"entry 1: 'weight' must be a number"),
        (DOCTYPES_OK.replace("default: other", "default: misc"), TOPICS_OK, r"'default' and 'long_pdf.type' must be"),
        (DOCTYPES_OK, "topics:\n- {id: t, label: T}\n", r"topics.yaml: entry 1 \(id 't'\): 'keywords' must be"),
        (DOCTYPES_OK, "topics:\n- {id: t, label: T, keywords: [foo], colour: red}\n", r"entry 1 \(id 't'\): unknown key"),
        (DOCTYPES_OK, TOPICS_OK + "- {id: t, label: U, keywords: [bar]}\n", r"entry 2 \(id 't'\): duplicate id"),
        (DOCTYPES_OK, TOPICS_OK + "scoring: {min_hits: lots}\n", r"scoring: min_hits must be a non-negative number"),
    ],
)
def test_malformed_rule_files_are_named(tmp_path: Path, doctypes: str, topics: str, message: str) -> None:
    d, t = write(tmp_path, doctypes, topics)
    with pytest.raises(DataFileError, match=message) as info:
        classify.load_rules(d, t)
    assert str(tmp_path) in str(info.value)


def test_joined_rule_patterns_find_what_each_pattern_finds() -> None:
    """A rule's patterns are searched as one alternation; on the sample
    corpus and on phrases built from the patterns themselves it fires
    exactly when one of them does."""
    rules = classify.load_rules()
    root = Path(__file__).resolve().parents[2] / "corpus"
    texts = [p.read_text("utf-8")[:5000] for p in sorted(root.glob("*/*.txt")) + sorted(root.glob("*/*.md"))]
    texts += ["Guidance Document on benchmarks", "Press-Release: caps", "a Working  Paper", "working paperless",
              "Gesetz über den Handel", "Klimaschutzgesetz", "Abstract\nKeywords", "12 / 40", "Outline", "演示"]
    joined = [r for r in rules.type_rules if r.combined is not None]
    assert len(joined) >= 20
    for rule in joined:
        for text in texts:
            assert bool(rule.combined.search(text)) == any(p.search(text) for p in rule.patterns), (rule.type, text[:40])
