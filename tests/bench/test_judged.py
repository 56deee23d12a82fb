"""The judged-question stage of ``scripts/bench --only ranking`` (benchlib.judged):
its metrics on hand-made cases, quote location, the references' query, and
one run of the stage on a subset of the real collection."""

from __future__ import annotations

import importlib.util
import math

import pytest

from benchlib import judged
from benchlib.judged import (
    Judged, canonical, locate_quotes, ndcg_at, page_hit, reciprocal_rank, reference_query, summarize, verdicts,
)


# -- metrics ----------------------------------------------------------------------------


def test_ndcg_is_one_for_the_ideal_order_and_discounts_by_rank() -> None:
    gains = {"a": 2, "b": 1, "c": 0}
    assert ndcg_at(["a", "b", "x"], gains) == pytest.approx(1.0)
    ideal = 2 + 1 / math.log2(3)
    assert ndcg_at(["b", "a"], gains) == pytest.approx((1 + 2 / math.log2(3)) / ideal)
    assert ndcg_at(["x", "y", "a"], gains) == pytest.approx((2 / math.log2(4)) / ideal)
    assert ndcg_at([], gains) == 0.0
    assert ndcg_at(["a"], {}) == 0.0  # nothing judged relevant


def test_ndcg_looks_only_at_the_first_k() -> None:
    gains = {"r": 2}
    ranked = [f"d{i}" for i in range(10)] + ["r"]
    assert ndcg_at(ranked, gains, k=10) == 0.0
    assert ndcg_at(ranked, gains, k=11) == pytest.approx(1 / math.log2(12))


def test_reciprocal_rank_of_the_first_relevant_document() -> None:
    gains = {"b": 1, "c": 2}
    assert reciprocal_rank(["a", "b", "c"], gains) == pytest.approx(0.5)
    assert reciprocal_rank(["c"], gains) == 1.0
    assert reciprocal_rank(["a", "z"], gains) == 0.0
    assert reciprocal_rank(["a", "b"], {"a": 0, "b": 1}) == pytest.approx(0.5)  # grade 0 is not relevant


def test_page_hit_wants_a_top_graded_page_in_the_first_three() -> None:
    judged_pages = {11: 2, 13: 2, 12: 1}
    assert page_hit([5, 13, 7], judged_pages)
    assert not page_hit([12, 5, 7], judged_pages)  # a grade-1 page is not the best
    assert not page_hit([1, 2, 3, 11], judged_pages)  # fourth place is too late
    assert page_hit([4, 12], {12: 1, 40: 1})  # when every judged page is grade 1, any of them counts
    assert not page_hit([], judged_pages)
    with pytest.raises(ValueError):
        page_hit([1], {})


def test_summaries_average_per_query_and_leave_out_queries_without_pages() -> None:
    groups_of = {"q1": ["overall", "keyword"], "q2": ["overall", "long questions", "question", "non-English"]}
    rows = [
        {"id": "q1", "ndcg@10": 1.0, "mrr": 1.0, "hit@3": None, "found": 3},
        {"id": "q2", "ndcg@10": 0.5, "mrr": 0.25, "hit@3": 0.5, "found": 0},
    ]
    s = summarize(rows, groups_of)
    assert s["overall"] == {"queries": 2, "ndcg@10": 0.75, "mrr": 0.625, "hit@3": 0.5, "hit@3_queries": 1, "empty": 1}
    assert s["keyword"]["hit@3"] is None and s["keyword"]["ndcg@10"] == 1.0
    assert s["non-English"]["queries"] == 1
    assert "phrase" not in s


def test_verdicts_need_ten_percent_overall_and_parity_per_type() -> None:
    groups = {
        "etslib": {"overall": {"ndcg@10": 0.66, "hit@3": 0.5}, "keyword": {"ndcg@10": 0.6, "hit@3": 0.49}},
        "tantivy_bm25": {"overall": {"ndcg@10": 0.6, "hit@3": 0.5}, "keyword": {"ndcg@10": 0.6, "hit@3": 0.4}},
        "fts5_bm25": {"overall": {"ndcg@10": 0.5, "hit@3": 0.3}, "keyword": {"ndcg@10": 0.5, "hit@3": 0.5}},
    }
    v = {(x["group"], x["metric"]): x["verdict"] for x in verdicts(groups)}
    assert v == {("overall", "ndcg@10"): "PASS", ("overall", "hit@3"): "MISS",
                 ("keyword", "ndcg@10"): "PASS", ("keyword", "hit@3"): "MISS"}


def test_versions_of_one_work_count_once_for_every_engine() -> None:
    from benchlib.judged import Collection, evaluate

    j = Judged("f/v", "maritime transport", "keyword", "en", docs={"act.pdf": 2, "act.txt": 2, "other.pdf": 1},
               pages={"act.pdf": {3: 2}, "act.txt": {1: 2}})
    coll = Collection({p: {"id": p, "title": p, "pages": ["x"] * 4} for p in ("act.pdf", "act.txt", "other.pdf")})

    class Engine:
        def __init__(self, ranked, pages):
            self.ranked, self.shown = ranked, pages

        def documents(self, j, allowed):
            return self.ranked, len(self.ranked)

        def pages(self, j, path):
            return self.shown.get(path, [])

    every_copy = Engine(["act.pdf", "act.txt", "other.pdf"], {"act.pdf": [3]})
    one_per_work = Engine(["act.txt", "other.pdf"], {"act.txt": [1]})
    out = evaluate([j], coll, {"copies": every_copy, "works": one_per_work}, lambda j: None,
                   {"act.pdf": "act", "act.txt": "act"})
    rows = {name: out["per_query"][0][name] for name in ("copies", "works")}
    # Both list the act first and the other work second: the same score.
    assert rows["copies"]["ndcg@10"] == rows["works"]["ndcg@10"] == 1.0
    # Page hit@3 asks once for the act, on the version each engine lists first.
    assert rows["copies"]["page_hits"] == {"act.pdf": 1} and rows["works"]["page_hits"] == {"act.txt": 1}


