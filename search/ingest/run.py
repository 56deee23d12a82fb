"""Ingest: load the catalog, plan what changed, write, report.

:func:`ingest` reads as those steps: the plan (:mod:`.plan`) decides per
file; the writing removes, rewrites headers (metadata-only updates, whose
header terms are analysed here: no pages, so cheap) and files the documents
the workers (:mod:`.process`) extracted and analysed.

Re-running on the same folders only processes new or changed files (by
size and mtime, then content hash) and removes documents whose files are
gone. Every batch commit is durable, so a killed ingest leaves an index that
opens; the next run picks up exactly what was not committed.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from .. import config
from ..index import DocWriter, IndexDamaged, IndexOutdated, IndexRoot, Snapshot, Store, clear_temp, tidy, write_json_atomic
from ..index.checksums import record, repair, verify
from .catalog import Catalog, entry_hash, load_catalog
from .metadata import with_entry
from .plan import Plan, plan_ingest, supported_suffixes
from .process import header_terms, process_file
from .report import Report, index_counts, read_failures, read_report, write_failures
from .safety import shown

__all__ = ["IngestOptions", "ingest", "read_report", "supported_suffixes"]


log = logging.getLogger("etslib.ingest")

ProgressWrapper = Callable[[Iterable[Any], int], Iterable[Any]]
Emit = Callable[[str, dict[str, Any]], None]


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


def _indexed(store: Store) -> list[dict[str, Any]]:
    """The stored metadata of every indexed document."""
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
    on_event: Emit | None = None,
) -> dict[str, Any]:
    """Bring the index at ``root`` up to date with the files under ``paths``.

    Raises :class:`~search.index.IndexBusy` when another process is writing,
    ``FileNotFoundError`` for a missing path and ``CatalogError`` for a bad
    catalog; single files that fail are reported, not raised.
    """
    options = options or IngestOptions()
    report = Report(root, paths, options)
    emit = on_event or (lambda kind, data: None)
    with root.lock():
        # From here on the report is saved whatever happens (another
        # ingest's report is never overwritten: it holds the lock).
        status = "failed"
        plan: Plan | None = None
        try:
            catalog: Catalog = load_catalog(paths, options.catalogs, cache_dir=root.root / "catalogcache")
            report.data["catalog"] = catalog.problems
            store, publish_at_end, indexed = _open_store(root, options.rebuild, report)
            plan = plan_ingest(
                paths,
                indexed,
                catalog,
                failed_before={} if options.retry_failed or publish_at_end else read_failures(root),
                cache_dir=str(root.textcache) if options.use_cache else None,
                max_pages=options.max_pages,
            )
            report.planned(plan)
            emit("plan", {"tasks": len(plan.tasks), "removed": len(plan.removed), "metadata": len(plan.metadata)})
            status = "interrupted"
            writer = DocWriter(store)
            try:
                _write(writer, plan, options, report, emit, progress)
                tidy(store)
                if publish_at_end:
                    root.publish(store)
                status = "ok"
            except BaseException:
                writer.cancel()
                _discard(store, publish_at_end)
                raise
        except Exception as e:
            report.data["notes"].append(f"stopped: {shown(str(e))}")
            raise
        finally:
            _save_report(root, report, status, plan)
    return report.data


def _open_store(root: IndexRoot, rebuild: bool, report: Report) -> tuple[Store, bool, list[dict[str, Any]]]:
    """The store to write, whether to publish it only at the end, and the
    documents it holds.

    An index of another schema version is rebuilt; a rebuild writes a new
    store beside the old one, which keeps being served until it is published.
    A damaged index is checked against its checksums: damaged segments are
    dropped with their documents' other records (the plan then indexes
    those documents again, from the text cache), and an index damaged as a
    whole (its table of contents, its checksums, CURRENT) is rebuilt.
    """
    damaged_current = root.current_damaged()
    if damaged_current:
        report.data["notes"].append("the index's CURRENT file was damaged: rebuilding the index (from the text cache)")
    else:
        root.remove_stale()
    if not rebuild and root.exists():
        try:
            store = root.open()
            clear_temp(store)
            _check(store, report)
            return store, False, _indexed(store)
        except IndexOutdated as e:
            report.data["notes"].append(f"{e}; rebuilding")
        except IndexDamaged as e:
            report.data["notes"].append(f"{e.args[0].split(': run', 1)[0]}: rebuilding the index (from the text cache)")
    had_index = root.exists() or damaged_current
    store = root.create()
    if had_index:
        return store, True, []  # keep serving the old index meanwhile
    root.publish(store)
    return store, False, []


def _check(store: Store, report: Report) -> None:
    """Check the store against its checksums and drop what is damaged
    (raises IndexDamaged when only a rebuild helps)."""
    verdict = verify(store, full=True)
    if not verdict.checked:
        # Written before checksums were kept: if it opens, record them now.
        Snapshot(store).close()
        record(store)
        report.data["notes"].append("checksums recorded for an index written before etslib kept them")
        return
    if verdict.whole:
        verdict.raise_if_damaged()
    if verdict.segments:
        lost = repair(store, verdict)
        report.data["notes"].append(
            f"the index was damaged ({'; '.join(verdict.problems[:3])}): the {lost} documents in "
            f"{len(verdict.segments)} damaged segment{'s' if len(verdict.segments) > 1 else ''} are indexed again from the text cache"
        )


def _discard(store: Store, unpublished: bool) -> None:
    """After a failed ingest (a full disk): an unpublished rebuild is
    deleted, else the files of the failed commit, so the disk is not left full."""
    try:
        if unpublished:
            shutil.rmtree(store.path, ignore_errors=True)
        else:
            clear_temp(store)
    except Exception as e:  # noqa: BLE001 - the ingest's own error is the one to report
        log.warning("cannot tidy %s after a failed ingest: %s", store.path, e)


def _save_report(root: IndexRoot, report: Report, status: str, plan: Plan | None) -> None:
    """Finish the report and save it beside the index with the failures to
    remember, whether the ingest succeeded or not (a failure to save is
    logged, never raised over the ingest's own outcome)."""
    data = report.finish(status)
    try:
        data["documents"], data["index_pages"] = index_counts(root)
    except Exception:  # the report must still be written
        pass
    try:
        write_json_atomic(root.report_path, data)
        if plan is not None:
            write_failures(root, data["failures"], plan.files)
    except OSError as e:  # a full disk: the ingest's own error says more
        log.warning("cannot save the ingest report in %s: %s", root.root, e)


def _write(
    writer: DocWriter,
    plan: Plan,
    options: IngestOptions,
    report: Report,
    emit: Emit,
    progress: ProgressWrapper | None,
) -> None:
    """Carry out ``plan``: removals, metadata-only updates, then the files the
    workers extract, committed in batches and once more at the end."""
    last_commit = time.monotonic()  # removals and header rewrites join the first batch
    for info in plan.removed:
        writer.delete(info["id"])
        report.count("removed")
    for update in plan.metadata:
        doc = with_entry(update.info, update.entry)
        writer.delete_header(update.info["id"])  # the header indexed (the entry may not name it)
        writer.add_header(
            doc,
            header_terms(doc),
            update.info["dn"],
            extra={
                "catalog": entry_hash(update.entry),
                "page_count": update.info.get("page_count", 0),
                **({"root": update.info["root"]} if update.info.get("root") else {}),
            },
        )
        report.count("metadata")
    if plan.tasks:
        _write_extracted(writer, plan, options, report, emit, progress, last_commit)
    writer.commit(merge=False)


def _write_extracted(
    writer: DocWriter,
    plan: Plan,
    options: IngestOptions,
    report: Report,
    emit: Emit,
    progress: ProgressWrapper | None,
    last_commit: float,
) -> None:
    """Run the planned tasks in the worker pool and file each document with
    the terms its worker analysed, replacing the document it updates."""
    from .pool import WorkerPool

    tasks = plan.tasks
    next_dn = plan.next_dn
    with WorkerPool(process_file, jobs=options.jobs, timeout=options.timeout, memory_mb=options.memory_mb) as pool:
        results: Iterator = pool.map_unordered(tasks.items())
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
            old = plan.replaces.get(path)
            dn = old["dn"] if old else next_dn
            if old:
                writer.delete(old["id"])
                report.count("updated")
            else:
                next_dn += 1
                report.count("new")
            writer.add(doc, terms, dn, extra={"catalog": entry_hash(tasks[path].entry), "root": tasks[path].root})
            report.data["pages"] += doc.page_count
            # Only the documents still in the workers are left: write the
            # batch now, beside them, so the final commit is small.
            tail = received == len(tasks) - options.jobs and writer.pending >= 500
            if (
                tail
                or writer.pending >= options.batch_records
                or writer.pending_chars >= config.BATCH_CHARS
                or time.monotonic() - last_commit > options.batch_seconds
            ):
                writer.commit(background=True)
                last_commit = time.monotonic()
                emit("commit", {"pages": report.data["pages"]})
