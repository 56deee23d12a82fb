"""Whoosh's format stays in search/index/whoosh_format.py.

Every reach into Whoosh's private objects and file layout is in that one
module, which checks the installed Whoosh at import; the readers that
bypass Whoosh say once when they fall back to it; counting a store's
documents and pages needs no snapshot.
"""

from __future__ import annotations

import ast
import logging
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from search.index import DocWriter, IndexProblem, IndexRoot, Snapshot, store_counts, tidy
from search.index.fallbacks import forget_warnings
from search.index.whoosh_format import (
    WHOOSH_VERSION,
    WhooshVersionError,
    check_whoosh_version,
    installed_whoosh_version,
)
from tests.index.test_index_format import TEXTS, _doc

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "search" / "index"
FORMAT = INDEX / "whoosh_format.py"

#: Private attributes of our own objects that other objects of ours may
#: read (a class's use of its own private attributes needs no entry).
OWN_PRIVATE_ACROSS_OBJECTS: frozenset[str] = frozenset()

#: Whoosh modules the rest of search/index may import (public API: the
#: schema, storage and errors, the spelling automaton).
PUBLIC_WHOOSH = {
    "whoosh",  # from whoosh import columns, fields, formats
    "whoosh.codec.base",  # Automata, for "did you mean"
    "whoosh.filedb.filestore",
    "whoosh.filedb.structfile",
    "whoosh.index",  # EmptyIndexError
}


# -- no private access outside the format module -----------------------------


