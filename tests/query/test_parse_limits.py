"""Deep nesting and long operator chains never raise (issue 14, defect 10):
the parser bounds nesting and reads NOT chains in a loop, so the rewrites
and the evaluator, which recurse once a level, stay shallow too."""

from __future__ import annotations

import pytest

from search.model import SearchRequest
from search.query.parse import MAX_DEPTH, And, Not, Or, parse, to_string
from search.query.searcher import Searcher


def _depth(node) -> int:
    if isinstance(node, (And, Or)):
        return 1 + max(_depth(c) for c in node.children)
    if isinstance(node, Not):
        return 1 + _depth(node.child)
    return 1


DEEP = [
    "(" * 250 + "carbon" + ")" * 250,
    "(" * 900 + "carbon",
    "carbon" + ")" * 900,
    "NOT " * 490 + "carbon",
    "(a OR " * 300 + "carbon",
    "-(" * 300 + "carbon",
    "(NOT (" * 150 + "carbon",
]


@pytest.mark.parametrize("q", DEEP, ids=range(len(DEEP)))
def test_deep_queries_parse_shallow(q):
    parsed = parse(q)
    assert _depth(parsed.node) <= 2 * MAX_DEPTH + 4
    parse(to_string(parsed.node))  # the reading shown can be searched again


def test_an_even_not_chain_cancels_out():
    assert to_string(parse("NOT " * 490 + "carbon").node) == "carbon"
    assert isinstance(parse("NOT " * 491 + "carbon").node, And)


@pytest.fixture(scope="module")
def sample(index_dir):
    with Searcher(index_dir) as s:
        yield s


@pytest.mark.parametrize("q", DEEP + ["author:碳排", "author:\"碳排 放\"", "title:碳排 author:王小明"], ids=range(len(DEEP) + 3))
def test_deep_and_cjk_author_queries_are_answered(sample, q):
    resp = sample.search(SearchRequest(q=q))  # RecursionError before
    assert resp.total >= 0
