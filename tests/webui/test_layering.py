"""What the web layer may import and reach into."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_web_layer_does_not_touch_the_index_internals():
    for p in (ROOT / "webui").rglob("*.py"):
        text = p.read_text()
        assert not re.search(r"^\s*(import|from)\s+whoosh", text, re.M), p
        if p.name in ("cli.py", "server.py"):
            continue  # the CLI opens the searcher early to report a missing index
        assert ".state()" not in text and "._state" not in text and ".snap" not in text, p


#: The parts of ``search`` the web layer (pages, API, exports, command line)
#: may import. The index is reached through ``search.query`` only.
ALLOWED = ("search.query", "search.ingest", "search.vocab", "search.model", "search.config", "search.hub")


def imported_modules(source: str) -> list[tuple[int, str]]:
    """Every absolute module an import statement names, with its line
    (``from search import config`` names ``search.config``)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "search":
                out += [(node.lineno, f"search.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, node.module))
    return out


def allowed(module: str) -> bool:
    if module != "search" and not module.startswith("search."):
        return True
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


@pytest.mark.parametrize(
    "source, ok",
    [
        ("from search.query import Searcher", True),
        ("from search.query.contract import hit_json", True),
        ("from search import config", True),
        ("import search.model", True),
        ("def f():\n    from search.vocab.facets import FACETS", True),
        ("from flask import Flask", True),
        ("from .views import search", True),
        ("from search.index import IndexRoot", False),
        ("from search import index", False),
        ("import search.index.store", False),
        ("def f():\n    from search.lru import SizedLRU", False),
        ("import search", False),
    ],
)
def test_import_rule_reads_every_form_of_import(source, ok):
    assert all(allowed(m) for _, m in imported_modules(source)) is ok


def test_web_layer_imports_only_the_public_parts_of_search():
    files = sorted((ROOT / "webui").rglob("*.py"))
    assert len(files) > 10
    bad = [
        f"{p.relative_to(ROOT)}:{line}: {module}"
        for p in files
        for line, module in imported_modules(p.read_text("utf-8"))
        if not allowed(module)
    ]
    assert not bad, "webui may import only " + ", ".join(ALLOWED) + ":\n" + "\n".join(bad)
