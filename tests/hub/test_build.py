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
