"""Fixtures of the index tests."""

from __future__ import annotations

import pytest

from tests.conftest import build_index


@pytest.fixture
def corpus(tmp_path):
    """A one-file folder indexed at ``tmp_path / "ix"``."""
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "a.txt").write_text("Allowance auctions in the first trading period.\n", encoding="utf-8")
    build_index([folder], tmp_path / "ix")
    return folder
