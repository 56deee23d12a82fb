"""What ingest may read (issue 14, defects 2, 3 and 6): symbolic links are
followed only inside the folders being ingested, FIFOs and devices are
skipped with a reason and never opened, file names that are not UTF-8 are
reported (escaped) and the batch goes on; ``/file/<id>`` serves a file only
while it is the one indexed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from search.ingest.safety import FileChanged, open_indexed, shown
from tests.support.cli import etslib

TEXT = "Carbon market report\n\nAllowances are auctioned in the emissions trading system.\n"


def _folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("the secret carbon plan\n")
    (docs / "ok.txt").write_text(TEXT)
    (docs / "sub" / "inner.txt").write_text("Inner notes on the market stability reserve.\n")
    os.symlink("/etc/passwd", docs / "passwd.txt")
    os.symlink(outside / "secret.txt", docs / "secret.txt")
    os.symlink("sub/inner.txt", docs / "alias.txt")  # inside: followed (a duplicate)
    os.symlink("gone.txt", docs / "broken.txt")  # not "/nonexistent": that is a folder on some machines
    os.symlink(outside, docs / "linkdir")
    os.mkfifo(docs / "pipe.txt")
    os.symlink("/dev/zero", docs / "zero.txt")
    (docs / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Carbon tax notes.\n")
    (docs / "new\nline.txt").write_text("Carbon newline notes.\n")
    return docs


def test_links_out_fifos_devices_and_bad_names_are_skipped_with_reasons(tmp_path):
    docs = _folder(tmp_path)
    out = etslib("ingest", str(docs), "--index", str(tmp_path / "ix"), "--json", timeout=120)  # hung for ever on pipe.txt
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    for name in ("passwd.txt", "secret.txt", "zero.txt"):
        assert "outside the folders being ingested" in reasons[name]
    assert "FIFO" in reasons["pipe.txt"]
    assert "leads nowhere" in reasons["broken.txt"]
    assert "not followed" in reasons["linkdir"]
    assert "not UTF-8" in reasons["caf\\xe9.txt"]  # shown escaped
    assert report["counts"]["new"] == 3 and report["counts"]["failed"] == 0  # ok, inner, the newline name
    saved = json.loads((tmp_path / "ix" / "report.json").read_text("utf-8"))
    assert saved["status"] == "ok"
    listed = json.loads(etslib("search", "carbon", "--index", str(tmp_path / "ix"), "--json").stdout)
    assert "secret" not in json.dumps(listed) and "root:" not in json.dumps(listed)


def test_a_fifo_swapped_in_after_the_walk_is_not_opened(tmp_path):
    from search.ingest.plan import sha256_file

    os.mkfifo(tmp_path / "late.txt")
    with pytest.raises(OSError, match="FIFO"):
        sha256_file(str(tmp_path / "late.txt"))  # blocked for ever before


def test_shown_escapes_bytes_and_control_characters():
    assert shown(os.fsdecode(b"/a/caf\xe9.txt")) == "/a/caf\\xe9.txt"
    assert shown("/a/new\nline.txt") == "/a/new\\nline.txt"
    assert shown("/a/数据 ü.txt") == "/a/数据 ü.txt"


def _indexed(path: Path, root: Path) -> dict:
    st = path.stat()
    return {"path": str(path), "root": str(root), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def test_open_indexed_serves_only_the_file_indexed(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    f = root / "a.txt"
    f.write_text(TEXT)
    info = _indexed(f, root)
    fd, st = open_indexed(info)
    os.close(fd)
    assert st.st_size == len(TEXT)
    # Swapped for a link to /etc/passwd: refused.
    f.unlink()
    os.symlink("/etc/passwd", f)
    with pytest.raises(FileChanged, match="outside"):
        open_indexed(info)
    # Swapped for another file inside the folder: the size and time say so.
    f.unlink()
    f.write_text(TEXT + "more")
    with pytest.raises(FileChanged, match="changed"):
        open_indexed(info)
    f.unlink()
    os.mkfifo(f)
    with pytest.raises(FileChanged):
        open_indexed(info)
    f.unlink()
    with pytest.raises(FileChanged, match="no longer"):
        open_indexed(info)
    # Indexed before the folder was recorded: no link anywhere on the path.
    g = root / "b.txt"
    g.write_text(TEXT)
    legacy = _indexed(g, root)
    del legacy["root"]
    os.close(open_indexed(legacy)[0])
    os.symlink(g, root / "c.txt")
    with pytest.raises(FileChanged):
        open_indexed(dict(legacy, path=str(root / "c.txt")))


def test_file_route_refuses_a_swapped_file_and_names_the_charset_once(tmp_path):
    from webui import create_app
    from webui.state import close

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(TEXT)
    (docs / "page.html").write_text("<html><head><title>Carbon page</title></head><body><p>Carbon allowances auctioned.</p></body></html>")
    assert etslib("ingest", str(docs), "--index", str(tmp_path / "ix")).returncode == 0
    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")})
    try:
        c = app.test_client()
        results = c.get("/api/search", query_string={"limit": 10}).get_json()["results"]
        ids = {r["path"]: r["id"] for r in results}
        assert set(ids) == {"a.txt", "page.html"}  # below the folder: no server path
        r = c.get(f"/file/{ids['a.txt']}")
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/plain; charset=utf-8"
        r.close()
        r = c.get(f"/file/{ids['page.html']}")
        assert r.headers["Content-Type"] == "text/html; charset=utf-8" and "sandbox" in r.headers["Content-Security-Policy"]
        r.close()
        (docs / "a.txt").unlink()
        os.symlink("/etc/passwd", docs / "a.txt")
        r = c.get(f"/file/{ids['a.txt']}")
        assert r.status_code == 404 and b"root:" not in r.data
        assert str(tmp_path).encode() not in r.data
    finally:
        close(app)
