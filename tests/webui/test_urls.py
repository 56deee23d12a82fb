"""Pure URL helpers (``webui.urls``): a page's state is its query string."""

from __future__ import annotations

import pytest

from webui import urls


P = [("q", "cap"), ("jurisdiction", "EU"), ("type", "report")]


@pytest.mark.parametrize(
    "pairs, name, value, expected",
    [
        (P, "jurisdiction", "CN", [("q", "cap"), ("jurisdiction", "EU"), ("jurisdiction", "CN"), ("type", "report")]),
        (P, "jurisdiction", "EU", P),
        (P, "topic", "auctioning", P + [("topic", "auctioning")]),
        ([], "q", "x", [("q", "x")]),
    ],
)
def test_with_added(pairs, name, value, expected):
    assert urls.with_added(pairs, name, value) == expected


@pytest.mark.parametrize(
    "pairs, name, value, expected",
    [
        (P, "jurisdiction", "EU", [("q", "cap"), ("type", "report")]),
        (P, "jurisdiction", "CN", P),
        (P + [("jurisdiction", "CN")], "jurisdiction", None, [("q", "cap"), ("type", "report")]),
        ([], "q", None, []),
    ],
)
def test_with_removed(pairs, name, value, expected):
    assert urls.with_removed(pairs, name, value) == expected


@pytest.mark.parametrize(
    "pairs, name, value, expected",
    [
        (P, "q", "floor", [("q", "floor"), ("jurisdiction", "EU"), ("type", "report")]),
        (P, "sort", "newest", P + [("sort", "newest")]),
        (P, "q", None, [("jurisdiction", "EU"), ("type", "report")]),
        (P, "q", "", [("jurisdiction", "EU"), ("type", "report")]),
        ([("page", "2"), ("page", "3")], "page", "4", [("page", "4")]),
    ],
)
def test_with_replaced(pairs, name, value, expected):
    assert urls.with_replaced(pairs, name, value) == expected


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("jurisdiction", "EU", [("q", "cap"), ("type", "report")]),
        ("jurisdiction", "CN", [("q", "cap"), ("jurisdiction", "EU"), ("jurisdiction", "CN"), ("type", "report")]),
        ("language", "de", P + [("language", "de")]),
    ],
)
def test_toggled(name, value, expected):
    assert urls.toggled(P, name, value) == expected
    assert urls.toggled(urls.toggled(P, name, value), name, value) in (P, P[:1] + P[2:] + P[1:2])


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([], ""),
        ([("q", "a b")], "?q=a+b"),
        ([("q", '"MSR" & <x>'), ("jurisdiction", "EU")], "?q=%22MSR%22+%26+%3Cx%3E&jurisdiction=EU"),
        ([("q", "碳市场")], "?q=%E7%A2%B3%E5%B8%82%E5%9C%BA"),
    ],
)
def test_query_string(pairs, expected):
    assert urls.query_string(pairs) == expected


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([("q", ""), ("q", " "), ("type", "report")], [("type", "report")]),
        ([("a", "1"), ("a", "1"), ("a", "2")], [("a", "1"), ("a", "2")]),
    ],
)
def test_clean(pairs, expected):
    assert urls.clean(pairs) == expected


@pytest.mark.parametrize(
    "page, pages, expected",
    [
        (1, 1, [1]),
        (1, 0, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
        (4, 12, [1, 2, 3, 4, 5, 6, None, 12]),
        (12, 12, [1, None, 10, 11, 12]),
    ],
)
def test_page_window(page, pages, expected):
    assert urls.page_window(page, pages) == expected
