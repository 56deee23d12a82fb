"""Facet values typed in the query syntax or a URL: short forms and prefixes."""

from __future__ import annotations

import pytest

from search.query.facets import DocTable
from search.query.parse import And, Filter, Or, Word, parse
from search.query.values import match_value, resolve_filters, resolve_nodes
from search.vocab.facets import FACETS, short_forms

PUBLISHERS = [
    "DIW Berlin",
    "European Commission",
    "European Parliament",
    "International Carbon Action Partnership",
    "Bundesgesetzblatt (Germany)",
    "Ministry of Ecology and Environment (China)",
    "RGGI, Inc.",
]


@pytest.fixture(scope="module")
def table() -> DocTable:
    infos = [{"id": f"d{i}", "title": p, "publisher": p, "jurisdictions": ["EU"], "language": "en"} for i, p in enumerate(PUBLISHERS)]
    return DocTable(infos)


def match(table, typed, facet="publisher"):
    return match_value(FACETS[facet], table.columns[facet], typed)


@pytest.mark.parametrize(
    "typed, value",
    [
        ("DIW Berlin", "DIW Berlin"),  # exactly
        ("diw berlin", "DIW Berlin"),  # case does not matter
        ("DIW", "DIW Berlin"),  # a leading upper-case word
        ("ICAP", "International Carbon Action Partnership"),  # initials
        ("icap", "International Carbon Action Partnership"),
        ("MEE", "Ministry of Ecology and Environment (China)"),
        ("RGGI", "RGGI, Inc."),
        ("Bundesgesetzblatt", "Bundesgesetzblatt (Germany)"),  # the part before a parenthesis
        ("Bundes", "Bundesgesetzblatt (Germany)"),  # a unique prefix
        ("intern", "International Carbon Action Partnership"),
        ("Berlin", "DIW Berlin"),  # a word of the label, when no label starts so
    ],
)
def test_a_typed_value_finds_the_one_it_stands_for(table, typed, value):
    m = match(table, typed)
    assert m.value == value and m.found and m.values == [value]


def test_a_read_value_says_which_was_chosen(table):
    assert match(table, "DIW Berlin").note is None  # nothing to say
    assert match(table, "diw berlin").note is None
    note = match(table, "DIW").note
    assert note == "publisher:DIW was read as publisher “DIW Berlin”."


def test_an_ambiguous_prefix_stands_for_all_and_names_them(table):
    m = match(table, "Euro")
    assert m.values == ["European Commission", "European Parliament"]
    assert "fits 2 publisher values" in m.note and "“European Commission”" in m.note and "“European Parliament”" in m.note
    assert "Type more of the name" in m.note


def test_an_unknown_value_says_so_and_matches_nothing(table):
    m = match(table, "Xyz")
    assert not m.found and m.value == "Xyz" and "No publisher “Xyz”" in m.note
    assert match(table, "E").value == "E"  # one letter is not a prefix


def test_the_facets_own_spelling_comes_first(table):
    assert match(table, "eu", facet="jurisdiction").value == "EU"
    assert match(table, "European Union", facet="jurisdiction").value == "EU"
    assert match(table, "English", facet="language").value == "en"


def test_query_filters_are_resolved_in_the_tree(table):
    node, notes = resolve_nodes(parse("cap publisher:DIW").node, table)
    assert node == And((Word("cap"), Filter("publisher", "DIW Berlin")), implicit=True)
    assert notes == ["publisher:DIW was read as publisher “DIW Berlin”."]
    node, notes = resolve_nodes(parse("publisher:Euro").node, table)
    assert node == Or((Filter("publisher", "European Commission"), Filter("publisher", "European Parliament")))


def test_url_filters_are_resolved_with_notes(table):
    filters, notes = resolve_filters({"publisher": ["icap", "DIW Berlin"], "nonsense": ["x"]}, table)
    assert filters == {"publisher": ["International Carbon Action Partnership", "DIW Berlin"]}
    assert notes == ["publisher:icap was read as publisher “International Carbon Action Partnership”."]


@pytest.mark.parametrize(
    "label, forms",
    [
        ("DIW Berlin", {"diw"}),
        ("International Carbon Action Partnership", {"icap"}),
        ("Bundesgesetzblatt (Germany)", {"bundesgesetzblatt"}),  # "(Germany)" is not an abbreviation
        ("Ministry of Ecology and Environment (China)", {"mee", "ministry of ecology and environment"}),
        ("Emissions Trading Registry (ETR)", {"etr", "emissions trading registry"}),
        ("Near Zero", set()),  # two words give too many false friends
        ("ICAP", set()),
    ],
)
def test_short_forms(label, forms):
    assert short_forms(label) == forms


# -- a facet's list narrowed and ordered (the sidebar's find and A–Z) ---------------


def test_narrow_values_finds_case_and_accent_blind_and_keeps_chosen_values():
    from search.model import FacetValue
    from search.query import narrow_values

    values = [
        FacetValue("DEHSt", 9, "Deutsche Emissionshandelsstelle"),
        FacetValue("OJ", 7, "Official Journal of the European Union"),
        FacetValue("ÖKO", 3, "Öko-Institut"),
        FacetValue("BGBl", 2, "Bundesgesetzblatt (Germany)", selected=True),
    ]
    assert [v.value for v in narrow_values(values, "oko")] == ["ÖKO", "BGBl"]  # the chosen one stays
    assert [v.value for v in narrow_values(values, "  dehst ")] == ["DEHSt", "BGBl"]  # by code too
    assert [v.value for v in narrow_values(values, "")] == ["DEHSt", "OJ", "ÖKO", "BGBl"]


def test_narrow_values_orders_a_to_z_by_collation_not_code_points():
    from search.model import FacetValue
    from search.query import narrow_values

    values = [FacetValue("z", 5, "Zentrum"), FacetValue("o", 4, "Öko-Institut"), FacetValue("p", 3, "Pew"), FacetValue("a", 1, "agora")]
    assert [v.label for v in narrow_values(values, order="az")] == ["agora", "Öko-Institut", "Pew", "Zentrum"]
    assert [v.label for v in narrow_values(values, order="count")] == ["Zentrum", "Öko-Institut", "Pew", "agora"]
