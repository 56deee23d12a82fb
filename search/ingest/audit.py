"""The audit log: who added, edited, removed or reindexed what, and when.

One JSON object a line in ``<index>/audit.jsonl``, appended under an
exclusive ``flock`` so the web workers, the reindex runner and the command
line can all write it; a line is written whole with one ``write`` call.
Kept in the index folder, beside the staff catalog it explains, so a
rebuild (a new store in the same folder) keeps it.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..index import IndexRoot

AUDIT_FILE = "audit.jsonl"


@dataclass(frozen=True)
class AuditEntry:
    at: str  # ISO 8601, UTC
    who: str  # a staff account, or "cli:<user>" for the command line
    action: str  # "upload", "edit", "remove", "reindex", "sign-in", ...
    target: str  # a document id, a file name or "index"
    detail: dict[str, Any]


def audit_path(root: IndexRoot) -> Path:
    return root.root / AUDIT_FILE


def record(root: IndexRoot, who: str, action: str, target: str = "", **detail: Any) -> AuditEntry:
    """Append one entry and return it."""
    entry = AuditEntry(datetime.now(timezone.utc).isoformat(timespec="seconds"), who, action, target, detail)
    line = json.dumps(
        {"at": entry.at, "who": who, "action": action, "target": target, "detail": detail},
        ensure_ascii=False,
        default=str,
    )
    root.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(audit_path(root), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode("utf-8"))
    finally:
        os.close(fd)  # closing releases the lock
    return entry


def entries(root: IndexRoot, *, limit: int = 100, offset: int = 0, action: str | None = None) -> tuple[list[AuditEntry], int]:
    """The newest entries first (``offset`` skips that many), and how many there are."""
    try:
        lines = audit_path(root).read_text("utf-8").splitlines()
    except OSError:
        return [], 0
    out: list[AuditEntry] = []
    for line in reversed(lines):
        try:
            d = json.loads(line)
        except ValueError:
            continue  # a torn line after a crash: skip it
        if action and d.get("action") != action:
            continue
        out.append(AuditEntry(d.get("at", ""), d.get("who", ""), d.get("action", ""), d.get("target", ""), d.get("detail") or {}))
    return out[offset : offset + limit], len(out)


def cli_user() -> str:
    """``cli:<login name>``: who acted from the command line."""
    try:
        import pwd

        name = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        name = os.environ.get("USER", "unknown")
    return f"cli:{name}"
