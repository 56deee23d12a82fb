"""Ingest: walk folders, work out what changed, extract in isolated workers,
write in batches, report.

Re-running on the same folders only processes new or changed files (by
size and mtime, then content hash) and removes documents whose files are
gone. Every batch commit is durable, so a killed ingest leaves an index that
opens; the next run picks up exactly what was not committed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .catalog import CATALOG_NAMES, Catalog, entry_hash, load_catalog
from .documents import FileTask, header_terms, process_file
from .index import DocWriter, IndexOutdated, IndexRoot, Snapshot, Store, clear_temp, tidy, write_json_atomic
from .model import Document

log = logging.getLogger("etslib.ingest")

ProgressWrapper = Callable[[Iterable[Any], int], Iterable[Any]]


@dataclass
class IngestOptions:
    jobs: int = 2
    timeout: float = 120.0  # seconds per document
    memory_mb: int | None = 3072  # address-space limit per worker
    max_pages: int = 5000
    batch_records: int = 20000  # commit after this many pages… (100,000 pages: 5 segments, no merge)
    batch_seconds: float = 60.0  # …or this long
    rebuild: bool = False
    catalogs: list[str] = field(default_factory=list)
    use_cache: bool = True
    retry_failed: bool = False  # extract again files that failed and have not changed


@dataclass
class FileInfo:
    path: str
    size: int
    mtime_ns: int
    sha256: str | None = None
    rel: str = ""  # relative to the folder it was found under (rules read folder names)


def supported_suffixes() -> frozenset[str]:
    from .extract import SUPPORTED_SUFFIXES

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
            "counts": {k: 0 for k in ("new", "updated", "unchanged", "metadata", "removed", "failed", "skipped", "duplicates")},
            "pages": 0,
            "documents": 0,
            "failures": [],
            "skipped": [],
            "duplicates": [],
            "notes": [],
        }
        self._t0 = time.monotonic()

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


def _states(store: Store) -> list[dict[str, Any]]:
    snap = Snapshot(store)
    try:
        return list(snap.infos)
    finally:
        snap.close()


def _with_entry(info: dict[str, Any], entry: dict[str, Any]) -> Document:
    """An indexed document's metadata with a (changed) catalog entry applied."""
    from .jurisdictions import load as load_jurisdictions
    from .metadata import _year_of
    from .model import DOC_TYPES

    meta = {k: v for k, v in info.items() if k in Document.__dataclass_fields__}
    sources = dict(meta.get("sources") or {})
    for k, v in entry.items():
        if k == "jurisdictions":
            reg = load_jurisdictions()
            v = [reg.resolve(j) or j for j in v]
        if k == "type" and v not in DOC_TYPES:
            v = "other"
        meta[k] = v
        sources[k] = "catalog"
    if "year" not in entry and "date" in entry:
        meta["year"] = _year_of(entry["date"]) or meta.get("year")
    meta["sources"] = sources
    meta["pages"] = []
    return Document(**meta)


def _needs_reprocess(info: dict[str, Any], entry: dict[str, Any]) -> bool:
    """A catalog change that only a fresh derivation can apply.

    Dropping a catalog field must bring back the derived value, and a new
    language changes how every page is stemmed.
    """
    was_catalog = {k for k, v in (info.get("sources") or {}).items() if v == "catalog"}
    if was_catalog - set(entry):
        return True
    return entry.get("language", info.get("language")) != info.get("language")


