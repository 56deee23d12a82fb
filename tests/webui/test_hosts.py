"""The Host header is never reflected into links (issue 14): absolute
links start with BASE_URL when set, else with an allowed host; a request
for another host gets 400."""

from __future__ import annotations

import pytest

from webui import create_app
from webui.state import close

URLS = ["/search.atom?q=allowances", "/opensearch.xml", "/api/search?q=allowances&limit=1", "/"]


@pytest.fixture
def make(index_dir):
    apps = []

    def build(**config):
        app = create_app({"TESTING": True, "INDEX": str(index_dir), **config})
        apps.append(app)
        return app.test_client()

    yield build
    for app in apps:
        close(app)


@pytest.mark.parametrize("url", URLS)
def test_a_forged_host_is_refused_not_reflected(make, url):
    c = make()
    r = c.get(url, headers={"Host": "evil.example"})
    assert r.status_code == 400 and b"evil.example" not in r.data
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    ok = c.get(url, headers={"Host": "localhost:8000"})
    assert ok.status_code == 200 and b"evil" not in ok.data


def test_base_url_makes_every_absolute_link(make):
    c = make(BASE_URL="https://library.example.org")
    atom = c.get("/search.atom?q=allowances", headers={"Host": "library.example.org"}).get_data(as_text=True)
    assert "https://library.example.org/search.atom?q=allowances" in atom and "http://localhost" not in atom
    data = c.get("/api/search?q=allowances&limit=1").get_json()
    assert data["next_url"].startswith("https://library.example.org/api/search?")
    doc = c.get(f"/doc/{data['results'][0]['id']}").get_data(as_text=True)
    assert 'rel="canonical" href="https://library.example.org/doc/' in doc


def test_any_host_when_allowed_hosts_is_empty(make):
    c = make(ALLOWED_HOSTS=[], BASE_URL="https://library.example.org")
    r = c.get("/search.atom?q=allowances", headers={"Host": "evil.example"})
    assert r.status_code == 200 and b"evil.example" not in r.data


def test_serve_adds_its_host(make):
    c = make(SERVE_HOSTS=["search.internal"])
    assert c.get("/", headers={"Host": "search.internal:8000"}).status_code == 200
    assert c.get("/", headers={"Host": "other.internal"}).status_code == 400
