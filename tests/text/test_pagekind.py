"""Pages that point elsewhere (contents, glossary, references), found by
their form on the real documents of the shared corpus, and the pages of
text beside them left alone."""

from __future__ import annotations

import pytest

from search.extract import extract
from search.text.pagekind import is_navigation, navigation_pages


@pytest.fixture(scope="module")
def pages_of(shared_corpus):
    cache: dict[str, list[str]] = {}

    def read(rel: str) -> list[str]:
        if rel not in cache:
            cache[rel] = extract(shared_corpus / rel).pages
        return cache[rel]

    return read


@pytest.mark.shared
@pytest.mark.parametrize(
    "rel, nav, text",
    [
        # A report: its contents page and its glossary at the back; the
        # pages on capital alignment and scenario analysis are text.
        ("climate-policy/corporate/BHP_Climate_Transition_Action_Plan_2021.pdf", [2, 23], [11, 19, 24]),
        # Contents with dot leaders.
        ("real-ets/eu/EC_2024_carbon_market_report_en.pdf", [2], [3, 7, 44]),
        # Contents over three pages (numbered headings, no leaders) and the references.
        ("real-ets/us-ca/NearZero_WCI-RULES_model_documentation.pdf", [2, 3, 4, 37], [5, 26, 28, 29]),
        # A list of questions with page numbers, entries wrapped over two lines.
        ("real-ets/eu-text/CBAM_Questions_and_Answers_2024.txt", [2, 5], [12, 30]),
    ],
)
def test_navigation_pages_of_real_documents(pages_of, rel, nav, text):
    found = set(navigation_pages(pages_of(rel)))
    assert set(nav) <= found, sorted(found)
    assert not set(text) & found, sorted(found)


@pytest.mark.shared
@pytest.mark.parametrize(
    "rel, section",
    [
        # A statute's list of sections ("§ 1 – Zweck des Gesetzes", no page
        # numbers) before § 1 itself: the text that answers questions.
        ("more-ets/de-law/TEHG-BJNR0460B0025.md", 1),
        # The last lines of a contents list, then the Introduction.
        ("climate-policy/eu-md/SWD_2023_932_adaptation_progress_member_states.md", 2),
    ],
)
def test_a_list_before_the_text_is_not_a_navigation_page(pages_of, rel, section):
    assert not is_navigation(pages_of(rel)[section - 1])


@pytest.mark.parametrize(
    "text, nav",
    [
        ("Annual Report 2023 12\nGlossary\nAllowance\nA permit to emit one tonne.", True),
        ("5. References\nSmith, J. (2020). Carbon markets. Journal 3, 1-20.", True),
        ("Literaturverzeichnis\nMüller (2019): Emissionshandel.", True),
        ("参考文献\n张三 (2020)", True),
        # Headings in running text, or after the first lines, are not enough.
        ("The references in Article 3 are to the Directive.\nGlossary terms are defined below.", False),
        ("Intro\nMore\nText\nHere\nGlossary\nAllowance: a permit.", False),
        # Numbers at line ends that do not go up are a table, not contents.
        ("Germany 120\nFrance 80\nItaly 95\nSpain 60\nPoland 140\nSweden 20", False),
        ("Introduction 3\nScope 5\nFree allocation 9\nAuctioning 14\nMonitoring 20\nAnnexes 31", True),
        ("", False),
    ],
)
def test_is_navigation(text, nav):
    assert is_navigation(text) is nav
