"""The shipped hub data is exactly what scripts/build-hub-data makes from the published files."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_hub_data_is_reproducible(shared_corpus, tmp_path, monkeypatch):
    pytest.importorskip("shapely")  # the build extra; the server never needs it
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import hubbuild
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    shipped = ROOT / "search" / "data"
    monkeypatch.setattr(hubbuild, "DATA", tmp_path)
    monkeypatch.setattr(hubbuild, "SHARED", shared_corpus / "datasets")
    shutil.copytree(shipped / "prices" / "mappings", tmp_path / "prices" / "mappings")
    hubbuild.write_geometry()
    hubbuild.write_factsheets()
    hubbuild.write_prices()
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert built
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (shipped / rel).read_bytes(), rel


def test_search_hub_imports_neither_flask_nor_the_index():
    """The hub's data and renderers are pure: the web layer calls them, never the other way."""
    import ast

    for p in (ROOT / "search" / "hub").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [("." * node.level) + node.module]
            for n in names:
                assert not n.startswith(("flask", "markupsafe", "webui", "whoosh")), (p, n)
                assert "index" not in n.split("."), (p, n)
