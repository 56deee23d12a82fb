"""Location labels of unpaged documents: the document's own headings."""

from __future__ import annotations

import pytest

from search.extract.text import extract_text
from search.text.sections import heading_label, label_at, section_marks, short_label


@pytest.mark.parametrize(
    "line, label",
    [
        ("Article 1", "Article 1"),
        ("Article 10a", "Article 10a"),
        ("ANNEX I", "Annex I"),
        ("CHAPTER III", "Chapter III"),
        ("§ 5 – Flexibilisierungsinstrumente", "§ 5"),
        ("Artikel 3", "Article 3"),
        ("第五条 全国碳排放权注册登记机构", "第五条"),
        ("Subject matter", None),
        ("124. How will the CBAM work?", None),  # numbered lines are headings only where marked up
    ],
)
def test_structural_headings(line, label):
    assert heading_label(line) == label


def test_marked_headings_give_their_words():
    assert heading_label("124. How will the CBAM work?", marked=True) == "124. How will the CBAM work?"
    long = "Why " + "very " * 30 + "long"
    cut = heading_label(long, marked=True)
    assert cut.endswith("…") and len(cut) <= 80


@pytest.mark.parametrize(
    "label, short",
    [("124. How will the CBAM work?", "124."), ("3.2 Scope", "3.2"), ("Article 12", "Article 12"), ("Einleitung und Zusammenfassung der Ergebnisse", "Einleitung und…")],
)
def test_short_labels(label, short):
    assert short_label(label) == short


def test_marks_follow_the_text_across_parts():
    parts = [
        "HAVE ADOPTED THIS REGULATION:\n\nCHAPTER I\n\nArticle 1\n\nSubject matter\n\n1. This Regulation establishes a mechanism.",
        "Article 10 of Directive 2003/87/EC shall apply to the allowances auctioned under this Regulation and more.\n\nArticle 2\n\nScope",
        "The Regulation applies to goods listed in the annex, with no heading of its own in this part.",
    ]
    marks = section_marks(parts)
    assert [m[1] for m in marks[0]] == ["Chapter I", "Article 1"]
    assert marks[0][1][2] == len("Article 1")  # a heading line, shown as a heading
    # A sentence that starts with "Article 10" is no heading; the part opens under Article 1.
    assert [m[1] for m in marks[1]] == ["Article 1", "Article 2"] and marks[1][0][:1] == [0]
    assert marks[2] == [[0, "Article 2", 0]]
    assert label_at(marks[1], 5) == "Article 1"
    assert label_at(marks[1], len(parts[1]) - 2) == "Article 2"
    assert label_at([], 10) is None


def test_a_table_of_contents_is_not_the_heading():
    parts = ["Contents\n\n1. Why\n2. How\nArticle 1 ........ 4", "1. Why\nBecause.\n\n2. How\nLike this."]
    marks = section_marks(parts, ["1. Why", "2. How"])
    assert marks[0] == []
    assert [(m[1], m[2]) for m in marks[1]] == [("1. Why", 6), ("2. How", 6)]


def test_chinese_articles_start_their_paragraphs():
    marks = section_marks(["第一条 为了规范碳排放权交易。\n\n第二条 本条例适用于全国。"])
    assert [(m[1], m[2]) for m in marks[0]] == [("第一条", 0), ("第二条", 0)]


def test_markdown_headings_keep_their_numbers(tmp_path):
    # A long plain table of contents first, then the "####" headings (as in
    # the Commission's CBAM Q&A): still read as Markdown, headings kept with
    # their numbers, the table of contents not taken for them.
    toc = "\n".join(f"{n}. Question number {n}? ........ {n}" for n in range(1, 400))
    body = "\n\n".join(f"#### {n}. Question number {n}?\n\n- The answer to question {n}." for n in range(1, 6))
    f = tmp_path / "faq.txt"
    f.write_text(f"## Questions and answers\n\n{toc}\n\n{body}\n", encoding="utf-8")
    ex = extract_text(f)
    text = "\n".join(ex.pages)
    assert "####" not in text and "\n3. Question number 3?\n" in text
    assert ex.headings[:2] == ["Questions and answers", "1. Question number 1?"]
    marks = section_marks(ex.pages, ex.headings)
    labels = [m[1] for part in marks for m in part if m[2]]
    assert labels[:3] == ["1. Question number 1?", "2. Question number 2?", "3. Question number 3?"]


def test_markdown_heading_lines_left_in_plain_text_are_headings():
    # Text cached before Markdown was recognised keeps its "####" lines.
    marks = section_marks(["intro\n\n#### 124. How will it work?\n\n- The answer."])
    assert marks == [[[7, "124. How will it work?", len("#### 124. How will it work?")]]]
