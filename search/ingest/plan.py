"""Planning an ingest: which files are there, and what to do with each.

:func:`walk` lists the supported files under the given folders (leaving out
hidden files, catalogs and what ``.etslibignore`` names) and reports the
rest; :func:`sha256_file` is the content hash that decides whether a
touched file really changed. :func:`plan_ingest` compares the walked files
with the indexed documents and returns a :class:`Plan`: what is unchanged,
what needs only its metadata updated, what to extract, what failed before,
what is a duplicate and what was removed. It reads files but never the
index, so it is tested without one.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import safety
from .catalog import CATALOG_NAMES, Catalog, entry_hash
from .metadata import needs_reprocess
from .process import FileTask


@dataclass
class FileInfo:
    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    rel: str = ""  # relative to the folder it was found under (rules read folder names)
    root: str = ""  # that folder, resolved (a file served later must still resolve inside it)


def supported_suffixes() -> frozenset[str]:
    from ..extract import SUPPORTED_SUFFIXES

    return frozenset(SUPPORTED_SUFFIXES)


IGNORE_FILE = ".etslibignore"


def _ignore_patterns(folder: Path) -> list[str]:
    """Glob patterns from a folder's ``.etslibignore`` (one per line, # comments)."""
    try:
        lines = (folder / IGNORE_FILE).read_text("utf-8").splitlines()
    except OSError:
        return []
    return [l.strip() for l in lines if l.strip() and not l.lstrip().startswith("#")]


def walk(paths: Iterable[str | os.PathLike], skipped: list[dict[str, str]]) -> list[FileInfo]:
    """Supported files under ``paths`` (sorted); others go to ``skipped``.

    Hidden files, catalog files and files matching a ``.etslibignore``
    pattern (in the file's folder or any folder above it, up to the given
    path) are left out silently. What must not be read is skipped with its
    reason (:func:`~.safety.refusal`): symbolic links leading out of the
    given folders, FIFOs and devices, and names that are not UTF-8.
    """
    suffixes = supported_suffixes()
    found: dict[str, FileInfo] = {}
    roots = [str(Path(raw).expanduser().resolve()) for raw in paths]

    def skip(p: Path | str, reason: str) -> None:
        skipped.append({"path": safety.shown(p), "reason": reason})

    def consider(p: Path, base: Path, ignore: list[str] = ()) -> None:
        if p.name in CATALOG_NAMES or p.name.startswith("."):
            return
        if not safety.utf8_name(str(p)):
            skip(p, "the file name is not UTF-8 text: rename the file to index it")
            return
        rel = str(p.relative_to(base)) if p != base else p.name
        if any(fnmatch.fnmatch(p.name, pat) or fnmatch.fnmatch(rel, pat) for pat in ignore):
            return
        if p.suffix.lower() not in suffixes:
            skip(p, f"unsupported file type {p.suffix or '(none)'}")
            return
        reason, st = safety.refusal(p, roots)
        if reason is not None:
            skip(p, reason)
            return
        found[str(p)] = FileInfo(str(p), st.st_size, st.st_mtime_ns, rel=rel, root=str(base if p != base else p.parent))

    for raw in paths:
        root = Path(raw).expanduser().resolve()
        if root.is_file():
            consider(root, root)
            continue
        if not root.is_dir():
            raise FileNotFoundError(f"no such file or folder: {safety.shown(raw)}")
        inherited: dict[str, list[str]] = {}
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            ignore = inherited.get(dirpath, []) + _ignore_patterns(here)
            keep = []
            for d in sorted(dirnames):
                if d.startswith(".") or any(fnmatch.fnmatch(d, pat) for pat in ignore):
                    continue
                if not safety.utf8_name(d):
                    skip(here / d, "the folder name is not UTF-8 text: rename the folder to index its files")
                    continue
                if os.path.islink(here / d):
                    skip(here / d, "a symbolic link to a folder: not followed")
                    continue
                keep.append(d)
            dirnames[:] = keep
            for d in dirnames:
                inherited[os.path.join(dirpath, d)] = ignore
            for name in sorted(filenames):
                consider(here / name, root, ignore)
    return sorted(found.values(), key=lambda f: f.path)


