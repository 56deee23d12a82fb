"""The staff catalog: corrections made from the staff pages and the
command line, kept in the index folder so every ingest applies them.

``<index>/staff-catalog.json`` holds, per file (by absolute path), the
fields staff set, a revision number and who set them. Every ingest merges
it over the catalogs found in the ingested folders (:func:`merge_into`), so
staff values win, and a rebuild keeps them. Writes are read-modify-write
under an exclusive ``flock``; :func:`update` takes the revision the editor
started from and raises :class:`EditConflict` when someone saved in
between (optimistic locking: two editors never silently overwrite each
other).
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..index import IndexRoot, write_json_atomic
from ..model import METADATA_FIELDS
from .catalog import ALLOWED, Catalog, CatalogError, check_entry

STAFF_CATALOG = "staff-catalog.json"

#: Fields staff may set, in form order: the catalog's fields but the id
#: (part of every URL) and the file keys.
EDITABLE: tuple[str, ...] = tuple(
    [f for f in METADATA_FIELDS if f != "id"] + [f for f in sorted(ALLOWED - set(METADATA_FIELDS)) if f not in ("path", "sha256")]
)


class EditConflict(Exception):
    """Someone saved the record since the editor opened it."""

    def __init__(self, current: StaffEntry | None, expected: int):
        super().__init__(f"the record changed since it was opened (revision {expected}, now {current.rev if current else 0})")
        self.current = current
        self.expected = expected


@dataclass
class StaffEntry:
    path: str
    fields: dict[str, Any] = field(default_factory=dict)
    rev: int = 0
    by: str = ""
    at: str = ""
    origin: str = "staff"  # "staff", or "import:<file>" for bulk records


@dataclass
class StaffCatalog:
    entries: dict[str, StaffEntry] = field(default_factory=dict)

    def get(self, path: str) -> StaffEntry | None:
        return self.entries.get(path)

    def rev(self, path: str) -> int:
        e = self.entries.get(path)
        return e.rev if e else 0


def _path(root: IndexRoot) -> Path:
    return root.root / STAFF_CATALOG


def load(root: IndexRoot) -> StaffCatalog:
    try:
        data = json.loads(_path(root).read_text("utf-8"))
    except FileNotFoundError:
        return StaffCatalog()
    except (OSError, ValueError) as e:
        raise CatalogError(f"{STAFF_CATALOG} in the index folder cannot be read: {e}") from None
    out = StaffCatalog()
    for path, d in (data.get("entries") or {}).items():
        out.entries[path] = StaffEntry(path, dict(d.get("fields") or {}), int(d.get("rev", 0)), d.get("by", ""), d.get("at", ""), d.get("origin", "staff"))
    return out


def _save(root: IndexRoot, cat: StaffCatalog) -> None:
    data = {
        "entries": {
            p: {"fields": e.fields, "rev": e.rev, "by": e.by, "at": e.at, "origin": e.origin}
            for p, e in sorted(cat.entries.items())
            if e.fields or e.rev
        }
    }
    write_json_atomic(_path(root), data)


@contextmanager
def _locked(root: IndexRoot) -> Iterator[StaffCatalog]:
    """The catalog, loaded under an exclusive lock and saved on success."""
    root.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root.root / "staff-catalog.lock", os.O_RDWR | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        cat = load(root)
        yield cat
        _save(root, cat)
    finally:
        os.close(fd)


def validate(fields: dict[str, Any], where: str) -> dict[str, Any]:
    """``fields`` cleaned as a catalog entry's are (raises CatalogError)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise CatalogError(f"{where}: these fields cannot be set: {', '.join(sorted(unknown))}")
    cleaned = check_entry({**fields, "path": "-"}, where)
    cleaned.pop("path", None)
    return cleaned


LIST_FIELDS = frozenset({"authors", "jurisdictions", "topics", "keywords"})


def _norm(name: str, value: Any) -> Any:
    if name in LIST_FIELDS:
        if isinstance(value, str):
            value = value.split(";")
        return [str(v).strip() for v in (value or []) if str(v).strip()]
    return "" if value is None else str(value).strip()


def changed_fields(submitted: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The submitted fields whose value differs from the current one. An
    empty value never clears one (a correction removes a field with
    ``drop``: the derived value comes back)."""
    return {
        name: value
        for name, value in submitted.items()
        if _norm(name, value) not in ("", []) and _norm(name, value) != _norm(name, current.get(name))
    }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def update(
    root: IndexRoot,
    path: str,
    changes: dict[str, Any],
    *,
    who: str,
    expected_rev: int | None = None,
    drop: set[str] | frozenset[str] = frozenset(),
    origin: str = "staff",
) -> StaffEntry:
    """Set ``changes`` (validated) and remove ``drop`` for the file at
    ``path``; with ``expected_rev`` raise :class:`EditConflict` unless the
    entry is still at that revision. Returns the new entry."""
    cleaned = validate(changes, "edit")
    with _locked(root) as cat:
        cur = cat.get(path)
        if expected_rev is not None and (cur.rev if cur else 0) != expected_rev:
            raise EditConflict(cur, expected_rev)
        entry = cur or StaffEntry(path)
        entry.fields = {k: v for k, v in {**entry.fields, **cleaned}.items() if k not in drop}
        entry.rev += 1
        entry.by, entry.at, entry.origin = who, _now(), origin
        cat.entries[path] = entry
        return entry


def replace_many(root: IndexRoot, entries: dict[str, dict[str, Any]], *, who: str, origin: str) -> tuple[int, int]:
    """Set each path's fields (already validated) as a whole; for bulk
    imports. Returns (entries added, entries changed)."""
    added = changed = 0
    with _locked(root) as cat:
        now = _now()
        for path, fields in entries.items():
            cur = cat.get(path)
            if cur is not None and cur.fields == fields:
                continue
            if cur is None:
                cur = cat.entries[path] = StaffEntry(path)
                added += 1
            else:
                changed += 1
            cur.fields, cur.rev, cur.by, cur.at, cur.origin = dict(fields), cur.rev + 1, who, now, origin
    return added, changed


def forget(root: IndexRoot, path: str) -> None:
    """Drop a file's entry (its file was removed)."""
    with _locked(root) as cat:
        cat.entries.pop(path, None)


def move(root: IndexRoot, old: str, new: str) -> None:
    """Carry a file's entry over to another path (a new version replacing it)."""
    with _locked(root) as cat:
        e = cat.entries.pop(old, None)
        if e is not None:
            e.path = new
            e.rev += 1
            cat.entries[new] = e


def merge_into(catalog: Catalog, root: IndexRoot) -> Catalog:
    """``catalog`` with the staff entries laid over its entries by path:
    staff values win, the corpus catalog's other fields stay."""
    staff = load(root)
    for path, e in staff.entries.items():
        if not e.fields:
            continue
        key = os.path.normpath(path)
        catalog.by_path[key] = {**catalog.by_path.get(key, {}), **e.fields, "path": key}
    if staff.entries:
        catalog.files.append(str(_path(root)))
    return catalog