def ingest(
    paths: list[str],
    root: IndexRoot,
    options: IngestOptions | None = None,
    *,
    progress: ProgressWrapper | None = None,
    on_event: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Bring the index at ``root`` up to date with the files under ``paths``.

    Raises :class:`~search.index.IndexBusy` when another process is writing,
    ``FileNotFoundError`` for a missing path and ``CatalogError`` for a bad
    catalog; single files that fail are reported, not raised.
    """
    from .pool import WorkerPool

    options = options or IngestOptions()
    report = Report(root, paths, options)
    emit = on_event or (lambda kind, data: None)
    catalog: Catalog = load_catalog(paths, options.catalogs, cache_dir=root.root / "catalogcache")
    with root.lock():
        root.remove_stale()
        rebuild = options.rebuild
        store: Store | None = None
        if not rebuild and root.exists():
            try:
                store = root.open()
            except IndexOutdated as e:
                report.data["notes"].append(f"{e}; rebuilding")
                rebuild = True
        publish_at_end = False
        if store is not None:
            clear_temp(store)
        if store is None:
            had_index = root.exists()
            store = root.create()
            if had_index:
                publish_at_end = True  # keep serving the old index meanwhile
            else:
                root.publish(store)
        states = [] if publish_at_end else _states(store)
        files = walk(paths, report.data["skipped"])
        report.data["documents_found"] = len(files)
        by_path = {s["path"]: s for s in states}
        by_sha: dict[str, str] = {}
        for s in states:
            by_sha.setdefault(s["sha256"], s["path"])
        next_dn = max((s.get("dn", -1) for s in states), default=-1) + 1
        cache_dir = str(root.textcache) if options.use_cache else None

        tasks: list[FileTask] = []
        header_updates: list[tuple[dict[str, Any], dict[str, Any]]] = []
        walked = {f.path for f in files}
        roots = [str(Path(p).expanduser().resolve()) for p in paths]
        removed = [
            s
            for s in states
            if s["path"] not in walked
            and (any(s["path"] == r or s["path"].startswith(r.rstrip(os.sep) + os.sep) for r in roots) or not os.path.exists(s["path"]))
        ]
        removed_paths = {s["path"] for s in removed}
        for s in removed:
            if by_sha.get(s["sha256"]) == s["path"]:
                del by_sha[s["sha256"]]
        failed_before = {} if options.retry_failed or publish_at_end else _read_failures(root)
        for f in files:
            old = by_path.get(f.path)
            gone_wrong = failed_before.get(f.path)
            if not old and gone_wrong and gone_wrong["size"] == f.size and gone_wrong["mtime_ns"] == f.mtime_ns:
                # Failed before and unchanged since: report it, don't extract it again.
                report.fail(f.path, gone_wrong["code"], gone_wrong["reason"], remembered=True)
                continue
            if old and old["size"] == f.size and old["mtime_ns"] == f.mtime_ns:
                entry = catalog.lookup(f.path, old["sha256"])
                if entry_hash(entry) != old.get("catalog"):
                    if _needs_reprocess(old, entry):
                        tasks.append(FileTask(f.path, old["sha256"], f.size, f.mtime_ns, entry, cache_dir, options.max_pages, f.rel))
                    else:
                        header_updates.append((old, entry))
                else:
                    report.count("unchanged")
                continue
            try:
                f.sha256 = sha256_file(f.path)
            except OSError as e:
                report.fail(f.path, "unreadable", f"cannot read: {e.strerror or e}")
                continue
            if old and old["sha256"] == f.sha256:
                # Touched, not changed: record the new mtime (a header rewrite).
                entry = catalog.lookup(f.path, f.sha256)
                old = dict(old, mtime_ns=f.mtime_ns, size=f.size)
                header_updates.append((old, entry))
                continue
            twin = by_sha.get(f.sha256)
            if twin and twin != f.path and twin not in removed_paths:
                report.data["duplicates"].append({"path": f.path, "of": twin})
                continue
            by_sha[f.sha256] = f.path
            entry = catalog.lookup(f.path, f.sha256)
            tasks.append(FileTask(f.path, f.sha256, f.size, f.mtime_ns, entry, cache_dir, options.max_pages, f.rel))

        emit("plan", {"tasks": len(tasks), "removed": len(removed), "metadata": len(header_updates)})
        status = "interrupted"
        writer = DocWriter(store)
        last_commit = time.monotonic()
        try:
            for s in removed:
                writer.delete(s["id"])
                report.count("removed")
            for old, entry in header_updates:
                doc = _with_entry(old, entry)
                doc.mtime_ns, doc.size = old["mtime_ns"], old["size"]
                terms = header_terms(doc)
                writer.delete_header(doc.id)
                writer.add_header(
                    doc,
                    terms,
                    old["dn"],
                    extra={"catalog": entry_hash(entry), "page_count": old.get("page_count", 0)},
                )
                report.count("metadata")
            if tasks:
                with WorkerPool(
                    process_file, jobs=options.jobs, timeout=options.timeout, memory_mb=options.memory_mb
                ) as pool:
                    results: Iterator = pool.map_unordered((t.path, t) for t in tasks)
                    if progress is not None:
                        results = iter(progress(results, len(tasks)))
                    received = 0
                    for res in results:
                        received += 1
                        path = res.key
                        if not res.ok:
                            report.fail(path, res.code, res.reason)
                            emit("failed", {"path": path, "code": res.code, "reason": res.reason})
                            continue
                        doc, terms = res.value
                        old = by_path.get(path)
                        dn = old["dn"] if old else next_dn
                        if old:
                            writer.delete(old["id"])
                            report.count("updated")
                        else:
                            next_dn += 1
                            report.count("new")
                        header_terms(doc, terms)
                        entry = catalog.lookup(doc.path, doc.sha256)
                        writer.add(doc, terms, dn, extra={"catalog": entry_hash(entry)})
                        report.data["pages"] += doc.page_count
                        # Only the documents still in the workers are left: write the
                        # batch now, beside them, so the final commit is small.
                        tail = received == len(tasks) - options.jobs and writer.pending >= 500
                        if tail or writer.pending >= options.batch_records or time.monotonic() - last_commit > options.batch_seconds:
                            writer.commit(background=True)
                            last_commit = time.monotonic()
                            emit("commit", {"pages": report.data["pages"]})
            writer.commit(merge=False)
            tidy(store)
            if publish_at_end:
                root.publish(store)
            status = "ok"
        except BaseException:
            writer.cancel()
            raise
        finally:
            data = report.finish(status)
            try:
                snap = Snapshot(root.open())
                data["documents"] = snap.n_docs
                data["index_pages"] = snap.n_pages
                snap.close()
            except Exception:  # the report must still be written
                pass
            write_json_atomic(root.report_path, data)
            _write_failures(root, data["failures"], files)
    return report.data


FAILURES_FILE = "failures.json"


def _read_failures(root: IndexRoot) -> dict[str, dict[str, Any]]:
    import json

    try:
        return json.loads((root.root / FAILURES_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _write_failures(root: IndexRoot, failures: list[dict[str, Any]], files: list[FileInfo]) -> None:
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
    import json

    try:
        return json.loads(root.report_path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
