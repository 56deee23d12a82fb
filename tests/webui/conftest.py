"""Fixtures of the web tests: the sample corpus as the API lists it.

The app, its client and the index come from ``tests/conftest.py``.
"""

from __future__ import annotations

import pytest

from .helpers import api


@pytest.fixture(scope="module")
def everything(app) -> dict:
    """Browse: every document of the sample corpus, newest first."""
    with app.test_client() as c:
        return api(c, limit=100)


@pytest.fixture(scope="module")
def ids_by_kind(everything) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in everything["results"]:
        out.setdefault(r["kind"], []).append(r["id"])
    return out
