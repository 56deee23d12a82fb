"""Query-string parameters ⇄ SearchRequest (``webui.params``), forgiving of bad values."""

from __future__ import annotations

import pytest

from search.model import SearchRequest
from webui.params import Limits, parse_args, state_pairs


@pytest.mark.parametrize(
    "args, field, value, noted",
    [
        ([("page", "abc")], "page", 1, True),
        ([("page", "0")], "page", 1, True),
        ([("page", "3")], "page", 3, False),
        ([("page", "99999999")], "page", 10_000, False),
        ([("limit", "-5")], "limit", 10, True),
        ([("limit", "lots")], "limit", 10, True),
        ([("limit", "1000")], "limit", 100, True),
        ([("limit", "50")], "limit", 50, False),
        ([("year_from", "xyz")], "year_from", None, True),
        ([("year_to", "20244")], "year_to", None, True),
        ([("year_from", "2018")], "year_from", 2018, False),
        ([("sort", "bogus")], "sort", "relevance", True),
        ([("sort", "NEWEST")], "sort", "newest", False),
        ([("exact", "1")], "exact", True, False),
        ([("exact", "maybe")], "exact", False, True),
        ([("expand", "0")], "expand", False, False),
        ([("expand", "off")], "expand", False, False),
        ([("q", "  cap\x00 floor ")], "q", "cap  floor", False),
        ([("q", "x" * 1200)], "q", "x" * 1000, True),
    ],
)
def test_parse_args(args, field, value, noted):
    parsed = parse_args(args, Limits())
    assert getattr(parsed.request, field) == value
    assert bool(parsed.notes) is noted, parsed.notes


def test_parse_args_filters_and_swapped_years():
    parsed = parse_args(
        [("jurisdiction", "EU"), ("jurisdiction", "CN"), ("jurisdiction", "EU"), ("type", ""), ("year_from", "2024"), ("year_to", "2018"), ("bogus", "1")]
    )
    req = parsed.request
    assert req.filters == {"jurisdiction": ["EU", "CN"]}
    assert (req.year_from, req.year_to) == (2018, 2024)
    assert any("swapped" in n for n in parsed.notes)


@pytest.mark.parametrize(
    "req",
    [
        SearchRequest(),
        SearchRequest(q="MSR", filters={"jurisdiction": ["EU", "CN"], "type": ["report"]}, year_from=2018, sort="newest", limit=50, exact=True, expand=False),
        SearchRequest(q='"free allocation" -aviation', year_to=2020, sort="title"),
    ],
)
def test_state_pairs_round_trip(req):
    pairs = state_pairs(req)
    assert "page" not in dict(pairs)
    back = parse_args(pairs).request
    for f in ("q", "filters", "year_from", "year_to", "sort", "limit", "exact", "expand"):
        assert getattr(back, f) == getattr(req, f)


def test_facet_listing_reads_only_known_facets_and_orders():
    from webui.params import facet_listing

    got = facet_listing(
        [("facet_find.publisher", " DIW \x00 "), ("facet_order.publisher", "az"), ("facet_order.type", "count"),
         ("facet_find.nope", "x"), ("facet_order.language", "random"), ("facet_find.topic", "y" * 500)],
        ("count", "az"),
    )
    assert got.find == {"publisher": "DIW", "topic": "y" * 100}
    assert got.order == {"publisher": "az"}  # the default order is left out of URLs
    assert got.pairs() == [("facet_find.publisher", "DIW"), ("facet_find.topic", "y" * 100), ("facet_order.publisher", "az")]
