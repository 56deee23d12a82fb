"""Errors: one JSON shape, friendly pages, a 503 without an index."""

from __future__ import annotations

import pytest

from .helpers import soup


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/api/doc/no-such-doc", 404),
        ("get", "/api/doc/no-such-doc/text", 404),
        ("get", "/api/nothing-here", 404),
        ("post", "/api/search", 405),
        ("delete", "/api/doc/x", 405),
    ],
)
def test_json_errors_have_one_shape(client, method, path, status):
    r = getattr(client, method)(path)
    assert r.status_code == status and r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == status and body["error"]["message"]


def test_html_404_page(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert soup(r).select_one("main h1").get_text() == "Not found"


def test_missing_index_is_a_friendly_503(tmp_path):
    from webui import create_app

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "none")})
    c = app.test_client()
    page = c.get("/")
    assert page.status_code == 503 and "etslib ingest" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True)
    for path in ("/api/search", "/api/doc/x", "/api/stats"):
        r = c.get(path)
        assert r.status_code == 503 and "etslib ingest" in r.get_json()["error"]["message"]
    assert c.get("/search.csv").status_code == 503
    assert c.get("/help").status_code == 200  # pages without the index still work