class _PrivateAccess(ast.NodeVisitor):
    """Finds ``x._name`` (and ``getattr(x, "_name")``, ``from whoosh... import
    _name``) that is not a class's use of a private attribute it defines."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.classes: list[set[str]] = []

    @staticmethod
    def _private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    @staticmethod
    def _own_names(cls: ast.ClassDef) -> set[str]:
        """What a class defines: methods, class attributes, slots, and
        attributes its methods assign on ``self``."""
        names: set[str] = set()
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        names.add(t.id)
                        if t.id == "__slots__" and isinstance(node.value, (ast.Tuple, ast.List)):
                            names.update(e.value for e in node.value.elts if isinstance(e, ast.Constant))
        for node in ast.walk(cls):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets = [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                        names.add(sub.attr)
        return names

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(self._own_names(node))
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._private(node.attr):
            on_self = isinstance(node.value, ast.Name) and node.value.id == "self"
            if on_self and self.classes and node.attr in self.classes[-1]:
                pass
            elif node.attr not in OWN_PRIVATE_ACROSS_OBJECTS:
                self.found.append(f"line {node.lineno}: {ast.unparse(node)}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id in ("getattr", "hasattr", "setattr", "delattr"):
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                if self._private(node.args[1].value):
                    self.found.append(f"line {node.lineno}: {ast.unparse(node)}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] == "whoosh":
            if module not in PUBLIC_WHOOSH:
                self.found.append(f"line {node.lineno}: from {module} import ... (not public API)")
            for alias in node.names:
                if self._private(alias.name):
                    self.found.append(f"line {node.lineno}: from {module} import {alias.name}")
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "whoosh" and alias.name not in PUBLIC_WHOOSH:
                self.found.append(f"line {node.lineno}: import {alias.name} (not public API)")
        self.generic_visit(node)


def _private_accesses(source: str) -> list[str]:
    visitor = _PrivateAccess()
    visitor.visit(ast.parse(source))
    return visitor.found


def test_only_the_format_module_reaches_into_whoosh():
    offenders = {}
    for path in sorted(INDEX.glob("*.py")):
        if path == FORMAT:
            continue
        found = _private_accesses(path.read_text("utf-8"))
        if found:
            offenders[path.name] = found
    assert offenders == {}, "use search/index/whoosh_format.py for these"


def test_the_private_access_check_finds_private_access():
    """The check above is not vacuous: it flags the kinds of access the
    format module makes, and lets a class use its own attributes."""
    assert len(_private_accesses(FORMAT.read_text("utf-8"))) > 20
    flagged = _private_accesses(
        "from whoosh.codec.whoosh3 import _lenfield\n"
        "def f(reader):\n"
        "    return reader._perdoc, hasattr(reader, '_terms')\n"
        "class Mine:\n"
        "    __slots__ = ('_a',)\n"
        "    def __init__(self, other):\n"
        "        self._a = other._b\n"
        "    def g(self):\n"
        "        return self._a, self._inherited\n"
    )
    assert [f.split(": ", 1)[1] for f in flagged] == [
        "from whoosh.codec.whoosh3 import ... (not public API)",
        "from whoosh.codec.whoosh3 import _lenfield",
        "reader._perdoc",
        "hasattr(reader, '_terms')",
        "other._b",
        "self._inherited",
    ]


def _python_files_outside_the_index() -> list[Path]:
    files = [p for p in (ROOT / "search").rglob("*.py") if INDEX not in p.parents]
    files += list((ROOT / "webui").rglob("*.py")) + list((ROOT / "scripts").rglob("*.py"))
    scripts = [p for p in (ROOT / "scripts").iterdir() if p.is_file() and p.suffix == ""]
    return files + [p for p in scripts if p.read_text("utf-8").startswith("#!/usr/bin/env python")]


def test_no_module_outside_the_index_imports_whoosh():
    """Also imports inside functions, which the text check in
    test_index_format.py sees too, and the scripts."""
    offenders = []
    for path in _python_files_outside_the_index():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(n.split(".")[0] == "whoosh" for n in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# -- the version check ----------------------------------------------------


def test_the_installed_whoosh_is_the_pinned_one():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert f"whoosh-reloaded=={WHOOSH_VERSION}" in pyproject["project"]["dependencies"]
    assert installed_whoosh_version() == WHOOSH_VERSION
    check_whoosh_version(WHOOSH_VERSION)


@pytest.mark.parametrize("installed", ["2.7.4", "2.8.0", None])
def test_another_whoosh_is_refused_with_the_fix(installed):
    with pytest.raises(WhooshVersionError) as info:
        check_whoosh_version(installed)
    message = str(info.value)
    assert isinstance(info.value, IndexProblem)
    assert "\n" not in message
    assert (installed or "not installed") in message
    assert f"needs whoosh-reloaded {WHOOSH_VERSION}," in message
    assert message.endswith("run `pip install whoosh-reloaded==2.7.5`")


# -- slow paths are reported once ---------------------------------------------


class _RamStore:
    """A store whose files are in memory: they have no descriptor to pread,
    so every fast reader falls back to Whoosh's."""

    name = "ram"
    path = Path("ram")

    def __init__(self) -> None:
        from whoosh.filedb.filestore import RamStorage

        from search.index.schema import build_schema

        self.storage = RamStorage()
        self.storage.create_index(build_schema())

    @property
    def whoosh(self):
        return self.storage.open_index()

    def phrases(self):
        from search.text.phrases import EMPTY

        return EMPTY


def _fill(store, docs, deleted=()) -> None:
    """Two commits (two segments), then ``deleted`` removed."""
    w = DocWriter(store)
    half = len(docs) // 2
    for k, (doc, terms) in enumerate(docs):
        w.add(doc, terms, dn=k)
        if k == half - 1:
            w.commit()
    w.commit()
    for doc_id in deleted:
        w.delete(doc_id)
    w.commit()


@pytest.fixture(scope="module")
def docs():
    return [_doc(i, path, "en") for i, path in enumerate(TEXTS[:4])]


@pytest.fixture(scope="module")
def disk_snapshot(docs, tmp_path_factory):
    root = IndexRoot(tmp_path_factory.mktemp("disk"))
    store = root.create()
    root.publish(store)
    with root.lock():
        _fill(store, docs, deleted=["doc1"])
    snap = Snapshot(root.open())
    yield snap
    snap.close()