def test_long_questions_and_groups() -> None:
    en = Judged("f/a", "how are revenues from auctioning allowances used", "question", "en")
    short = Judged("f/b", "what is the MSR", "question", "en")
    zh = Judged("f/c", "重点排放单位应当如何清缴配额", "question", "zh")
    kw = Judged("f/d", "Versteigerung Emissionszertifikate", "keyword", "de")
    assert en.groups() == ["overall", "long questions", "question"]
    assert short.groups() == ["overall", "question"]
    assert zh.groups() == ["overall", "long questions", "question", "non-English"]
    assert kw.groups() == ["overall", "keyword", "non-English"]


# -- quotes and queries ----------------------------------------------------------------------


def test_quotes_are_found_across_markup_spacing_numbering_and_page_breaks() -> None:
    pages = [
        "Article 10a\nFor each sector and sub-\nsector, in principle, the benchmark shall be calculated",
        "for products rather than for inputs. Kohlendioxid (CO2), Methan (CH4)",
        "From 2027, allowances covered by this Chapter shall be auctioned, unless placed in the reserve.",
        "第二十一条 重点排放单位应当按照规定清缴碳排放配额。",
    ]
    found, missing = locate_quotes(pages, [
        ("For each  sector and subsector, in principle, the benchmark shall be calculated for products", 2),
        ("Kohlendioxid (CO<sub>2</sub>), Methan (CH<sub>4</sub>)", 1),
        ("1. From 2027, allowances covered by this Chapter shall be auctioned", 2),
        ("重点排放单位应当按照规定清缴碳排放配额", 2),
        ("a sentence that is nowhere in the document at all", 2),
    ])
    assert found == {1: 2, 2: 1, 3: 2, 4: 2}
    assert missing == ["a sentence that is nowhere in the document at all"]


def test_canonical_keeps_letters_and_digits_only() -> None:
    assert canonical("Émissions  (CO₂) —\nsub-sector") == canonical("emissions co2 subsector")


def test_the_references_search_the_words_as_typed_or_ed() -> None:
    node = reference_query('"hot air" credits New Zealand', "phrase")
    assert node.op == "or" and [(k.op, k.text) for k in node.kids] == [("phrase", "hot air"), ("word", "credits"), ("word", "new"), ("word", "zealand")]
    q = reference_query("What are the company's scope 3 emission reduction targets?", "question")
    assert q.op == "or" and "what" not in [k.text for k in q.kids] and "scope" in [k.text for k in q.kids]
    zh = reference_query("配额清缴", "keyword")
    assert (zh.op, zh.text) == ("phrase", "配 额 清 缴")
    assert judged._fts_match(node) == '"hot air" OR "credits" OR "new" OR "zealand"'
    assert judged._tv_text(node) == '"hot air" OR credits OR new OR zealand'


def test_the_judged_files_load_with_unique_ids_and_every_query_type() -> None:
    qs = judged.load_questions()
    assert len(qs) >= 60
    assert len({q.id for q in qs}) == len(qs)
    assert {"keyword", "phrase", "acronym", "question"} <= {q.kind for q in qs}
    assert {"en", "de", "zh"} <= {q.lang for q in qs}
    assert any(q.filters or q.year_from or q.year_to for q in qs)
    for q in qs:
        assert q.docs and all(0 <= g <= 2 for g in q.docs.values()), q.id
        assert all(p in q.docs for p in list(q.pages) + list(q.quotes)), q.id


# -- the stage on a subset of the real collection ----------------------------------------


@pytest.mark.shared
def test_the_stage_on_a_subset(shared_corpus, tmp_path) -> None:
    tantivy = importlib.util.find_spec("tantivy") is not None
    out = judged.run(shared_corpus, tmp_path, max_queries=8, max_docs=14, jobs=1, with_tantivy=tantivy)
    assert out["queries"] == 8 and out["documents"] == 14
    assert not out["etslib_ingest"]["failures"] and not out["missing_documents"]
    assert not out["unlocated_quotes"]
    engines = ["etslib", "etslib_typed", "fts5_bm25"] + (["tantivy_bm25"] if tantivy else [])
    for name in engines:
        overall = out["groups"][name]["overall"]
        assert overall["queries"] == 8
        for metric in ("ndcg@10", "mrr", "hit@3"):
            assert 0 <= overall[metric] <= 1, (name, metric)
    # Every query type was taken, and a plain BM25 finds something for most queries.
    kinds = {row["kind"] for row in out["per_query"]}
    assert {"keyword", "phrase", "acronym", "question"} <= kinds
    assert sum(row["fts5_bm25"]["found"] > 0 for row in out["per_query"]) >= 6
    assert out["groups"]["fts5_bm25"]["overall"]["ndcg@10"] > 0.3
    assert {v["group"] for v in out["verdicts"]} >= {"overall", "keyword"}
