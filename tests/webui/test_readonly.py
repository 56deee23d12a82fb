"""Read-only serving nodes (``etslib serve --read-only``): staff work is
refused with the writer's address, and search works on an index folder
nothing may write to."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from search.index import IndexRoot
from search.index.publish import publish
from tests.conftest import ROOT, build_index

WRITER = "https://staff.library.example.org"


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """A published copy of a small index, then made read-only (every file and folder)."""
    tmp = tmp_path_factory.mktemp("readonly")
    folder = tmp / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Allowance auctions in the first trading period.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Offsets and the cap in the second period.\n", encoding="utf-8")
    build_index([folder], tmp / "ix")
    dest = tmp / "node"
    publish(IndexRoot(tmp / "ix"), dest)
    for d, dirs, files in os.walk(dest):
        for f in files:
            os.chmod(os.path.join(d, f), 0o444)
    for d, dirs, files in sorted(os.walk(dest), reverse=True):
        os.chmod(d, 0o555)
    yield dest
    for d, dirs, files in os.walk(dest):
        os.chmod(d, 0o755)


@pytest.fixture(scope="module")
def ro_app(published):
    from webui import create_app
    from webui.state import close

    app = create_app({"TESTING": True, "INDEX": str(published), "READ_ONLY": True, "WRITER_URL": WRITER})
    yield app
    close(app)


STAFF = [
    ("GET", "/staff/"),
    ("GET", "/staff/signin"),
    ("POST", "/staff/signin"),
    ("POST", "/staff/reindex"),
    ("GET", "/staff/upload"),
    ("POST", "/staff/upload"),
    ("GET", "/staff/status.json"),
]


@pytest.mark.parametrize("method,path", STAFF)
def test_staff_work_is_refused_with_the_writers_address(ro_app, method, path):
    client = ro_app.test_client()
    page = client.open(path, method=method, data={"name": "a", "password": "b"})
    assert page.status_code == 403
    body = page.get_data(as_text=True)
    assert "read-only search node" in body and f'href="{WRITER}{path}' in body
    assert page.headers["Link"].startswith(f"<{WRITER}{path}")
    as_json = client.open(path, method=method, headers={"Accept": "application/json"})
    assert as_json.status_code == 403
    err = as_json.get_json()["error"]
    assert err["status"] == 403 and f"the writer at {WRITER}" in err["message"]


def test_search_works_and_names_the_generation(ro_app, published):
    client = ro_app.test_client()
    assert client.get("/api/search?q=auctions").get_json()["total"] == 1
    assert client.get("/?q=offsets").status_code == 200
    stats = client.get("/api/stats").get_json()
    assert stats["documents"] == 2 and stats["index"] == f"{IndexRoot(published).current_name()}/{stats['generation']}"


def test_without_a_writer_url_the_message_says_whom_to_ask(published):
    from webui import create_app
    from webui.state import close

    app = create_app({"TESTING": True, "INDEX": str(published), "READ_ONLY": True})
    try:
        r = app.test_client().post("/staff/signin", headers={"Accept": "application/json"})
        assert r.status_code == 403 and "ask the administrator" in r.get_json()["error"]["message"]
    finally:
        close(app)


# Run in a child process: every attempt to write under the index folder
# fails there as on a read-only file system, even for root (who ignores
# the permission bits set above).
_CHILD = textwrap.dedent(
    """
    import json, os, sys
    ro = os.path.realpath(sys.argv[1])
    WRITES = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.link", "os.symlink",
              "os.truncate", "os.chmod", "os.chown", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"}
    attempts = []

    def inside(p):
        try:
            return os.path.realpath(os.fsdecode(p)).startswith(ro)
        except TypeError:
            return False

    def hook(event, args):
        if event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = args[1], args[2] or 0
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
            if writing and inside(args[0]):
                attempts.append([event, os.fsdecode(args[0])])
                raise PermissionError(30, "Read-only file system", os.fsdecode(args[0]))
        elif event in WRITES and args and inside(args[0]):
            attempts.append([event, os.fsdecode(args[0])])
            raise PermissionError(30, "Read-only file system")
        elif event == "sqlite3.connect" and args and inside(args[0]):
            attempts.append([event, os.fsdecode(args[0])])

    sys.addaudithook(hook)
    from webui import create_app
    app = create_app({"TESTING": True, "INDEX": ro, "READ_ONLY": True, "WRITER_URL": "https://w.example"})
    c = app.test_client()
    codes = [c.get(p).status_code for p in ("/", "/?q=auctions", "/api/search?q=cap", "/api/stats", "/about", "/help")]
    codes += [c.post("/staff/signin", data={"name": "x", "password": "y"}).status_code, c.get("/staff/").status_code]
    print(json.dumps({"codes": codes, "attempts": attempts}))
    """
)


def _tree(root: Path) -> list[tuple[str, int, int]]:
    return sorted((str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*"))


def test_nothing_writes_to_a_read_only_index_folder(published):
    assert not os.stat(published).st_mode & stat.S_IWUSR
    before = _tree(published)
    r = subprocess.run([sys.executable, "-c", _CHILD, str(published)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "ETSLIB_SECRET_KEY": ""})
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["attempts"] == []
    assert out["codes"] == [200, 200, 200, 200, 200, 200, 403, 403]
    assert _tree(published) == before


def test_commands_that_write_refuse_on_a_read_only_node(published, tmp_path):
    from tests.support.cli import etslib

    env = {"ETSLIB_READ_ONLY": "true", "ETSLIB_WRITER_URL": WRITER, "ETSLIB_INDEX": str(published)}
    r = etslib("ingest", str(tmp_path), env=env)
    assert r.returncode == 1 and f"read-only search node (ETSLIB_READ_ONLY): run this on the writer ({WRITER})" in r.stderr
    r = etslib("stats", "--json", env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["documents"] == 2
