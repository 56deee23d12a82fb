"""What an ingest did, saved beside the index: ``report.json``, and
``failures.json`` with the files that failed (so an unchanged broken file
is not extracted again on every run)."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..index import IndexRoot, write_json_atomic
from ..model import Document
from .values import review_entries

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
            "counts": {k: 0 for k in ("new", "updated", "unchanged", "metadata", "removed", "failed", "skipped", "duplicates", "from_cache", "ocr")},
            "pages": 0,
            "documents": 0,
            "failures": [],
            "skipped": [],
            "duplicates": [],
            # Derived values staff should check: low confidence, or a
            # field a citation needs that no rule filled (values.review_entries).
            "review": [],
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

    def review(self, doc: Document) -> None:
        """List the document's low-confidence values for staff."""
        self.data["review"].extend(review_entries(doc.metadata()))

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


def _load(path: Path) -> Any:
    """A state file's JSON, or None when it is missing or unreadable."""
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def read_failures(root: IndexRoot) -> dict[str, dict[str, Any]]:
    """The failures remembered by the last ingest; entries of the wrong
    shape (a hand-edited or damaged file) are forgotten, not trusted."""
    data = _load(root.root / FAILURES_FILE)
    if not isinstance(data, dict):
        return {}
    out = {}
    for path, f in data.items():
        if (
            isinstance(f, dict)
            and all(isinstance(f.get(k), int) and not isinstance(f.get(k), bool) for k in ("size", "mtime_ns"))
            and all(isinstance(f.get(k), str) for k in ("code", "reason"))
        ):
            out[path] = {k: f[k] for k in ("size", "mtime_ns", "code", "reason")}
    return out


def failure_key(path: str) -> str:
    """A failed file's name in staff URLs: its path's digest, so no server
    path is ever shown or taken from a request."""
    return hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:20]


@dataclass(frozen=True)
class FailedFile:
    """A file the last ingest could not index, as the staff pages act on it."""

    key: str
    path: str
    code: str
    reason: str
    remembered: bool  # not tried again until it changes, unless forgotten


def failed_files(root: IndexRoot) -> list[FailedFile]:
    """The failures of the last report and those remembered between runs."""
    remembered = read_failures(root)
    found: dict[str, FailedFile] = {}
    for f in (read_report(root) or {}).get("failures", []):
        found[f["path"]] = FailedFile(failure_key(f["path"]), f["path"], f["code"], f["reason"], f["path"] in remembered)
    for path, f in remembered.items():
        found.setdefault(path, FailedFile(failure_key(path), path, f["code"], f["reason"], True))
    return sorted(found.values(), key=lambda f: f.path)


def failed_file(root: IndexRoot, key: str) -> FailedFile | None:
    return next((f for f in failed_files(root) if f.key == key), None)


def forget_failure(root: IndexRoot, path: str) -> bool:
    """Forget that ``path`` failed, so the next ingest extracts it again
    (``--retry-failed`` for one file); whether it was remembered."""
    data = read_failures(root)
    if data.pop(path, None) is None:
        return False
    write_json_atomic(root.root / FAILURES_FILE, data)
    return True


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


#: The report's lists of records, and the text fields each record must have.
_RECORDS = {
    "failures": ("path", "code", "reason"),
    "skipped": ("path", "reason"),
    "duplicates": ("path", "of"),
    "catalog": ("file", "problem"),
}
_COUNTS = ("new", "updated", "unchanged", "metadata", "removed", "failed", "skipped", "duplicates", "from_cache")


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def checked_report(data: Any) -> dict[str, Any] | None:
    """A saved report in the shape its readers (``etslib stats``, ``/about``)
    expect, or None: a report.json of the wrong JSON type (a list, a string)
    crashed both. Values of the wrong type are replaced, records of the
    wrong shape dropped."""
    if not isinstance(data, dict):
        return None
    out = dict(data)
    counts = data.get("counts") if isinstance(data.get("counts"), dict) else {}
    out["counts"] = {k: _int(counts.get(k)) for k in _COUNTS}
    for key, fields in _RECORDS.items():
        items = data.get(key) if isinstance(data.get(key), list) else []
        out[key] = [r for r in items if isinstance(r, dict) and all(isinstance(r.get(f), str) for f in fields)]
    for key in ("status", "started", "finished"):
        if not isinstance(data.get(key), str):
            out[key] = "unknown" if key == "status" else None
    for key in ("pages", "documents", "index_pages"):
        out[key] = _int(data.get(key))
    out["seconds"] = data["seconds"] if isinstance(data.get("seconds"), (int, float)) and not isinstance(data.get("seconds"), bool) else 0.0
    notes = data.get("notes") if isinstance(data.get("notes"), list) else []
    out["notes"] = [n for n in notes if isinstance(n, str)]
    return out


def read_report(root: IndexRoot) -> dict[str, Any] | None:
    return checked_report(_load(root.report_path))