def test_slow_paths_are_logged_once_and_read_the_same(docs, disk_snapshot, caplog):
    forget_warnings()
    ram = _RamStore()
    _fill(ram, docs, deleted=["doc1"])
    with caplog.at_level(logging.WARNING, logger="etslib.index"):
        slow = Snapshot(ram)  # two segments: each falls back
        again = Snapshot(ram)
    try:
        warnings = [r for r in caplog.records if r.name == "etslib.index"]
        assert len(warnings) == 2, [r.getMessage() for r in warnings]
        messages = sorted(r.getMessage() for r in warnings)
        assert messages[0].startswith("stored fields fall back to Whoosh's slower reader: ")
        assert messages[1].startswith("term lookups fall back to Whoosh's slower reader: ")
        assert all("descriptor" in m for m in messages), messages
        assert all(r.levelno == logging.WARNING for r in warnings)
        assert all(col is None for col in slow._stored_columns)

        fast = disk_snapshot
        assert (slow.n_docs, slow.n_pages) == (fast.n_docs, fast.n_pages)
        assert slow.infos == fast.infos
        assert [slow.stored(r) for r in range(slow.n_records)] == [fast.stored(r) for r in range(fast.n_records)]
        sizes = []
        for field in ("content", "exact", "title"):
            words = _lexicon(fast, field)
            common = sorted(words, key=lambda w: -fast.doc_frequency(field, w))[:5]
            for word in words[::25] + common + ["nosuchword"]:
                want = fast.postings(field, word)
                got = slow.postings(field, word)
                assert (got.ids.tolist(), got.tf.tolist()) == (want.ids.tolist(), want.tf.tolist()), (field, word)
                assert slow.doc_frequency(field, word) == fast.doc_frequency(field, word)
                sizes.append(len(want))
                if field == "exact":
                    a, b = slow.positions(field, word), fast.positions(field, word)
                    assert a.ids.tolist() == b.ids.tolist()
                    assert [p.tolist() for p in a.decode(np.arange(len(a)))] == [
                        p.tolist() for p in b.decode(np.arange(len(b)))
                    ]
            for word in words[::100]:
                typo = word[:-1] + "q"
                assert slow.similar_terms(field, typo) == fast.similar_terms(field, typo)
        assert max(sizes) > 20 and min(sizes) == 0  # postings in blocks, inlined ones and none
    finally:
        slow.close()
        again.close()


def _lexicon(snap: Snapshot, field: str) -> list[str]:
    return sorted({t.decode("utf-8") if isinstance(t, bytes) else t for t in snap.reader.lexicon(field)})


# -- counting documents and pages -------------------------------------------


def test_store_counts_equal_the_snapshot_with_deletions_and_merges(docs, tmp_path):
    root = IndexRoot(tmp_path)
    store = root.create()
    root.publish(store)
    assert store_counts(store) == (0, 0)
    with root.lock():
        _fill(store, docs, deleted=["doc0", "doc3"])
        with Snapshot(root.open()) as snap:
            assert store_counts(store) == (snap.n_docs, snap.n_pages) == (2, snap.n_pages)
            assert snap.live.sum() < snap.n_records  # deletions are marked, not merged away
        tidy(store, max_segments=1)
    with Snapshot(root.open()) as snap:
        assert len(snap._leaves) == 1
        assert store_counts(store) == (snap.n_docs, snap.n_pages)


def test_store_counts_of_a_real_index(index_dir):
    store = IndexRoot(index_dir).open()
    with Snapshot(store) as snap:
        assert store_counts(store) == (snap.n_docs, snap.n_pages)
        assert snap.n_docs > 10 and snap.n_pages > snap.n_docs


def test_store_counts_do_not_read_the_documents(docs, tmp_path, monkeypatch):
    """Only columns: no stored fields (the metadata) are unpickled."""
    root = IndexRoot(tmp_path)
    store = root.create()
    root.publish(store)
    with root.lock():
        _fill(store, docs)
    from whoosh.reading import SegmentReader

    def refuse(*args, **kwargs):
        raise AssertionError("stored fields read")

    monkeypatch.setattr(SegmentReader, "stored_fields", refuse)
    monkeypatch.setattr(sys.modules["search.index.whoosh_format"].StoredColumn, "get", refuse)
    assert store_counts(store)[0] == len(docs)
