"""The one planning step: search, counts, exports and suggestions read and
evaluate a request the same way, once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from search.model import SearchRequest
from search.query import Plan, Searcher

REQUESTS = [
    SearchRequest(q="allowances"),
    SearchRequest(q="allowances", sort="newest"),
    SearchRequest(q="allowances", sort="oldest"),
    SearchRequest(q="allowances", sort="title"),
    SearchRequest(q="emissions trading", filters={"jurisdiction": ["eu"]}),
    SearchRequest(q="cap", year_from=2019, year_to=2024),
    SearchRequest(q='"free allocation" OR benchmark*', exact=True),
    SearchRequest(q="what penalties apply when an operator fails to surrender allowances"),
    SearchRequest(q=""),
    SearchRequest(filters={"language": ["de"]}),
    SearchRequest(q="qwxzvbnm"),
]


@pytest.fixture
def fresh(index_dir):
    """A searcher of its own: nothing cached by other tests."""
    with Searcher(index_dir) as s:
        yield s


@pytest.fixture(scope="module")
def sample(index_dir):
    with Searcher(index_dir) as s:
        yield s


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: f"{r.q!r}-{r.sort}")
def test_export_iteration_gives_the_search_order(sample, req):
    # Every version: the very rows of the search, in its order.
    every = replace(req, all_versions=True)
    everything = sample.search(replace(every, limit=1000, passages=0))
    exported = list(sample.iter_matching(every))
    assert [m["id"] for m in exported] == [h.id for h in everything.hits]
    assert [m["score"] for m in exported] == [h.score for h in everything.hits]
    # Paging through gives the same order as well.
    paged = [h.id for p in (1, 2, 3) for h in sample.search(replace(every, limit=4, page=p)).hits]
    assert paged == [m["id"] for m in exported][: len(paged)]
    # A work once: the works of the search in its order, each as its newest matching version.
    works = sample.search(replace(req, limit=1000, passages=0))
    exported = list(sample.iter_matching(req))
    assert [m["family"] for m in exported] == [h.meta["family"] for h in works.hits]
    for m, h in zip(exported, works.hits):
        matching = [h.meta] + [v for v in h.versions if v["matches"]]
        assert m["id"] == max(matching, key=lambda v: (str(v.get("date") or v.get("year") or ""), v.get("kind") == "pdf"))["id"]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: f"{r.q!r}-{r.sort}")
def test_count_equals_the_search_total(sample, req):
    assert sample.count(req) == sample.search(req).total == sample.plan(req).total


def test_a_plan_is_the_request_read_and_evaluated(sample):
    plan = sample.plan(SearchRequest(q="the allowances", filters={"jurisdiction": ["eu"], "bogus": ["x"]}, page=0, limit=5000))
    assert isinstance(plan, Plan)
    assert plan.request.filters == {"jurisdiction": ["EU"]}  # as the index spells it; unknown facets dropped
    assert (plan.request.page, plan.request.limit) == (1, 1000)  # clamped
    assert plan.notes == ["Common words ignored: the (quote a phrase to keep them)."]
    assert plan.interpreted == "the allowances"
    assert plan.total == int((plan.scored.mask & plan.scope).sum()) == int(plan.match.sum())
    assert plan.sort == "relevance"
    assert sample.plan(SearchRequest()).sort == "newest"  # nothing to rank by


def test_search_count_export_and_a_page_turn_evaluate_once(fresh):
    """The plan's evaluation is shared: a page turn, the count of the
    knowledge panel and an export reuse it."""
    gen = fresh.state()
    calls: list[object] = []
    evaluate = gen.evaluator.evaluate

    def counting(node, **kw):
        calls.append(node)
        return evaluate(node, **kw)

    gen.evaluator.evaluate = counting
    req = SearchRequest(q="market stability reserve", filters={"jurisdiction": ["EU"]})
    first = fresh.search(req)
    assert len(calls) == 1
    fresh.search(replace(req, page=2, limit=2))
    assert fresh.count(req) == first.total
    assert len(list(fresh.iter_matching(req))) == first.total
    assert len(calls) == 1


def test_a_page_past_the_end_is_clamped_only_when_asked(sample):
    req = SearchRequest(q="allowances", limit=5, page=99)
    total = sample.count(req)
    last = -(-total // 5)
    clamped = sample.search(req, clamp_page=True)
    assert clamped.request.page == last
    assert clamped.notes[0] == f"There are only {last} pages of results: showing the last one."
    assert [h.id for h in clamped.hits] == [h.id for h in sample.search(replace(req, page=last)).hits]
    assert clamped.hits and len(clamped.hits) == total - 5 * (last - 1)
    # The command line asks for what it is given: an empty page, no note.
    plain = sample.search(req)
    assert plain.request.page == 99 and plain.hits == [] and plain.total == total
    assert not any("only" in n for n in plain.notes)


def test_one_page_of_results_is_named_in_the_singular(sample):
    resp = sample.search(SearchRequest(q="allowances", limit=100, page=3), clamp_page=True)
    assert resp.request.page == 1 and resp.notes[0] == "There are only 1 page of results: showing the last one."


def test_nothing_to_clamp_when_nothing_matches(sample):
    resp = sample.search(SearchRequest(q="qwxzvbnm", page=5), clamp_page=True)
    assert resp.total == 0 and resp.request.page == 5 and resp.notes == []


def test_the_suggestion_is_planned_with_the_same_filters(sample):
    resp = sample.search(SearchRequest(q="alowances", expand=False, filters={"jurisdiction": ["eu"]}))
    assert resp.suggestion == "allowances"
    corrected = SearchRequest(q="allowances", expand=False, filters={"jurisdiction": ["EU"]})
    assert sample.count(corrected) > resp.total


def test_document_pages_ignore_the_filters_of_the_request(sample):
    hit = sample.search(SearchRequest(q="aviation")).hits[0]
    plain = sample.document_pages(hit.id, SearchRequest(q="aviation"))
    filtered = sample.document_pages(hit.id, SearchRequest(q="aviation", filters={"language": ["zh"]}, year_from=1900, year_to=1901))
    assert plain and [(p.page, p.segments) for p in plain] == [(p.page, p.segments) for p in filtered]
    assert sample.document_pages(hit.id, SearchRequest(q="  ")) == []
    assert sample.document_pages("no-such-doc", SearchRequest(q="aviation")) == []
