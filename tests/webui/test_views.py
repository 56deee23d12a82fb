"""View models and the work each route does: routes compute only what they
show, and templates get typed objects built from the core ones."""

from __future__ import annotations

from collections import Counter

import pytest

from search.model import FacetValue, SearchRequest, SearchResponse
from webui.state import get_searcher
from webui.views.document import DocumentPage, MetaRow
from webui.views.histogram import MAX_YEARS, histogram
from webui.views.hits import HitView, PassageView
from webui.views.search import SearchPage, run_search, search_page

from .helpers import api


@pytest.fixture
def calls(app, monkeypatch) -> Counter:
    """How often each searcher method runs during a request."""
    with app.app_context():
        searcher = get_searcher()
    seen: Counter = Counter()
    for name in ("search", "count", "related", "document_pages", "page_texts", "iter_matching"):
        method = getattr(searcher, name)

        def spy(*args, _name=name, _method=method, **kw):
            seen[_name] += 1
            return _method(*args, **kw)

        monkeypatch.setattr(searcher, name, spy)
    return seen


@pytest.fixture(scope="module")
def doc_id(app) -> str:
    with app.test_client() as c:
        return api(c, q="aviation")["results"][0]["id"]


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/?q=allowances", {"search": 1}),
        ("/?q=allowances&limit=5&page=99", {"search": 1}),  # clamped to the last page in the same search
        ("/api/search?q=allowances&limit=5&page=99", {"search": 1}),
        ("/?jurisdiction=EU&q=aviation", {"search": 1, "count": 1}),  # the panel counts, it does not search
        ("/api/search?jurisdiction=EU", {"search": 1}),  # the twin shows no panel
        ("/doc/{id}?q=aviation", {"document_pages": 1, "related": 1}),
        ("/doc/{id}", {"related": 1}),
        ("/api/doc/{id}?q=aviation", {"document_pages": 1, "related": 1}),
        ("/doc/{id}/text?q=aviation", {"document_pages": 1, "page_texts": 1}),  # no related documents
        ("/api/doc/{id}/text", {"page_texts": 1}),
        ("/search.csv?q=allowances", {"iter_matching": 1}),
    ],
)
def test_routes_compute_only_what_they_show(client, calls, doc_id, path, expected):
    r = client.get(path.format(id=doc_id))
    assert r.status_code == 200
    r.get_data()
    assert dict(calls) == expected


def test_a_page_past_the_end_is_one_search_with_a_note(client, calls):
    data = api(client, q="allowances", limit=5, page=99)
    assert calls["search"] == 1
    assert data["page"] == data["pages"] and data["results"]
    assert data["notes"][0] == f"There are only {data['pages']} pages of results: showing the last one."


def test_the_search_page_is_typed(app):
    with app.test_request_context("/?q=market+stability+reserve&jurisdiction=EU"):
        searcher = get_searcher()
        page = search_page(searcher, run_search(searcher, [("q", "market stability reserve"), ("jurisdiction", "EU")]))
    assert isinstance(page, SearchPage) and isinstance(page.response, SearchResponse)
    assert page.hits and all(isinstance(h, HitView) for h in page.hits)
    assert all(isinstance(p, PassageView) and p.segments for h in page.hits for p in h.passages)
    assert page.panel is not None and page.panel.in_library >= page.panel.matching == page.response.total
    assert page.links.json.startswith("/api/search?") and page.links.clear == "/?q=market+stability+reserve"
    assert page.request.filters == {"jurisdiction": ["EU"]}


def test_the_document_page_is_typed(app, doc_id):
    from webui.views.document import document_data, document_page

    with app.test_request_context(f"/doc/{doc_id}?q=aviation"):
        page = document_page(document_data(get_searcher(), doc_id, [("q", "aviation")], related=True))
    assert isinstance(page, DocumentPage)
    assert page.rows and all(isinstance(r, MetaRow) for r in page.rows)
    assert page.matches and all(isinstance(m, PassageView) for m in page.matches)
    assert page.related and all(isinstance(h, HitView) for h in page.related)
    assert page.links.text == f"/doc/{doc_id}/text?q=aviation" and page.links.download.endswith("?download=1")


def _years(counts: dict[int, int]) -> SearchResponse:
    facets = {"year": [FacetValue(str(y), n) for y, n in sorted(counts.items(), reverse=True)]}
    return SearchResponse(total=sum(counts.values()), hits=[], facets=facets, request=SearchRequest(year_from=2020))


def test_histogram_geometry(app):
    with app.test_request_context():
        h = histogram(_years({2019: 2, 2020: 4, 2022: 1}), [("q", "cap")], width=240, height=48)
        stray = histogram(_years({1800: 1, 2020: 3}), [])
        assert histogram(_years({}), []) is None
    assert (h.first, h.last, h.peak) == (2019, 2022, 4)
    assert [b.year for b in h.bars] == [2019, 2020, 2021, 2022]
    assert [b.height for b in h.bars] == [24.0, 48.0, 0.0, 12.0]
    assert [b.x for b in h.bars] == [6.0, 66.0, 126.0, 186.0] and {b.width for b in h.bars} == {48.0}
    assert [b.in_range for b in h.bars] == [False, True, True, True]
    assert h.bars[0].url == "/?q=cap&year_from=2019&year_to=2019"
    # One stray date does not flatten the chart.
    assert (stray.first, stray.last) == (2020 - MAX_YEARS, 2020)


def test_text_blocks_show_headings_and_drop_markdown_marks():
    from webui.views.document_text import blocks_of

    text = "Intro line.\n\n#### 124. How?\n\n```\nFenced answer.\n```\n\nArticle 1\n\nBody with allowances."
    a = text.index("allowances")
    segments = [(text[:a], False), ("allowances", True), (text[a + 10 :], False)]
    marks = [[text.index("#### 124."), "124. How?", len("#### 124. How?")], [text.index("Article 1"), "Article 1", 9]]
    blocks = [(b.kind, "".join(t for t, _ in b.segments)) for b in blocks_of(text, segments, marks)]
    assert blocks == [("para", "Intro line."), ("heading", "124. How?"), ("para", "Fenced answer."), ("heading", "Article 1"), ("para", "Body with allowances.")]
    last = blocks_of(text, segments, marks)[-1]
    assert ("allowances", True) in last.segments