def sha256_file(path: str) -> str:
    """The content hash; raises ``OSError`` for anything but a regular file
    (one swapped for a FIFO since the walk must not block the ingest)."""
    h = hashlib.sha256()
    with os.fdopen(safety.open_regular(path), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class MetadataUpdate:
    """An indexed document whose header is rewritten, its pages kept: its
    catalog entry changed, or its file was touched without changing."""

    info: dict[str, Any]  # the stored metadata (a touched file's new size and mtime in)
    entry: dict[str, Any]  # its catalog entry now


@dataclass
class Failure:
    """A file that fails before any extraction: it failed in an earlier run
    and has not changed since (``remembered``), or it cannot be read."""

    path: str
    code: str
    reason: str
    remembered: bool = False


@dataclass
class Plan:
    """What an ingest will do, decided before anything is written."""

    files: list[FileInfo]  # every supported file walked, sorted by path
    skipped: list[dict[str, str]] = field(default_factory=list)  # what walk() left out, with why
    unchanged: int = 0  # same size, mtime and catalog entry as indexed
    metadata: list[MetadataUpdate] = field(default_factory=list)
    tasks: dict[str, FileTask] = field(default_factory=dict)  # path -> file to extract (walk order)
    replaces: dict[str, dict[str, Any]] = field(default_factory=dict)  # task path -> indexed document it replaces
    removed: list[dict[str, Any]] = field(default_factory=list)  # indexed documents whose files are gone
    failures: list[Failure] = field(default_factory=list)  # in walk order
    duplicates: list[dict[str, str]] = field(default_factory=list)  # {"path", "of"}: same content as "of"
    next_dn: int = 0  # the first document number free for new documents


def _renames(indexed: dict[str, Any], entry: dict[str, Any]) -> bool:
    """The catalog gives an indexed document a new id: every page record
    carries the id, so the document is filed again (from the text cache),
    not given a new header only (which left two headers with one number)."""
    return "id" in entry and entry["id"] != indexed.get("id")


def plan_ingest(
    paths: list[str],
    indexed: list[dict[str, Any]],
    catalog: Catalog,
    *,
    failed_before: dict[str, dict[str, Any]] | None = None,
    cache_dir: str | None = None,
    max_pages: int | None = None,
) -> Plan:
    """Decide for every file under ``paths`` what to do, given the
    ``indexed`` documents (their stored metadata) and the ``catalog``.

    A file whose size and mtime are those indexed is unchanged unless its
    catalog entry changed (a metadata update, or a reprocess when
    :func:`~.metadata.needs_reprocess`). Other files are hashed: the same
    hash is a touched file (a metadata update recording the new mtime), a
    hash already indexed or planned under another path is a duplicate, and
    the rest are extracted. A file in ``failed_before`` (by path, with size,
    mtime, code and reason) that has not changed is not tried again.
    Indexed documents under ``paths`` whose files were not found, and those
    elsewhere whose files no longer exist, are removed. Each file's catalog
    entry is looked up once, here; its task carries it to the worker.
    Raises ``FileNotFoundError`` for a missing path.
    """
    skipped: list[dict[str, str]] = []
    files = walk(paths, skipped)
    plan = Plan(files=files, skipped=skipped)
    failed_before = failed_before or {}
    by_path = {s["path"]: s for s in indexed}
    by_sha: dict[str, str] = {}
    for s in indexed:
        by_sha.setdefault(s["sha256"], s["path"])
    plan.next_dn = max((s.get("dn", -1) for s in indexed), default=-1) + 1

    walked = {f.path for f in files}
    roots = [str(Path(p).expanduser().resolve()) for p in paths]
    plan.removed = [
        s
        for s in indexed
        if s["path"] not in walked
        and (any(s["path"] == r or s["path"].startswith(r.rstrip(os.sep) + os.sep) for r in roots) or not os.path.exists(s["path"]))
    ]
    removed_paths = {s["path"] for s in plan.removed}
    for s in plan.removed:
        if by_sha.get(s["sha256"]) == s["path"]:
            del by_sha[s["sha256"]]  # a moved file is not a duplicate of its old self

    def extract(f: FileInfo, sha256: str, entry: dict[str, Any]) -> None:
        plan.tasks[f.path] = FileTask(f.path, sha256, f.size, f.mtime_ns, entry, cache_dir, max_pages, f.rel, f.root)
        if f.path in by_path:
            plan.replaces[f.path] = by_path[f.path]

    for f in files:
        old = by_path.get(f.path)
        gone_wrong = failed_before.get(f.path)
        if not old and gone_wrong and gone_wrong["size"] == f.size and gone_wrong["mtime_ns"] == f.mtime_ns:
            # Failed before and unchanged since: report it, don't extract it again.
            plan.failures.append(Failure(f.path, gone_wrong["code"], gone_wrong["reason"], remembered=True))
            continue
        if old and old["size"] == f.size and old["mtime_ns"] == f.mtime_ns:
            entry = catalog.lookup(f.path, old["sha256"])
            if entry_hash(entry) == old.get("catalog"):
                plan.unchanged += 1
            elif needs_reprocess(old, entry) or _renames(old, entry):
                extract(f, old["sha256"], entry)
            else:
                plan.metadata.append(MetadataUpdate(old, entry))
            continue
        try:
            f.sha256 = sha256_file(f.path)
        except OSError as e:
            plan.failures.append(Failure(f.path, "unreadable", f"cannot read: {e.strerror or e}"))
            continue
        if old and old["sha256"] == f.sha256 and not _renames(old, entry := catalog.lookup(f.path, f.sha256)):
            # Touched, not changed: record the new mtime (a header rewrite).
            plan.metadata.append(MetadataUpdate(dict(old, mtime_ns=f.mtime_ns, size=f.size), entry))
            continue
        twin = by_sha.get(f.sha256)
        if twin and twin != f.path and twin not in removed_paths:
            plan.duplicates.append({"path": f.path, "of": twin})
            continue
        by_sha[f.sha256] = f.path
        extract(f, f.sha256, catalog.lookup(f.path, f.sha256))
    return plan
