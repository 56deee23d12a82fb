"""A library staff can change: a copy of the sample corpus, its index and
a staff account; and a signed-in test client."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from search.index import IndexRoot

ROOT = Path(__file__).resolve().parents[2]
NAME, PASSWORD = "alice", "correct horse battery staple"
OTHER, OTHER_PASSWORD = "bob", "another long passphrase"


def make_library(tmp: Path, files: list[str] | None = None) -> tuple[Path, IndexRoot]:
    """Copy the sample corpus (or just ``files`` of it, relative paths) to
    ``tmp/corpus``, index it into ``tmp/index`` and add two accounts."""
    from search.ingest import IngestOptions, ingest
    from webui.accounts import add_user

    corpus = tmp / "corpus"
    if files is None:
        shutil.copytree(ROOT / "corpus", corpus)
    else:
        for rel in files:
            (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / "corpus" / rel, corpus / rel)
        if (ROOT / "corpus" / "catalog.yaml").exists():
            shutil.copy2(ROOT / "corpus" / "catalog.yaml", corpus / "catalog.yaml")
    root = IndexRoot(tmp / "index")
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["failed"] == 0, report["failures"]
    add_user(root, NAME, PASSWORD)
    add_user(root, OTHER, OTHER_PASSWORD)
    return corpus, root


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def sign_in(client, name: str = NAME, password: str = PASSWORD) -> str:
    """Sign ``client`` in; returns a CSRF token for its session."""
    token = csrf_of(client.get("/staff/signin").get_data(as_text=True))
    r = client.post("/staff/signin", data={"name": name, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    return csrf_of(client.get("/staff/").get_data(as_text=True))
