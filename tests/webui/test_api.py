"""The JSON API (``/api/...``): the search contract plus paging, and the document twin."""

from __future__ import annotations

from search.model import SearchRequest
from tests.conftest import CORPUS

from .helpers import api


def test_api_search_is_the_cli_contract_plus_paging(client, app):
    from search.query.contract import response_json
    from webui.state import get_searcher

    data = api(client, q="allowances", limit=3)
    with app.test_request_context():
        expected = response_json(get_searcher().search(SearchRequest(q="allowances", limit=3)))
    paging = {"first_result", "last_result", "next_url", "previous_url"}
    assert set(data) == set(expected) | paging
    for key in expected:
        if key not in ("elapsed_ms", "results"):
            assert data[key] == expected[key], key
    # The same results; neither names the server's path: a path is given
    # below the folder the file was ingested from.
    for got, want in zip(data["results"], expected["results"], strict=True):
        assert got == want | {"score": got["score"]}
        assert not got["path"].startswith("/") and (CORPUS / got["path"]).is_file()
    assert data["first_result"] == 1 and data["last_result"] == 3
    assert data["previous_url"] is None
    nxt = client.get(data["next_url"]).get_json()
    assert nxt["page"] == 2 and nxt["first_result"] == 4


def test_page_past_the_end_shows_the_last_page_with_a_note(client, everything):
    data = api(client, limit=5, page=99)
    assert data["results"] and data["page"] == data["pages"]
    assert any("only" in n for n in data["notes"])


def test_document_json_twin(client):
    hit = api(client, q="auctioning")["results"][0]
    data = client.get(f"/api/doc/{hit['id']}?q=auctioning").get_json()
    assert data["document"]["id"] == hit["id"] and data["document"]["title"] == hit["title"]
    assert "dn" not in data["document"] and "lens" not in data["document"]
    assert data["document"]["sources"]
    assert data["matches"] and all("<mark>" in m["text"] for m in data["matches"])
    assert data["related"] and all(r["id"] != hit["id"] for r in data["related"])
    assert data["links"]["file"].endswith(f"/file/{hit['id']}")
    plain = client.get(f"/api/doc/{hit['id']}").get_json()
    assert plain["matches"] == [] and plain["query"] == ""
