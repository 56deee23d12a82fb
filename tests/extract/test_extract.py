"""Extractors on real documents (shared corpus) and on small made-up files."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from search.extract import SUPPORTED_SUFFIXES, extract
from search.model import ExtractionError

ERROR_CODES = {"encrypted", "scanned", "garbage", "broken", "empty", "too-large"}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _manifest(corpus: Path) -> dict[str, dict[str, str]]:
    with open(corpus / "MANIFEST.tsv", encoding="utf-8", newline="") as f:
        return {row["local_path"]: row for row in csv.DictReader(f, delimiter="\t")}


# -- dispatch -------------------------------------------------------------------


def test_unsupported_suffix(tmp_path: Path):
    p = tmp_path / "report.docx"
    p.write_bytes(b"PK\x03\x04")
    with pytest.raises(ExtractionError) as e:
        extract(p)
    assert e.value.code == "unsupported"
    assert e.value.reason == "unsupported file type .docx"
    assert {".pdf", ".html", ".htm", ".xhtml", ".txt", ".md", ".markdown", ".text", ".rst"} <= SUPPORTED_SUFFIXES


# -- PDF: real documents ----------------------------------------------------------


def test_real_ets_pdf_page_counts(shared_corpus: Path):
    manifest = _manifest(shared_corpus)
    pdfs = sorted((shared_corpus / "real-ets").glob("*/*.pdf"))
    assert pdfs
    for pdf in pdfs:
        rel = pdf.relative_to(shared_corpus).as_posix()
        ex = extract(pdf)
        assert ex.kind == "pdf" and ex.paged and ex.extractor == "pypdfium2"
        assert len(ex.pages) == int(manifest[rel]["pdf_pages"]), rel
        assert all("\x02" not in p and "\ufb01" not in p for p in ex.pages)


@pytest.mark.parametrize(
    ("path", "page", "phrase"),
    [
        (
            "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf",
            5,
            "allowances to be allocated to aircraft operators shall be equivalent to 97 % of the historical aviation emissions",
        ),
        (
            "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf",
            10,
            "Member States are encouraged to increase the use of EU ETS revenues",
        ),
        ("real-ets/eu/EC_2024_carbon_market_report_en.pdf", 1, "on the functioning of the European carbon market in 2023"),
    ],
)
def test_phrase_on_its_page(shared_corpus: Path, path: str, page: int, phrase: str):
    ex = extract(shared_corpus / path)
    hits = [i + 1 for i, text in enumerate(ex.pages) if phrase in _flat(text)]
    assert hits and hits[0] == page


def test_hyphens_and_ligatures_normalised(shared_corpus: Path):
    ex = extract(shared_corpus / "hostile-pdfs/control/pdfjs__tracemonkey.pdf")
    first = _flat(ex.pages[0])
    assert "more difficult to compile than statically" in first  # "com-\npile" rejoined
    assert "dynamically-typed" in first  # a real compound keeps its hyphen
    ex = extract(shared_corpus / "real-ets/de/DIW_Weekly_Report_2024-43-44_Carbon_pricing_climate_dividend.pdf")
    text = _flat(" ".join(ex.pages))
    assert "high-income earners" in text and "highincome" not in text
    assert "trading system" in text and "trad ing" not in text


def test_pdf_metadata_carbon_market_report(shared_corpus: Path):
    ex = extract(shared_corpus / "real-ets/eu/EC_2024_carbon_market_report_en.pdf")
    assert ex.date == "2024-11-19"  # /CreationDate D:20241119105016+01'00'
    assert ex.title is None  # the file has no /Title; the caller falls back to its own rules
    assert ex.language == "fr"  # what /Lang declares (fr-BE), wrongly: language.py decides
    assert ex.outline[0] == ("1. Introduction", 3)
    assert ("14. Summary", ex.outline[-1][1]) in ex.outline
    assert ex.page_labels is None  # labels are 1..N


def test_pdf_metadata_title_author_labels(shared_corpus: Path):
    ex = extract(shared_corpus / "climate-policy/corporate/Rio_Tinto_Climate_Change_Report_2023.pdf")
    assert ex.title == "Climate Change Report 2023"
    assert ex.authors == ["Rio Tinto"]
    assert ex.description == "Climate Change Report 2023"
    assert ex.date == "2024-03-19"
    assert ex.language == "en"
    assert ex.page_labels[:3] == ["COVa", "COVb", "1"]
    ex = extract(shared_corpus / "real-ets/de/DIW_Weekly_Report_2024-43-44_Carbon_pricing_climate_dividend.pdf")
    assert ex.page_labels[0] == "251" and len(ex.page_labels) == len(ex.pages)
    assert ex.authors == ["DIW Berlin"]
    # Producer junk is not a title.
    ex = extract(shared_corpus / "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf")
    assert ex.title is None  # /Title is "CL2003L0087EN0100010.0001_cp 1..1"


def test_pdfium_reads_every_page(shared_corpus: Path, monkeypatch: pytest.MonkeyPatch):
    """Sound PDFs take the fast path: PDFium reads every page and pypdf
    (about 20 times slower) re-reads none. (Speed is measured in scripts/bench.)"""
    from search.extract import pdf

    reread: list[int] = []
    page_text = pdf._pypdf_page_text
    monkeypatch.setattr(pdf, "_pypdf_page_text", lambda reader, i: (reread.append(i), page_text(reader, i))[1])
    paths = sorted((shared_corpus / "real-ets/eu").glob("*.pdf"))
    assert paths
    for p in paths:
        ex = extract(p)
        assert ex.extractor == "pypdfium2" and ex.pages, p.name
    assert reread == []


# -- PDF: the hostile set -----------------------------------------------------------

EXPECTED = {
    # Pages 2-22 use a font without any Unicode map: PDFium gives glyph
    # codes, pypdf glyph names ("/g135/g136"): unreadable either way. Pages
    # 1 and 23 read cleanly, and garbage is judged page by page: kept.
    "control/pdfjs__TAMReview.pdf": None,
    "control/pdfjs__tracemonkey.pdf": None,
    "encrypted/pypdf__r2-empty-password.pdf": None,
    "encrypted/pypdf__r3-empty-password.pdf": None,
    "encrypted/pypdf__r5-empty-password.pdf": None,
    "encrypted/pypdf__r6-owner-password.pdf": None,
    "encrypted/pypdf__r4-aes-user-password.pdf": "encrypted",
    "encrypted/sample-files__libreoffice-writer-password.pdf": "encrypted",
    "encrypted/qpdf__bad-encryption-length.pdf": "encrypted",
    "image-only/pdfjs__issue13372.pdf": "scanned",
    "image-only/pdfjs__issue7229.pdf": "scanned",
    "image-only/pdfjs__scan-bad.pdf": "scanned",
    "image-only/pypdf__Seige_of_Vicksburg_Sample_OCR.pdf": None,  # has an OCR layer
    "non-latin/pdfjs__issue16263.pdf": "garbage",
    "non-latin/pdfjs__issue16538.pdf": None,  # PDFium decodes it (pypdf does not)
    "non-latin/pdfjs__vertical.pdf": None,
    "non-latin/pdfjs__issue9418.pdf": None,
    "malformed/qpdf__empty.pdf": "empty",
    "malformed/qpdf__bad1.pdf": "broken",
    "malformed/qpdf__bad7.pdf": "broken",
    "malformed/qpdf__bad35.pdf": "broken",
    "malformed/qpdf__deep-pages.pdf": "broken",
    "malformed/qpdf__pages-loop.pdf": None,
    "malformed/qpdf__outlines-with-loop.pdf": None,
}
# ~11 s in pypdf (PDFium lacks Brotli): covered by the pool test with a timeout.
SLOW = {"malformed/pdfjs__Brotli-Prototype-FileA.pdf"}


def _hostile(corpus: Path) -> list[str]:
    return sorted(p.relative_to(corpus / "hostile-pdfs").as_posix() for p in (corpus / "hostile-pdfs").glob("*/*.pdf"))


def _outcome(path: Path) -> str | None:
    try:
        ex = extract(path)
    except ExtractionError as e:
        assert e.code in ERROR_CODES, (path.name, e.code)
        assert e.reason and "\n" not in e.reason and len(e.reason) <= 200
        return e.code
    assert ex.kind == "pdf" and ex.pages
    assert all("\x02" not in p for p in ex.pages)
    return None


def test_hostile_pdfs_fail_cleanly(shared_corpus: Path):
    names = [n for n in _hostile(shared_corpus) if n not in SLOW]
    assert len(names) >= 70
    outcomes = {n: _outcome(shared_corpus / "hostile-pdfs" / n) for n in names}
    for name, code in EXPECTED.items():
        assert outcomes[name] == code, name


def test_empty_password_pdf_opens(shared_corpus: Path):
    ex = extract(shared_corpus / "hostile-pdfs/encrypted/pypdf__r5-empty-password.pdf")
    assert "pdf encryption test" in ex.pages[0]


def test_garbage_document_refused(shared_corpus: Path):
    with pytest.raises(ExtractionError) as e:
        extract(shared_corpus / "hostile-pdfs/non-latin/pdfjs__issue16263.pdf")
    assert e.value.code == "garbage"
    assert re.fullmatch(r"text is unreadable \(mojibake/private-use characters on 1 of 1 pages\)", e.value.reason)


def test_garbage_is_judged_page_by_page(shared_corpus: Path):
    """Issue 14: the clean pages of a mostly unreadable PDF are kept."""
    ex = extract(shared_corpus / "hostile-pdfs/control/pdfjs__TAMReview.pdf")
    assert len(ex.pages) == 23
    assert ex.pages[0].startswith("Working Papers on Information Systems") and "Working Papers" in ex.pages[22]
    assert not any(p.strip() for p in ex.pages[1:22])
    assert any("garbage text blanked on pages 2" in w for w in ex.warnings)


def test_garbage_pages_blanked(tmp_path: Path, shared_corpus: Path):
    """One garbage page among good ones is blanked, page numbers stay."""
    from search.extract import pdf as pdfmod

    pages = pdfmod._Pages(texts=["Good text on page one. " * 5, "\uf02b\uf03d\ufffd" * 30, "Good text on page three. " * 5], extractor="pypdf")
    notes: list[str] = []
    pdfmod._repair_garbage(pages, pdfmod._LazyReader(tmp_path / "none.pdf"), notes)
    assert pages.texts[1] == "" and pages.texts[0] and pages.texts[2]
    assert notes == ["garbage text blanked on page 2"]


def test_too_large(shared_corpus: Path):
    with pytest.raises(ExtractionError) as e:
        extract(shared_corpus / "hostile-pdfs/large/pdfjs__pdkids.pdf", max_pages=10)
    assert e.value.code == "too-large"


def test_not_a_pdf(tmp_path: Path):
    p = tmp_path / "fake.pdf"
    p.write_text("<html>not a pdf</html>")
    with pytest.raises(ExtractionError) as e:
        extract(p)
    assert e.value.code == "broken" and e.value.reason.startswith("broken PDF:")


def test_parser_warnings_do_not_reach_the_terminal(shared_corpus: Path, capfd: pytest.CaptureFixture[str]):
    for name in ("malformed/qpdf__bad2.pdf", "malformed/qpdf__xref-errors.pdf", "malformed/qpdf__issue-202.pdf"):
        _outcome(shared_corpus / "hostile-pdfs" / name)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# -- HTML -------------------------------------------------------------------------

NZ = "real-ets/news-html/nz/"
NZ_RELEASES = {
    "2024-06-19_mcguinness-institute_exposing-risks-hiding-in-plain-sight-accounting-for-offshore-carbon-credits-mcguinness-institute.html": (
        "Accounting for climate risk is a complex and emerging area of financial reporting.",
        "Exposing ‘Risks Hiding In Plain Sight’ – Accounting For Offshore Carbon Credits: McGuinness Institute",
        "2024-06-19",
    ),
    "2009-09-21_new-zealand-labour-party_goff-auckland-rotary-lunch.html": (
        "Today I would like to talk to you about jobs and families.",
        "Goff: Auckland Rotary Lunch",
        "2009-09-21",
    ),
    "2001-12-07_nzier_government-kyoto-research-programme-critique.html": (
        "Our overall conclusion is that the government is embarking on a major policy initiative",
        "Government Kyoto Research Programme Critique",
        "2001-12-07",
    ),
    "2008-05-06_green-party_greens-will-not-support-a-gutless-ets.html": (
        "The Government will have to look to the National party to support its Emissions Trading legislation",
        "Greens will not support a gutless ETS",
        "2008-05-06",
    ),
}
CHROME = (
    "We Are The University",
    "Reading Groups",
    "Advertisement - scroll to continue reading",
    "a.supporter:hover",
    "Using Scoop for work?",
    "Ethical Paywall",
    "Join Pro Individual",
    "on InfoPages",
    "© Scoop Media",
    "GMT+1",
)


@pytest.mark.parametrize("name", sorted(NZ_RELEASES))
def test_nz_release_text_without_chrome(shared_corpus: Path, name: str):
    from bs4 import BeautifulSoup

    sentence, title, date = NZ_RELEASES[name]
    path = shared_corpus / NZ / name
    ex = extract(path)
    assert ex.kind == "html" and not ex.paged and ex.extractor == "bs4"
    assert ex.title == title
    assert ex.date == date
    assert ex.language == "en"
    text = "\n\n".join(ex.pages)
    assert sentence in _flat(text)
    for chrome in CHROME:
        assert chrome not in text, chrome
    visible = len(BeautifulSoup(path.read_bytes(), "html.parser").get_text(" ", strip=True))
    assert 0.6 * visible < len(text) < visible  # chrome gone, the release kept
    assert "\n\n" in text  # paragraph breaks kept


def test_all_nz_releases_extract(shared_corpus: Path):
    for path in sorted((shared_corpus / NZ).glob("*.html")):
        ex = extract(path)
        text = "\n\n".join(ex.pages)
        assert ex.title and ex.date and ex.date == path.name[:10], path.name
        assert "Using Scoop for work?" not in text and "Advertisement - scroll" not in text, path.name


def test_html_metadata(tmp_path: Path):
    p = tmp_path / "a.html"
    p.write_text(
        """<!doctype html><html lang="de-DE"><head><title>Ignored | Site</title>
        <meta name="citation_title" content="Emissionshandel in Europa">
        <meta name="citation_author" content="Erika Muster">
        <meta name="citation_author" content="Max Beispiel">
        <meta name="citation_publication_date" content="2023/05/10">
        <meta property="og:site_name" content="Beispiel-Institut">
        <meta name="keywords" content="ETS, CO2-Preis">
        </head><body><nav><a href="/">Start</a><a href="/x">Menü</a></nav>
        <div class="cookie-banner">Wir verwenden Cookies. <button>OK</button></div>
        <article><h1>Emissionshandel in Europa</h1><p>Der europäische Emissionshandel begrenzt die Emissionen.</p>
        <p>Zweiter Absatz<br>mit Zeilenumbruch.</p><div class="share-buttons">Teilen</div></article>
        <aside><h3>Ähnliche Artikel</h3><ul><li>Anderes</li></ul></aside>
        <footer>Impressum</footer><script>var x = 1;</script></body></html>""",
        encoding="utf-8",
    )
    ex = extract(p)
    assert ex.title == "Emissionshandel in Europa"
    assert ex.authors == ["Erika Muster", "Max Beispiel"]
    assert ex.date == "2023-05-10"
    assert ex.site == "Beispiel-Institut" and ex.publisher is None  # a site name, not a publisher statement
    assert ex.language == "de"
    assert ex.keywords == ["ETS", "CO2-Preis"]
    text = "\n\n".join(ex.pages)
    assert "Der europäische Emissionshandel begrenzt die Emissionen." in text
    assert "Zweiter Absatz\nmit Zeilenumbruch." in text
    for junk in ("Start", "Menü", "Cookies", "Teilen", "Ähnliche", "Impressum", "var x"):
        assert junk not in text


def test_html_title_suffix_and_density_fallback(tmp_path: Path):
    p = tmp_path / "b.htm"
    body = "".join(f"<p>Paragraph {i} about the carbon market and its allowance prices in detail.</p>" for i in range(20))
    p.write_text(
        f"<html><head><title>Carbon prices rise again | Scoop News</title>"
        f'<meta property="article:published_time" content="2021-03-04T10:00:00Z"></head>'
        f'<body><div id="top"><a href="/">Home</a> <a href="/news">News</a></div>'
        f'<div class="c1"><div class="c2">{body}</div></div><div>Contact us</div></body></html>',
        encoding="utf-8",
    )
    ex = extract(p)
    assert ex.title == "Carbon prices rise again"
    assert ex.date == "2021-03-04"
    text = "\n\n".join(ex.pages)
    assert "Paragraph 19" in text and "Home" not in text and "Contact us" not in text


def test_empty_html(tmp_path: Path):
    p = tmp_path / "e.html"
    p.write_text("<html><body><script>x()</script></body></html>")
    with pytest.raises(ExtractionError) as e:
        extract(p)
    assert e.value.code == "empty"


# -- text and markdown -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "title", "date"),
    [
        ("real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md", "碳排放权交易管理暂行条例", None),
        ("more-ets/de-law/BEHG-BJNR272800019.md", "Gesetz über einen nationalen Zertifikatehandel für Brennstoffemissionen (Brennstoffemissionshandelsgesetz - BEHG)", "2019-12-12"),
        ("real-ets/news/CLEW_Understanding_the_EU_ETS_2024-05-23.txt", "Understanding the European Union’s Emissions Trading Systems (EU ETS)", "2024-05-23"),
        ("real-ets/eu-text/CELEX_02003L0087-20230605_EN_TXT.md", "DIRECTIVE 2003/87/EC OF THE EUROPEAN PARLIAMENT AND OF THE COUNCIL", None),
        # No level-1 heading: the title is the ingest's to find (tests/ingest/test_records.py).
        ("real-ets/eu-text/CBAM_Questions_and_Answers_2024.txt", None, None),
        ("real-ets/eu-text/EU_ETS_Guidance_Document_0_Annex_I_2024.md.txt",
         "Guidance on Interpretation of Annex I of the EU ETS Directive (excl. aviation and maritime activities)", None),
    ],
)
def test_text_titles(shared_corpus: Path, path: str, title: str, date: str | None):
    ex = extract(shared_corpus / path)
    assert ex.kind == "text" and not ex.paged
    assert ex.title == title
    if date:
        assert ex.date == date
    assert all(0 < len(s) <= 4500 for s in ex.pages)


def test_markdown_stripped(shared_corpus: Path):
    ex = extract(shared_corpus / "real-ets/eu-text/CELEX_02003L0087-20230605_EN_TXT.md")
    text = "\n\n".join(ex.pages)
    assert "](" not in text and "\n# " not in text and "**" not in text
    assert "greenhouse gas emission allowance trading" in _flat(text)
    ex = extract(shared_corpus / "real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md")
    text = "\n\n".join(ex.pages)
    assert "第一条" in text and "**" not in text
    assert "为了规范碳排放权交易及相关活动" in text


def test_website_markdown_chrome_dropped(shared_corpus: Path):
    ex = extract(shared_corpus / "climate-policy/eu-md/EC_news_climate_law_2040_2025-07-02.md")
    text = "\n\n".join(ex.pages)
    for chrome in ("Skip to main content", "Accept all cookies", "This site uses cookies", "cookies policy page"):
        assert chrome not in text
    assert "The EU Climate Law entered into force in July 2021." in text
    ex = extract(shared_corpus / "climate-policy/eu-md/EUR-Lex_Regulation_2021_1119_European_Climate_Law.md")
    text = "\n\n".join(ex.pages)
    assert "recital 25" not in text  # the link-list table of contents


def test_markdown_front_matter_and_inline(tmp_path: Path):
    p = tmp_path / "note.md"
    p.write_text(
        "---\ntitle: \"ETS notes\"\ndate: 2022-03-04\nauthor: [Ann Lee, Bo Chen]\n---\n\n"
        "# Heading one\n\nSome *emphasis*, **bold** and a [link](https://example.org/x_(y)) "
        "and ![img](pic.png) and `code` and snake_case_name.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<b>tag</b> text\n",
        encoding="utf-8",
    )
    ex = extract(p)
    assert ex.title == "ETS notes" and ex.date == "2022-03-04" and ex.authors == ["Ann Lee", "Bo Chen"]
    text = ex.pages[0]
    assert "Heading one" in text and "#" not in text
    assert "Some emphasis, bold and a link and and code and snake_case_name." in text
    assert "img" not in text and "https" not in text
    assert "a\tb\n1\t2" in text  # table rows kept as text
    assert "tag text" in text


def test_plain_text_encodings(tmp_path: Path):
    p = tmp_path / "latin.txt"
    p.write_bytes("Émissions de CO2 — système européen\n\nDeuxième paragraphe.".encode("cp1252"))
    ex = extract(p)
    # A plain text file has no title of its own: the ingest's title rules
    # read its first lines like any other document's.
    assert ex.title is None and ex.pages[0].startswith("Émissions de CO2 — système européen")
    assert any("decoded as" in w for w in ex.warnings)
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbfTitle line\n\nBody.")
    assert extract(bom).pages[0].startswith("Title line")
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    with pytest.raises(ExtractionError) as e:
        extract(empty)
    assert e.value.code == "empty"
