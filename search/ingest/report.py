"""What an ingest did, saved beside the index: ``report.json``, and
``failures.json`` with the files that failed (so an unchanged broken file
is not extracted again on every run)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..index import IndexRoot, write_json_atomic

if TYPE_CHECKING:
    from .plan import FileInfo, Plan
    from .run import IngestOptions


class Report:
    """What an ingest did; saved as ``report.json`` next to the index."""

    def __init__(self, root: IndexRoot, paths: list[str], options: IngestOptions):
        self.data: dict[str, Any] = {
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "finished": None,
            "seconds": 0.0,
            "index": str(root.root),
            "paths": [str(Path(p).expanduser().resolve()) for p in paths],
            "rebuild": options.rebuild,
            "jobs": options.jobs,
            "status": "running",
            "counts": {k: 0 for k in ("new", "updated", "unchanged", "metadata", "removed", "failed", "skipped", "duplicates", "from_cache")},
            "pages": 0,
            "documents": 0,
            "failures": [],
            "skipped": [],
            "duplicates": [],
            "catalog": [],  # catalog rows left out or values reported, with file and line
            "notes": [],
        }
        self._t0 = time.monotonic()

    def planned(self, plan: Plan) -> None:
        """What the plan already tells: the files found and skipped, the
        files that failed before extraction, duplicates and unchanged files."""
        self.data["skipped"].extend(plan.skipped)
        self.data["documents_found"] = len(plan.files)
        for f in plan.failures:
            self.fail(f.path, f.code, f.reason, remembered=f.remembered)
        self.data["duplicates"].extend(plan.duplicates)
        self.count("unchanged", plan.unchanged)

    def count(self, key: str, n: int = 1) -> None:
        self.data["counts"][key] += n

    def fail(self, path: str, code: str, reason: str, *, remembered: bool = False) -> None:
        entry = {"path": path, "code": code, "reason": reason}
        if remembered:
            entry["remembered"] = True  # failed in an earlier run; not tried again
        self.data["failures"].append(entry)
        self.count("failed")

    def finish(self, status: str) -> dict[str, Any]:
        self.data["status"] = status
        self.data["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.data["seconds"] = round(time.monotonic() - self._t0, 2)
        self.data["counts"]["skipped"] = len(self.data["skipped"])
        self.data["counts"]["duplicates"] = len(self.data["duplicates"])
        return self.data


def index_counts(root: IndexRoot) -> tuple[int, int]:
    """Documents and pages in the published index (after a failed rebuild,
    the old one), for the report: read from the page-number column and the
    deletion lists, without loading any document's metadata."""
    from ..index import store_counts

    return store_counts(root.open())


FAILURES_FILE = "failures.json"


def read_failures(root: IndexRoot) -> dict[str, dict[str, Any]]:
    try:
        return json.loads((root.root / FAILURES_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def write_failures(root: IndexRoot, failures: list[dict[str, Any]], files: list[FileInfo]) -> None:
    """Remember failed files with their size and mtime, so an unchanged
    broken file is not extracted again on every run (``--retry-failed``)."""
    stat = {f.path: f for f in files}
    remembered = {}
    for fail in failures:
        f = stat.get(fail["path"])
        if f is not None and fail["code"] not in ("timeout", "crashed", "memory", "unreadable"):
            remembered[f.path] = {"size": f.size, "mtime_ns": f.mtime_ns, "code": fail["code"], "reason": fail["reason"]}
    write_json_atomic(root.root / FAILURES_FILE, remembered)


def read_report(root: IndexRoot) -> dict[str, Any] | None:
    try:
        return json.loads(root.report_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
