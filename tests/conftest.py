"""Shared fixtures.

Tests that need the real corpus in ``../shared/corpus`` use ``shared_corpus``,
which skips with a reason when it is absent (a user's fresh clone).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ETSLIB_SHARED_CORPUS", ROOT.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not (SHARED / "MANIFEST.tsv").is_file():
        pytest.skip(f"the shared test corpus is not at {SHARED} (set ETSLIB_SHARED_CORPUS)")
    return SHARED
