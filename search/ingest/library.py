"""The library behind an index: the folders it is built from, the staff
upload folder inside them, and the trash.

``<index>/library.json`` lists the paths ingested into this index (every
successful ingest adds its own), so a reindex started from the staff pages
knows what to walk. Uploads go to a folder inside the first library folder
(``staff-uploads/<year>/``) so every later ingest, rebuilds included, walks
them. A removed document's file is moved to ``<index>/trash/`` (outside
the corpus, so no ingest finds it again) with a note of where it came
from, until ``etslib trash empty``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..index import IndexRoot, write_json_atomic

LIBRARY_FILE = "library.json"
TRASH = "trash"
UPLOADS = "staff-uploads"


def library_paths(root: IndexRoot) -> list[str]:
    """The paths ingested into this index that still exist, in the order first ingested."""
    try:
        data = json.loads((root.root / LIBRARY_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [p for p in data.get("paths", []) if isinstance(p, str) and os.path.exists(p)]


def remember_paths(root: IndexRoot, paths: list[str]) -> None:
    """Add ``paths`` (made absolute) to the library; call holding the ingest lock."""
    try:
        known = json.loads((root.root / LIBRARY_FILE).read_text("utf-8")).get("paths", [])
    except (OSError, ValueError):
        known = []
    new = [str(Path(p).expanduser().resolve()) for p in paths]
    merged = list(dict.fromkeys([*known, *new]))
    if merged != known:
        root.root.mkdir(parents=True, exist_ok=True)
        write_json_atomic(root.root / LIBRARY_FILE, {"paths": merged})


def library_folders(root: IndexRoot) -> list[Path]:
    return [Path(p) for p in library_paths(root) if os.path.isdir(p)]


def upload_dir(root: IndexRoot, configured: str | os.PathLike | None = None) -> Path | None:
    """Where staff uploads go: ``configured``, else ``staff-uploads`` in the
    first library folder; None when there is no library folder yet."""
    if configured:
        return Path(configured).expanduser().resolve()
    folders = library_folders(root)
    return folders[0] / UPLOADS if folders else None


def in_library(root: IndexRoot, path: str | os.PathLike) -> bool:
    """Whether ``path`` lies inside a library folder (or is a library file)."""
    p = os.path.realpath(path)
    for lib in library_paths(root):
        lib = os.path.realpath(lib)
        if p == lib or p.startswith(lib.rstrip(os.sep) + os.sep):
            return True
    return False


def relative_name(root: IndexRoot, path: str) -> str:
    """``path`` relative to its library folder (for people: no server paths)."""
    for lib in library_paths(root):
        if path.startswith(lib.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, lib)
    return os.path.basename(path)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, default: str = "upload") -> str:
    """A file name without folders, control characters or a leading dot."""
    name = unicodedata.normalize("NFKC", os.path.basename(name.replace("\\", "/")))
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = _UNSAFE.sub("-", unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()).strip("-.")[:80]
    suffix = _UNSAFE.sub("", suffix)[:10].lower()
    stem = stem or default
    return f"{stem}.{suffix}" if suffix else stem


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or ``name-2``, ``name-3``… when taken."""
    p = folder / name
    stem, suffix = p.stem, p.suffix
    n = 2
    while p.exists():
        p = folder / f"{stem}-{n}{suffix}"
        n += 1
    return p


# -- trash -----------------------------------------------------------------------


@dataclass
class TrashItem:
    name: str  # the trash folder's entry
    file: str  # the file's name
    original: str  # where it was
    removed: str  # ISO time
    by: str
    info: dict[str, Any]


def trash_dir(root: IndexRoot) -> Path:
    return root.root / TRASH


def move_to_trash(root: IndexRoot, path: str, *, who: str, info: dict[str, Any]) -> TrashItem:
    """Move ``path`` into the trash with a note of where it came from."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    slot = trash_dir(root) / f"{stamp}-{info.get('id') or 'file'}-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
    slot.mkdir(parents=True)
    item = TrashItem(
        slot.name,
        os.path.basename(path),
        path,
        datetime.now(timezone.utc).isoformat(timespec="seconds"),
        who,
        {k: v for k, v in info.items() if k not in ("lens", "dn")},
    )
    shutil.move(path, slot / item.file)
    write_json_atomic(slot / "removed.json", item.__dict__)
    return item


def trash_items(root: IndexRoot) -> list[TrashItem]:
    out = []
    for slot in sorted(trash_dir(root).glob("*/removed.json")):
        try:
            out.append(TrashItem(**json.loads(slot.read_text("utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return out


def empty_trash(root: IndexRoot, older_than_days: float = 0) -> int:
    """Delete trashed files (those older than ``older_than_days``); how many."""
    cutoff = time.time() - older_than_days * 86400
    n = 0
    for slot in trash_dir(root).glob("*"):
        if slot.is_dir() and slot.stat().st_mtime <= cutoff:
            shutil.rmtree(slot, ignore_errors=True)
            n += 1
    return n
