"""Ingest: walk folders, work out what changed, extract in isolated workers,
write in batches, report.

Re-running on the same folders only processes new or changed files (by
size and mtime, then content hash) and removes documents whose files are
gone. Every batch commit is durable, so a killed ingest leaves an index that
opens; the next run picks up exactly what was not committed.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .. import config
from ..index import DocWriter, IndexOutdated, IndexRoot, Snapshot, Store, clear_temp, tidy, write_json_atomic
from .catalog import Catalog, entry_hash, load_catalog
from .metadata import needs_reprocess, with_entry
from .plan import sha256_file, supported_suffixes, walk
from .process import FileTask, header_terms, process_file
from .report import Report, read_failures, read_report, write_failures


ProgressWrapper = Callable[[Iterable[Any], int], Iterable[Any]]


@dataclass
class IngestOptions:
    """How an ingest runs; the defaults are those of :mod:`search.config`."""

    jobs: int = field(default_factory=config.default_jobs)
    timeout: float = config.TIMEOUT_S  # seconds per document
    memory_mb: int | None = config.WORKER_MEMORY_MB  # address-space limit per worker
    max_pages: int = config.MAX_PAGES
    batch_records: int = config.BATCH_PAGES  # commit after this many pages…
    batch_seconds: float = config.BATCH_SECONDS  # …or this long
    rebuild: bool = False
    catalogs: list[str] = field(default_factory=list)
    use_cache: bool = True
    retry_failed: bool = False  # extract again files that failed and have not changed


def _states(store: Store) -> list[dict[str, Any]]:
    snap = Snapshot(store)
    try:
        return list(snap.infos)
    finally:
        snap.close()


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
        failed_before = {} if options.retry_failed or publish_at_end else read_failures(root)
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
                    if needs_reprocess(old, entry):
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
                doc = with_entry(old, entry)
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
                        doc, terms = res.value.doc, res.value.terms
                        if res.value.from_cache:
                            report.count("from_cache")
                        old = by_path.get(path)
                        dn = old["dn"] if old else next_dn
                        if old:
                            writer.delete(old["id"])
                            report.count("updated")
                        else:
                            next_dn += 1
                            report.count("new")
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
            write_failures(root, data["failures"], files)
    return report.data


