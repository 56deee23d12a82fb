"""The gold-record scorer behind scripts/metadata-report, on small tables."""

from __future__ import annotations

import pytest

from benchlib.metadata import fold_text, load_gold, score

GOLD = {
    "a.pdf": {"path": "a.pdf", "title": "Directive (EU) 2023/959 of the European Parliament", "title_also": ["Directive (EU) 2023/959"],
              "year": 2023, "jurisdictions": ["EU", "EU-ETS2"], "type": "legislation",
              "publisher": "Publications Office of the European Union", "publisher_also": ["EUR-Lex"],
              "topics": ["cap", "maritime"], "family": "celex-32023L0959"},
    "a.txt": {"path": "a.txt", "title": "Directive (EU) 2023/959 of the European Parliament", "year": 2023,
              "jurisdictions": ["EU", "EU-ETS2"], "type": "legislation", "publisher": "Publications Office of the European Union",
              "topics": ["cap"], "family": "celex-32023L0959"},
    "b.html": {"path": "b.html", "title": "Press release: ETS review", "year": 2008, "jurisdictions": ["NZ"],
               "type": "news", "publisher": None, "topics": [], "family": "b"},
}


def test_a_perfect_record_set_scores_one() -> None:
    records = {p: dict(g) for p, g in GOLD.items()}
    sc = score(records, GOLD)
    assert all(v == 1.0 for v in sc.figures().values()), sc.figures()
    assert sc.misses == []


def test_each_field_is_checked_and_the_misses_say_what_was_wrong() -> None:
    records = {
        "a.pdf": {"title": "directive (EU) 2023/959", "year": 2023, "jurisdictions": ["EU-ETS2", "EU"], "type": "legislation",
                  "publisher": "eur-lex", "topics": ["cap", "aviation"], "family": "x"},
        "a.txt": {"title": "Europa EUR-Lex home", "year": 2024, "jurisdictions": ["EU"], "type": "report",
                  "publisher": "European Commission", "topics": ["cap"], "family": "y"},
        "b.html": {"title": "Press release:  ETS review.", "year": 2008, "jurisdictions": ["NZ"], "type": "news",
                   "publisher": "Scoop", "topics": [], "family": "b"},
    }
    sc = score(records, GOLD)
    assert sc.right == {"title": 2, "year": 2, "jurisdictions": 2, "type": 2, "publisher": 1}
    assert sc.topic_precision == pytest.approx(2 / 3)
    assert (sc.family_precision, sc.family_recall) == (1.0, 0.0)  # no predicted pairs, one gold pair missed
    fields = sorted((m.path, m.field) for m in sc.misses)
    assert ("a.txt", "title") in fields and ("a.txt", "year") in fields and ("b.html", "publisher") in fields
    assert ("a.pdf", "topics") in fields and ("a.pdf + a.txt", "family") in fields


def test_a_document_etslib_lacks_is_reported_not_scored() -> None:
    sc = score({"b.html": dict(GOLD["b.html"])}, GOLD)
    assert sc.documents == 1 and sorted(sc.missing) == ["a.pdf", "a.txt"]


def test_folding_ignores_case_quotes_dashes_and_trailing_dots() -> None:
    assert fold_text("Regulation (EU) 2021/1119 – ‘European Climate Law’.") == fold_text("regulation (eu) 2021/1119 - 'european climate law'")


def test_the_gold_files_cover_the_three_shared_folders() -> None:
    gold = load_gold()
    assert len(gold) == 106
    assert {p.split("/")[0] for p in gold} == {"real-ets", "climate-policy", "more-ets"}
    for rec in gold.values():
        assert rec["title"] and rec["type"] and rec["family"] and "jurisdictions" in rec
