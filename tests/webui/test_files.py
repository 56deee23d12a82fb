"""``/file/<id>``: indexed files only, with Range requests."""

from __future__ import annotations

import pytest

from .helpers import fetch


def test_file_serves_pdf_with_ranges(client, ids_by_kind):
    doc_id = ids_by_kind["pdf"][0]
    r = fetch(client, f"/file/{doc_id}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data[:5] == b"%PDF-"
    assert "attachment" not in r.headers.get("Content-Disposition", "")
    part = fetch(client, f"/file/{doc_id}", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.data) == 100
    dl = fetch(client, f"/file/{doc_id}?download=1")
    assert "attachment" in dl.headers["Content-Disposition"] and ".pdf" in dl.headers["Content-Disposition"]


def test_file_serves_text(client, ids_by_kind):
    r = fetch(client, f"/file/{ids_by_kind['text'][0]}")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/file/..%2f..%2fetc%2fpasswd",
        "/file/../../etc/passwd",
        "/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/file/%2fetc%2fpasswd",
        "/file/etc/passwd",
        "/file/",
        "/file/..",
        "/file/corpus%2fcatalog.yaml",
        "/file/" + "CELEX_32023L0959_EN_TXT.pdf",
    ],
)
def test_file_refuses_anything_but_indexed_ids(client, path):
    r = fetch(client, path)
    assert r.status_code == 404
    assert b"root:" not in r.data and b"%PDF" not in r.data
