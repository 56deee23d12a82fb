"""Planning an ingest: which files are there, and which of them are supported.

:func:`walk` lists the supported files under the given folders (leaving out
hidden files, catalogs and what ``.etslibignore`` names) and reports the
rest; :func:`sha256_file` is the content hash that decides whether a
touched file really changed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .catalog import CATALOG_NAMES


@dataclass
class FileInfo:
    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    rel: str = ""  # relative to the folder it was found under (rules read folder names)


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
    path) are left out silently.
    """
    suffixes = supported_suffixes()
    found: dict[str, FileInfo] = {}

    def consider(p: Path, base: Path, ignore: list[str] = ()) -> None:
        if p.name in CATALOG_NAMES or p.name.startswith("."):
            return
        rel = str(p.relative_to(base)) if p != base else p.name
        if any(fnmatch.fnmatch(p.name, pat) or fnmatch.fnmatch(rel, pat) for pat in ignore):
            return
        if p.suffix.lower() not in suffixes:
            skipped.append({"path": str(p), "reason": f"unsupported file type {p.suffix or '(none)'}"})
            return
        try:
            st = p.stat()
        except OSError as e:
            skipped.append({"path": str(p), "reason": f"cannot read: {e.strerror}"})
            return
        found[str(p)] = FileInfo(str(p), st.st_size, st.st_mtime_ns, rel=rel)

    for raw in paths:
        root = Path(raw).expanduser().resolve()
        if root.is_file():
            consider(root, root)
            continue
        if not root.is_dir():
            raise FileNotFoundError(f"no such file or folder: {raw}")
        inherited: dict[str, list[str]] = {}
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            ignore = inherited.get(dirpath, []) + _ignore_patterns(here)
            dirnames[:] = sorted(
                d for d in dirnames
                if not d.startswith(".") and not any(fnmatch.fnmatch(d, pat) for pat in ignore)
            )
            for d in dirnames:
                inherited[os.path.join(dirpath, d)] = ignore
            for name in sorted(filenames):
                consider(here / name, root, ignore)
    return sorted(found.values(), key=lambda f: f.path)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
