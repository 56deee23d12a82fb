"""The query parser: how queries, including malformed ones, are read."""

from __future__ import annotations

import pytest

from search.query.parse import And, MatchAll, Not, Or, Phrase, Wildcard, Word, Filter, YearRange, parse, to_string


@pytest.mark.parametrize(
    "q, reading",
    [
        ("free allocation benchmarks cement", "free allocation benchmarks cement"),
        ('"market stability reserve"', '"market stability reserve"'),
        ('"market stability reserve" -aviation', '"market stability reserve" -aviation'),
        ("MSR OR \"market stability reserve\"", 'MSR OR "market stability reserve"'),
        ("carbon AND leakage", "carbon AND leakage"),
        ("carbon NOT tax", "carbon -tax"),
        ("(offsets OR credits) AND forestry", "(offsets OR credits) AND forestry"),
        ("title:allocation", "title:allocation"),
        ('title:"cap and trade"', 'title:"cap and trade"'),
        ("jurisdiction:EU year:2018..2024", "jurisdiction:EU year:2018..2024"),
        ("year:2020", "year:2020..2020"),
        ("year:>=2020", "year:2020.."),
        ("year:<2010", "year:..2009"),
        ("type:legislation lang:de", "type:legislation language:de"),
        ("alloc* allow?nce", "alloc* allow?nce"),
        ("cap-and-trade", "cap-and-trade"),
        ("2003/87/EC", "2003/87/EC"),
        ("碳排放权交易", "碳排放权交易"),
        ("-cement", "-cement"),
        ("+carbon", "carbon"),
    ],
)
def test_reading(q, reading):
    assert to_string(parse(q).node) == reading


@pytest.mark.parametrize(
    "q, note_fragment",
    [
        ('"unclosed phrase', "quotation mark was not closed"),
        ("((carbon price", "was not closed"),
        ("carbon) price", "unmatched “)”"),
        ("carbon OR", "“OR” at the end"),
        ("NOT", "nothing after it"),
        ("foo:bar", "not a field"),
        ("year:soon", "not a year"),
        ("*", "too short a wildcard"),
    ],
)
def test_malformed_queries_are_read_and_explained(q, note_fragment):
    parsed = parse(q)
    assert parsed.node is not None
    assert any(note_fragment in n for n in parsed.notes), parsed.notes


@pytest.mark.parametrize("q", ["", "   ", '""', "()", "AND OR NOT", "-", "!!!", ":::"])
def test_nothing_searchable_means_browse(q):
    assert isinstance(parse(q).node, MatchAll)


def test_structure():
    node = parse('emissions trading "free allocation" -aviation jurisdiction:EU').node
    assert isinstance(node, And) and node.implicit
    kinds = [type(c) for c in node.children]
    assert kinds == [Word, Word, Phrase, Not, Filter]
    assert node.children[4] == Filter("jurisdiction", "EU")
    assert parse("year:2024..2018").node == YearRange(2018, 2024)
    assert parse("carb*").node == Wildcard("carb*")
    assert isinstance(parse("a OR b OR c").node, Or) and len(parse("a OR b OR c").node.children) == 3


def test_pure_negation_searches_everything_else():
    node = parse("-aviation").node
    assert isinstance(node, And) and isinstance(node.children[0], MatchAll)


@pytest.mark.parametrize(
    "q",
    ['"', "(((", ")))", 'a "b (c', "title:", "year:", 'title:"', "AND AND", "OR OR a", "NOT NOT a",
     "-\"\"", "a:b:c", "::a", "*?*", "\x00\x01", "a" * 5000, "( ) ( )", "jurisdiction:\"\""],
)
def test_never_raises(q):
    parsed = parse(q)
    assert parsed.node is not None
    to_string(parsed.node)
