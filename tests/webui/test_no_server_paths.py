"""Public output names documents by id and by their path relative to the
folder they were ingested from, never by the server's absolute path: the
API, every export and every page are checked."""

from __future__ import annotations

import re

import pytest

from tests.conftest import CORPUS

from .helpers import api, fetch

#: An absolute file path as it would leak: a root folder and at least two more parts.
ABSOLUTE = re.compile(r"(?<![\w:/.%-])/(?:home|root|tmp|work|srv|var|usr|opt|mnt|data|Users)/[^\s\"'<>]+")


def _leaks(body: str, index_dir) -> list[str]:
    found = [s for s in (str(CORPUS), str(CORPUS.resolve()), str(index_dir)) if s in body]
    return found + ABSOLUTE.findall(body)


@pytest.fixture(scope="module")
def some_ids(everything, ids_by_kind) -> list[str]:
    """One document of each kind (PDF, HTML, text)."""
    return [ids[0] for ids in ids_by_kind.values()]


def test_the_api_names_files_relative_to_the_corpus(client, index_dir, everything):
    for r in everything["results"]:
        assert r["path"] and not r["path"].startswith("/"), r["path"]
        assert "/" not in r["path"] or r["path"].split("/")[0] in {"cn", "de", "eu", "wci"}
    urls = ["/api/search?q=allowances", "/api/search?limit=100", "/api/stats"]
    for u in urls:
        body = fetch(client, u).get_data(as_text=True)
        assert not _leaks(body, index_dir), u


def test_documents_and_their_text_name_no_server_path(client, index_dir, some_ids):
    for doc_id in some_ids:
        for u in (f"/api/doc/{doc_id}?q=emissions", f"/api/doc/{doc_id}/text", f"/doc/{doc_id}?q=emissions", f"/doc/{doc_id}/text?q=emissions"):
            r = fetch(client, u)
            assert r.status_code == 200, u
            assert not _leaks(r.get_data(as_text=True), index_dir), u
        info = client.get(f"/api/doc/{doc_id}").get_json()["document"]
        assert not info["path"].startswith("/")


def test_exports_name_no_server_path(client, index_dir, some_ids):
    urls = ["/search.csv", "/search.bib", "/search.ris", "/search.atom", "/search.csv?q=allowances", "/opensearch.xml"]
    urls += [f"/doc/{i}/cite.bib" for i in some_ids] + [f"/doc/{i}/cite.ris" for i in some_ids]
    for u in urls:
        r = fetch(client, u)
        assert r.status_code == 200, u
        assert not _leaks(r.get_data(as_text=True), index_dir), u


def test_pages_name_no_server_path(client, index_dir):
    for u in ("/", "/?q=allowances", "/?q=zzzxqv", "/about", "/help"):
        r = fetch(client, u)
        assert r.status_code == 200, u
        assert not _leaks(r.get_data(as_text=True), index_dir), u


def test_the_leak_check_would_catch_one(index_dir):
    assert _leaks(f'{{"path": "{CORPUS}/eu/a.pdf"}}', index_dir)
    assert _leaks('"path": "/work/shared/corpus/real-ets/a.pdf"', index_dir)
    assert not _leaks('<a href="http://127.0.0.1:8000/doc/x">', index_dir)
