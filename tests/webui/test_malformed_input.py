"""Malformed queries and parameters never fail: a page with a note, always."""

from __future__ import annotations

import pytest

from .helpers import api, html_total, soup


MALFORMED = ['"unbalanced', "(a OR", "AND", "NOT", "OR OR", "title:", "*", "???", "-", '"', "a)))", "year:abc..", "jurisdiction:", "\\", "%", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🚀", "x" * 5000]


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_are_200_with_a_note(client, q):
    page = client.get("/", query_string={"q": q})
    assert page.status_code == 200
    data = client.get("/api/search", query_string={"q": q})
    assert data.status_code == 200
    body = data.get_json()
    assert html_total(soup(page)) == body["total"]


def test_malformed_queries_explain_themselves(client):
    for q in ['"unbalanced', "(a OR", "AND", "title:"]:
        notes = api(client, q=q)["notes"]
        assert notes, q
        assert notes[0] in soup(client.get("/", query_string={"q": q})).select_one(".notes").get_text()


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc"},
        {"limit": "-5"},
        {"limit": "1e9"},
        {"year_from": "xyz"},
        {"year_to": "-1"},
        {"sort": "'; DROP TABLE"},
        {"exact": "perhaps"},
        {"page": "-1", "limit": "0", "year_from": "2030", "year_to": "1990"},
    ],
)
def test_bad_parameters_are_clamped_with_a_note(client, params):
    for path in ("/", "/api/search", "/search.csv", "/search.atom"):
        assert client.get(path, query_string=params).status_code == 200, path
    data = api(client, **params)
    assert data["notes"]
    assert 1 <= data["limit"] <= 100 and data["page"] >= 1
