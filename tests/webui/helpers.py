"""Small helpers the web tests share: parse a page, call the API, read URLs."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from bs4 import BeautifulSoup


def soup(resp) -> BeautifulSoup:
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def api(client, **params) -> dict:
    r = client.get("/api/search", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def fetch(client, path: str, **kw):
    """A response read in full and closed (file responses hold the file open)."""
    r = client.get(path, **kw)
    r.get_data()
    r.close()
    return r


def html_total(page: BeautifulSoup) -> int:
    return int(page.select_one("[data-total]")["data-total"])


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def meta_tags(doc: BeautifulSoup, name: str) -> list[str]:
    """The contents of a page's ``<meta name=...>`` tags (citation tags)."""
    return [m["content"] for m in doc.find_all("meta", attrs={"name": name})]
