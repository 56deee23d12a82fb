"""Ingest: load the catalog, plan what changed, write, report.

:func:`ingest` reads as those steps: the plan (:mod:`.plan`) decides per
file; the writing removes, rewrites headers (metadata-only updates, whose
header terms are analysed here: no pages, so cheap) and files the documents
the workers (:mod:`.process`) extracted and analysed; then, when anything
changed, :func:`update_families` decides document families over the whole
index and rewrites the headers whose family changed.

Re-running on the same folders only processes new or changed files (by
size and mtime, then content hash) and removes documents whose files are
gone. Every batch commit is durable, so a killed ingest leaves an index that
opens; the next run picks up exactly what was not committed.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

from .. import config
from ..index import DocWriter, IndexDamaged, IndexOutdated, IndexRoot, Snapshot, Store, clear_temp, indexed_infos, optimize, tidy, write_json_atomic
from ..index.checksums import record, repair, verify
from ..model import Document
from ..vocab import glossary
from . import families
from .catalog import Catalog, entry_hash, load_catalog
from .library import remember_paths
from .staffcatalog import merge_into
from .metadata import with_entry
from .plan import Plan, plan_ingest, supported_suffixes
from .process import FileTask, header_terms, process_file, text_signature
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
    ocr: bool = True  # read scanned PDFs by OCR, in a second pool with the OCR limits
    ocr_timeout: float = config.OCR_TIMEOUT_S  # seconds per scanned document
    ocr_memory_mb: int | None = config.OCR_MEMORY_MB
    optimize: bool = False  # merge the index into one segment at the end (faster searches, slower ingest)


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
            merge_into(catalog, root)  # staff corrections win over the folders' catalogs
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
                # Marked before writing, cleared after the family pass: an
                # ingest killed in between leaves the next run to do the pass.
                pending = root.root / FAMILIES_PENDING
                if plan.tasks or plan.removed or plan.metadata:
                    pending.touch()
                _write(writer, plan, options, report, emit, progress)
                if pending.exists() or any("family" not in info for info in indexed):
                    update_families(store, writer, report)
                    emit("families", report.data["families"])
                    pending.unlink(missing_ok=True)
                if options.optimize:
                    optimize(store)
                    emit("optimized", {})
                else:
                    tidy(store)
                if publish_at_end:
                    root.publish(store)
                remember_paths(root, paths)  # what a reindex from the staff pages walks
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
            return store, False, indexed_infos(store)
        except IndexOutdated as e:
            report.data["notes"].append(f"{e}; rebuilding")
        except IndexDamaged as e:
            report.data["notes"].append(f"{e.args[0].split(': run', 1)[0]}: rebuilding the index (from the text cache)")
    had_index = root.exists() or damaged_current
    store = root.create(phrases=glossary.load().phrases())
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
    from ..extract.ocr import available as ocr_available
    from .pool import WorkerPool

    tasks = plan.tasks
    next_dn = plan.next_dn
    scanned: dict[str, FileTask] = {}  # for the OCR pass
    # Documents with text and some pages of images only: filed after the OCR
    # pass reads those pages, or as they are if it cannot.
    partial: dict[str, Any] = {}
    use_ocr = options.ocr and ocr_available()
    with WorkerPool(process_file, jobs=options.jobs, timeout=options.timeout, memory_mb=options.memory_mb) as pool:
        # Each task carries the store's phrase vocabulary to its worker (made
        # here, one at a time, rather than kept twice for the whole plan).
        phrases = writer.phrases
        results: Iterator = pool.map_unordered((path, replace(task, phrases=phrases)) for path, task in tasks.items())
        if progress is not None:
            results = iter(progress(results, len(tasks)))
        received = 0
        for res in results:
            received += 1
            path = res.key
            if not res.ok and res.code == "scanned" and use_ocr:
                scanned[path] = replace(tasks[path], ocr=True, phrases=phrases)
                continue
            if res.ok and res.value.unread_pages and use_ocr:
                scanned[path] = replace(tasks[path], ocr=True, phrases=phrases)
                partial[path] = res
                continue
            if not res.ok:
                report.fail(path, res.code, res.reason)
                emit("failed", {"path": path, "code": res.code, "reason": res.reason})
                continue
            if res.value.from_cache:
                report.count("from_cache")
            next_dn = _file(writer, plan, report, res, next_dn)
            # Only the documents still in the workers are left: write the
            # batch now, beside them, so the final commit is small.
            tail = received == len(tasks) - options.jobs and writer.pending >= 500
            if (
                tail
                or writer.pending >= options.batch_records
                or writer.pending_chars >= config.BATCH_CHARS
                or writer.pending_postings >= config.BATCH_POSTINGS
                or time.monotonic() - last_commit > options.batch_seconds
            ):
                writer.commit(background=True)
                last_commit = time.monotonic()
                emit("commit", {"pages": report.data["pages"]})
    if scanned:
        # Scans again, with OCR: slower, so in a pool with its own limits.
        emit("ocr", {"files": len(scanned)})
        with WorkerPool(process_file, jobs=options.jobs, timeout=options.ocr_timeout, memory_mb=options.ocr_memory_mb) as pool:
            for res in pool.map_unordered(scanned.items()):
                path = res.key
                if not res.ok and path in partial:
                    report.data["notes"].append(f"{shown(path)}: OCR of its image pages failed ({res.code}: {res.reason}); indexed with the text it has")
                    res = partial[path]
                if not res.ok:
                    report.fail(path, res.code, res.reason)
                    emit("failed", {"path": path, "code": res.code, "reason": res.reason})
                    continue
                report.count("ocr")
                next_dn = _file(writer, plan, report, res, next_dn)


def _file(writer: DocWriter, plan: Plan, report: Report, res: Any, next_dn: int) -> int:
    """File one extracted document, replacing the one it updates; returns
    the next free document number."""
    doc, terms = res.value.doc, res.value.terms
    old = plan.replaces.get(res.key)
    dn = old["dn"] if old else next_dn
    if old:
        writer.delete(old["id"])
        report.count("updated")
    else:
        next_dn += 1
        report.count("new")
    task = plan.tasks[res.key]
    writer.add(doc, terms, dn, extra={"catalog": entry_hash(task.entry), "root": task.root})
    report.data["pages"] += doc.page_count
    report.review(doc)
    return next_dn


#: A file beside the index while its families are not yet decided.
FAMILIES_PENDING = "families.pending"

#: What the family pass writes into a document's header.
FAMILY_KEYS = ("family", "family_newest", "family_by")
#: Index bookkeeping a header keeps when it is written again (not Document fields).
HEADER_EXTRA = ("catalog", "page_count", "root")


def update_families(store: Store, writer: DocWriter, report: Report) -> None:
    """Decide every document's family (:func:`.families.assign`) over the
    whole index as committed, and rewrite the headers whose family changed.

    Run at the end of every ingest that changed anything, so families
    follow new, changed and removed files and catalog edits alike. A
    document indexed before texts were signed is signed here from its
    stored pages, once.
    """
    # Section headings are not needed to decide families: read only for the
    # headers rewritten (at 1,000,000 pages they were most of the metadata).
    snap = Snapshot(store, terms=False, drop=("section_marks",))
    try:
        infos = [dict(info) for info in snap.infos]
        unsigned = {row for row, info in enumerate(infos) if info.get("minhash") is None}
        if unsigned:
            for row, pages in _stored_pages(snap, sorted(unsigned)).items():
                infos[row]["minhash"] = text_signature(pages)
        result = families.assign(infos)
        changed = 0
        for row, info in enumerate(infos):
            a = result.families[info["id"]]
            new = {"family": a.family, "family_newest": a.newest, "family_by": a.by}
            if all(info.get(k) == v for k, v in new.items()) and row not in unsigned:
                continue
            full = {**snap.full_info(row), **info, **new}
            doc = Document(**{k: v for k, v in full.items() if k in Document.__dataclass_fields__ and k != "pages"}, pages=[])
            writer.delete_header(doc.id)
            writer.add_header(doc, header_terms(doc), full["dn"], extra={k: full[k] for k in HEADER_EXTRA if k in full})
            changed += 1
    finally:
        snap.close()
    if changed:
        writer.commit(merge=False)
    grouped = [a for a in result.families.values() if a.size > 1]
    report.data["families"] = {
        "families": len({a.family for a in result.families.values()}),
        "with_versions": len({a.family for a in grouped}),
        "documents_in_them": len(grouped),
        "headers_updated": changed,
    }
    report.data["notes"].extend(f"family: {n}" for n in result.notes)


def _stored_pages(snap: Snapshot, rows: list[int]) -> dict[int, list[str]]:
    """The stored page texts of document ``rows`` of a snapshot, in order."""
    import numpy as np

    wanted = np.zeros(snap.n_docs, dtype=bool)
    wanted[rows] = True
    recs = np.flatnonzero(snap.page_doc >= 0)
    recs = recs[wanted[snap.page_doc[recs]]]
    order = np.lexsort((snap.page_num[recs], snap.page_doc[recs]))
    out: dict[int, list[str]] = {row: [] for row in rows}
    for rec in recs[order].tolist():
        out[int(snap.page_doc[rec])].append(snap.page_text(rec))
    return out
