"""Normalisation, garbage detection and sectioning, on real texts where possible."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.text.normalize import garbage_ratio, is_garbage, normalize, split_sections


# -- normalize ----------------------------------------------------------------


def test_ligatures_and_nfkc():
    assert normalize("ﬁnal eﬀort, ﬂow, oﬃce, baﬄe, ﬅ") == "final effort, flow, office, baffle, st"
    assert normalize("CO₂ ｅｍｉｓｓｉｏｎｓ") == "CO2 emissions"


def test_pdfium_soft_hyphen_marker_joins_words():
    # PDFium removes the line break and puts U+0002 where "-" was.
    assert normalize("and implemen\x02ting a strict") == "and implementing a strict"
    assert normalize("dan\x02gerous for use") == "dangerous for use"


def test_line_end_hyphen_rejoined():
    assert normalize("greenhouse gas emis-\nsions are capped") == "greenhouse gas emissions are capped"
    assert normalize("emis\u00ad\nsions") == "emissions"


def test_real_compounds_keep_hyphen():
    assert normalize("die CO2-\nEmissionen") == "die CO2-Emissionen"
    assert normalize("the EU-\nwide cap") == "the EU-wide cap"
    assert normalize("a market-\nbased measure") == "a market-based measure"
    assert normalize("low-income households; high\x02income earners") == "low-income households; high-income earners"
    # A lower-case continuation is ambiguous; the text decides. Without a
    # hyphenated "Nord-rhein" elsewhere it is a word break (the in-line
    # hyphen of the real compound stays), with one it is a compound.
    assert normalize("Nord-\nrhein-Westfalen") == "Nordrhein-Westfalen"
    assert normalize("Nord-rhein, and later Nord-\nrhein") == "Nord-rhein, and later Nord-rhein"
    assert normalize("2021-\n2030") == "2021-2030"


def test_controls_spaces_and_paragraphs():
    raw = "Title\r\n\r\n\r\nFirst  line\t\x07 \nsecond line   \n\n\n\nNext\u200b para \x00"
    assert normalize(raw) == "Title\n\nFirst line\nsecond line\n\nNext para"


def test_normalize_empty():
    assert normalize("") == ""
    assert normalize(" \n\n ") == ""


# -- garbage --------------------------------------------------------------------

CORPUS_TEXTS = {
    "de": "more-ets/de-law/BEHG-BJNR272800019.md",
    "zh": "real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md",
    "en": "real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt",
}


@pytest.mark.parametrize("lang", sorted(CORPUS_TEXTS))
def test_real_texts_are_not_garbage(shared_corpus: Path, lang: str):
    text = (shared_corpus / CORPUS_TEXTS[lang]).read_text(encoding="utf-8")
    assert garbage_ratio(text) < 0.02
    assert not is_garbage(text)


@pytest.mark.parametrize(
    "text",
    [
        "Привет, мир! Система торговли квотами на выбросы парниковых газов.",
        "Το σύστημα εμπορίας δικαιωμάτων εκπομπών της ΕΕ",
        "مرحبا بالعالم نظام تداول الانبعاثات",
        "電線接続端子部が次のいずれにも該当しないとき。ａ ねじ止め端子であること。",
        "碳排放权交易管理暂行条例 第一条 为了规范碳排放权交易及相关活动",
        "침하게 흐린 품이 눈이 올 듯하더니 눈은 아니 오고",
        "เวกเตอร์ที่มีขนาดเท่ากับ ในข้อดังกล่าว และตั้งฉากกับระนาบที่ผ่าน",
        "2019 2020 2021 2022\n1 234,5 1 301,2 -4,5 % 17.3\n(12) 0.45 99.9 1,000,000",
        "1. Introduction........................................2\n2. State of play ....................3",
    ],
)
def test_real_scripts_and_tables_are_not_garbage(text: str):
    assert not is_garbage(text), garbage_ratio(text)


def test_garbage_kinds():
    assert is_garbage("\ufffd" * 40)
    assert is_garbage("OA OB OC u \uf02b \uf02b \uf03d " * 10)  # private-use (pdf.js issue16263)
    assert is_garbage("Ã©missions Ã  lâ€™Ã©chelle de lâ€™UE sont rÃ©duites")
    assert is_garbage("\x04\x05\x06\x04\x07\x08\t\n\x08\x0b\x0c\x04\x08\r\x04\x0e\x0c\x0f" * 5)
    # Japanese through a wrong ToUnicode map: Greek, Syriac, Gujarati, Lao in one "word".
    assert is_garbage("ϚʔέοτϞσϧ ݩ࣍Ͱઆ໌͢Δ ʮऔҾͰ͖ͳ͍ʯ͕Ϛ Ϋϩࡁܦม ͳͲ Ͱ͋ΔϞσϧΛߟ͑Δ͜ͱ")
    assert is_garbage("͍͋͏͓͑ຊޠ")  # orphan combining marks
    assert is_garbage("#$%&*@!^~<>{}|\\ $%^&*()@#!~<>?/ ^&%$#@!{}[]|;:")
    assert garbage_ratio("") == 0.0


def test_pypdf_garbage_of_hostile_pdfs(shared_corpus: Path):
    """What pypdf extracts from the mojibake files is flagged."""
    pypdf = pytest.importorskip("pypdf")
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    for name in ("pdfjs__vertical.pdf", "pdfjs__issue16538.pdf", "pdfjs__issue9418.pdf", "pdfjs__issue16263.pdf"):
        reader = pypdf.PdfReader(str(shared_corpus / "hostile-pdfs/non-latin" / name))
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert is_garbage(text), (name, garbage_ratio(text))


# -- split_sections ----------------------------------------------------------------


def test_split_sections_sizes_and_boundaries(shared_corpus: Path):
    text = normalize((shared_corpus / CORPUS_TEXTS["en"]).read_text(encoding="utf-8"))
    sections = split_sections(text, 3000)
    assert len(sections) > 20
    assert all(s.strip() for s in sections)
    assert max(len(s) for s in sections) <= 3000 * 1.5
    words = text.split()
    assert sum(len(s.split()) for s in sections) == len(words)  # nothing lost, no word cut
    assert " ".join(" ".join(s.split()) for s in sections) == " ".join(words)


def test_split_sections_chinese_without_spaces(shared_corpus: Path):
    text = normalize((shared_corpus / CORPUS_TEXTS["zh"]).read_text(encoding="utf-8"))
    sections = split_sections(text, 1000)
    assert len(sections) >= 3
    assert "".join("".join(s.split()) for s in sections) == "".join(text.split())


def test_split_sections_small_and_empty():
    assert split_sections("") == []
    assert split_sections("\n\n  \n") == []
    assert split_sections("One paragraph.") == ["One paragraph."]
    long_word = "x" * 10000
    parts = split_sections(long_word, 3000)
    assert "".join(parts) == long_word and all(parts)


def test_the_quick_clean_verdict_never_hides_garbage(shared_corpus):
    """looks_clean() skips the per-character check; on every page of the
    real and hostile PDFs it may only say "clean" where the full check agrees."""
    import pypdfium2 as pdfium

    from search.text.normalize import garbage_ratio, looks_clean

    checked = 0
    for pdf in sorted(shared_corpus.glob("real-ets/**/*.pdf")) + sorted(shared_corpus.glob("hostile-pdfs/**/*.pdf")):
        try:
            doc = pdfium.PdfDocument(str(pdf))
        except Exception:  # noqa: BLE001 - unreadable hostile files are not the point here
            continue
        for i in range(min(len(doc), 40)):
            try:
                text = doc[i].get_textpage().get_text_bounded()
            except Exception:  # noqa: BLE001
                continue
            if looks_clean(text):
                assert garbage_ratio(text) < 0.25, (pdf.name, i + 1)
                checked += 1
        doc.close()
    assert checked > 200
