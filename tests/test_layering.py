"""The packages of ``search/`` depend on each other one way only.

``text`` is the foundation; ``vocab`` and ``extract`` use it; ``index`` may
read the facet registry of ``vocab``; ``ingest`` and ``query`` use all of
those and never each other. Every import counts, at module level or inside
a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEARCH = ROOT / "search"

#: Package → the packages of ``search`` it may import (besides itself and
#: the shared top-level modules ``model``, ``config``, ``lru`` and ``heap``).
MAY_USE: dict[str, set[str]] = {
    "text": set(),
    "vocab": {"text"},
    "extract": {"text"},
    "index": {"text", "vocab"},
    "ingest": {"text", "vocab", "extract", "index"},
    "query": {"text", "vocab", "index"},
    "hub": {"text", "vocab"},  # the knowledge hub: data and SVG; the library through a searcher it is given
}
SHARED = {"model", "config", "lru", "heap"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """``search`` packages a module imports (relative imports resolved)."""
    package = path.relative_to(SEARCH).parts[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            elif node.level == 1:
                names = [f"search.{package}.{node.module or ''}"]
            else:  # from ..x import y, or from .. import x
                names = [f"search.{node.module}"] if node.module else [f"search.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [(node.lineno, n) for n in names if n.startswith("search.")]
    return out


@pytest.mark.parametrize("package", sorted(MAY_USE))
def test_a_package_imports_only_what_lies_below_it(package: str) -> None:
    allowed = MAY_USE[package] | SHARED | {package}
    wrong = []
    for path in sorted((SEARCH / package).rglob("*.py")):
        for line, name in _imports(path):
            target = name.split(".")[1]
            if target not in allowed:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_ingest_and_query_never_import_each_other() -> None:
    assert "query" not in MAY_USE["ingest"] and "ingest" not in MAY_USE["query"]


def test_search_never_imports_flask() -> None:
    for path in SEARCH.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("flask", "werkzeug", "jinja2") for n in names), path
