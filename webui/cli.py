"""The ``etslib`` command: ingest, search, stats, show, check, serve.

Each command parses its options and hands off to one function in
``search/`` (or to the web app for ``serve``); output is for people on a
terminal and ``--json`` for programs.
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from search import config
from search.config import default_index_dir, index_dir as resolve_index_dir
from search.ingest.safety import shown
from search.model import DEFAULT_SORT, SORTS, SearchRequest

def _index_option(f):
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder (default: $ETSLIB_INDEX, else " + str(default_index_dir()) + ").",
    )(f)


def _resolve_index(index_dir: Path | None) -> Path:
    return resolve_index_dir(index_dir)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"etslib: {message}", err=True)
    sys.exit(code)


def _writes(f):
    """A command that changes the index or the staff data: refused on a
    read-only search node (``ETSLIB_READ_ONLY``), whose index is a
    published copy that `etslib publish` replaces."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        if os.environ.get("ETSLIB_READ_ONLY", "").strip().lower() not in ("", "0", "false", "no"):
            writer = os.environ.get("ETSLIB_WRITER_URL")
            _fail("this is a read-only search node (ETSLIB_READ_ONLY): run this on the writer" + (f" ({writer})" if writer else ""))
        return f(*args, **kwargs)

    return wrapper


def _json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log more (-vv for debug).")
def main(verbose: int) -> None:
    """etslib: faceted search over emissions trading literature."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if verbose == 0:
        # Parser chatter about malformed PDFs belongs in the report, not the terminal.
        for name in ("pypdf", "etslib.extract", "pdfminer"):
            logging.getLogger(name).setLevel(logging.ERROR)


# -- ingest -------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_index_option
@click.option("--rebuild", is_flag=True, help="Rebuild the index from scratch (searches go on against the old one).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=config.default_jobs, show_default="CPU count, at most 4", help="Extraction worker processes.")
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Metadata catalog file (YAML or CSV); catalog.yaml in a given folder is read anyway.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=config.TIMEOUT_S, show_default=True, help="Seconds allowed per document.")
@click.option("--memory-mb", type=click.IntRange(256, 1 << 20), default=config.WORKER_MEMORY_MB, show_default=True, help="Memory limit per extraction worker.")
@click.option("--strict", is_flag=True, help="Exit with status 3 when any file failed or a catalog row was left out.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--no-cache", is_flag=True, help="Do not reuse extracted text from earlier runs.")
@click.option("--batch-pages", type=click.IntRange(1, 10**7), default=config.BATCH_PAGES, show_default=True, help="Commit after this many pages.")
@click.option("--retry-failed", is_flag=True, help="Extract again files that failed before and have not changed since.")
@click.option("--no-ocr", is_flag=True, help="Do not read scanned PDFs by OCR (they are reported as scanned).")
@click.option("--optimize", is_flag=True, help="Merge the whole index into one segment at the end (it is rewritten: for a first "
              "ingest, a rebuild or a quiet hour): cold searches 10-15% faster, about 50 CPU-seconds per 100,000 pages; "
              "results unchanged.")
@_writes
def ingest(paths, index_dir, rebuild, jobs, catalogs, timeout, memory_mb, strict, as_json, no_cache, batch_pages, retry_failed, no_ocr, optimize):
    """Index the PDF, HTML and text files under PATHS.

    Only new or changed files are processed; documents whose files are gone
    are removed. Files that cannot be read are reported, and the batch goes on.
    """
    from search.ingest import CatalogError, IndexProblem, IndexRoot, IngestOptions, ingest as run_ingest

    root = IndexRoot(_resolve_index(index_dir))
    options = IngestOptions(
        jobs=jobs,
        timeout=timeout,
        memory_mb=memory_mb,
        rebuild=rebuild,
        catalogs=list(catalogs),
        use_cache=not no_cache,
        batch_records=batch_pages,
        retry_failed=retry_failed,
        ocr=not no_ocr,
        optimize=optimize,
    )
    tty = sys.stderr.isatty() and not as_json
    progress = None
    if tty:
        from tqdm import tqdm

        def progress(it, total):
            return tqdm(it, total=total, unit="file", dynamic_ncols=True, file=sys.stderr)

    try:
        report = run_ingest([str(p) for p in paths], root, options, progress=progress)
    except KeyboardInterrupt:
        _fail("interrupted: committed batches are kept; run the same command again to finish", 130)
    except (IndexProblem, CatalogError, FileNotFoundError) as e:
        _fail(str(e))
    except PermissionError as e:
        _fail(f"cannot write the index at {root.root}: {e.strerror}")
    except OSError as e:
        if e.errno == errno.ENOSPC:
            _fail(
                f"the disk holding {root.root} is full: the index is as it was at its last commit "
                "(the unfinished batch was removed); free some space and run the same command again"
            )
        _fail(f"cannot use the index at {root.root}: {e}")
    if as_json:
        _json(report)
    else:
        _print_report(report)
    if strict and (report["counts"]["failed"] or any(not p["kept"] for p in report.get("catalog", []))):
        sys.exit(3)


def _print_report(r: dict[str, Any]) -> None:
    c = r["counts"]
    click.echo(
        f"new {c['new']}  updated {c['updated']}  unchanged {c['unchanged']}  metadata {c['metadata']}  "
        f"removed {c['removed']}  failed {c['failed']}  skipped {c['skipped']}  duplicates {c['duplicates']}  "
        f"pages {r['pages']}  seconds {r['seconds']}"
    )
    click.echo(f"index {r['index']}: {r.get('documents', 0)} documents, {r.get('index_pages', 0)} pages")
    for f in r["failures"]:
        again = " (unchanged since it failed; --retry-failed tries again)" if f.get("remembered") else ""
        click.echo(f"failed {f['code']}: {shown(f['path'])}: {f['reason']}{again}")
    for p in r.get("catalog", []):
        click.echo(f"catalog {shown(p['file'])}, line {p['line']}: {p['problem']}")
    for note in r.get("notes", []):
        click.echo(f"note: {note}")
    _print_review(r.get("review") or [], "to check")


def _print_review(rows: list[dict[str, Any]], what: str, limit: int = 20) -> None:
    """Values staff should check (low confidence, or missing), a few shown."""
    if not rows:
        return
    click.echo(f"{len(rows)} derived values {what} (low confidence or missing; set them in the catalog):")
    for row in rows[:limit]:
        value = row["value"]
        if isinstance(value, list):
            value = ", ".join(map(str, value)) or "—"
        click.echo(f"  {row['field']} = {value if value not in (None, '') else '—'}  "
                   f"[{row['source']}, {row['confidence']:.2f}]  {row['path']}")
    if len(rows) > limit:
        click.echo(f"  … {len(rows) - limit} more (--json lists all)")


# -- search -------------------------------------------------------------------


def _searcher(index_dir: Path | None):
    from search.query import IndexProblem, Searcher

    s = Searcher(_resolve_index(index_dir))
    try:
        s.state()
    except IndexProblem as e:
        _fail(str(e))
    return s


def _facet_options(f):
    """``--jurisdiction``, ``--type``… : one option per ticked facet of the registry."""
    from search.vocab.facets import FACETS, FILTER_FACETS

    for name in reversed(FILTER_FACETS):
        f = click.option(f"--{name}", f"facet_{name}", multiple=True, metavar="VALUE", help=FACETS[name].cli_help)(f)
    return f


@main.command()
@click.argument("query", nargs=-1)
@_index_option
@_facet_options
@click.option("--year-from", type=int, default=None)
@click.option("--year-to", type=int, default=None)
@click.option("--sort", type=click.Choice(list(SORTS)), default=DEFAULT_SORT, show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1, 100000), default=1, show_default=True)
@click.option("--exact", is_flag=True, help="Match words exactly (no stemming).")
@click.option("--no-expand", is_flag=True, help="Do not add glossary synonyms.")
@click.option("--all-versions", is_flag=True, help="List every version of a work (by default a work is listed once).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(query, index_dir, year_from, year_to, sort, limit, page, exact, no_expand, all_versions, as_json, **facet_values):
    """Search the index. QUERY takes words, "phrases", AND/OR/NOT, -word, field:value."""
    from search.query import response_json

    filters = {k.removeprefix("facet_"): list(v) for k, v in facet_values.items() if v}
    req = SearchRequest(
        q=" ".join(query),
        filters=filters,
        year_from=year_from,
        year_to=year_to,
        sort=sort,
        limit=limit,
        page=page,
        exact=exact,
        expand=not no_expand,
        all_versions=all_versions,
    )
    s = _searcher(index_dir)
    resp = s.search(req)
    if as_json:
        _json(response_json(resp))
        return
    _print_results(resp)


#: Matches on a terminal: bold yellow, then back to normal.
BOLD, NORMAL = "\x1b[1;33m", "\x1b[0m"


def passage_text(segments: list[tuple[str, bool]], tty: bool) -> str:
    """A passage for the terminal: matches in bold where it can show them."""
    if tty:
        return "".join(f"{BOLD}{s}{NORMAL}" if hit else s for s, hit in segments)
    return "".join(s for s, _ in segments)


def _print_results(resp) -> None:
    tty = sys.stdout.isatty()
    req = resp.request
    first = (req.page - 1) * req.limit + 1
    shown = f"{first}–{first + len(resp.hits) - 1} of " if resp.hits else ""
    every = f", {resp.documents} with every version (--all-versions)" if resp.documents > resp.total else ""
    click.echo(f"{shown}{resp.total} documents{every} ({resp.elapsed_ms:.0f} ms)")
    for note in resp.notes:
        click.echo(f"note: {note}")
    for surface, alts in resp.expansions:
        click.echo(f"also searched: {surface} → {', '.join(alts)}")
    if resp.suggestion:
        click.echo(f"did you mean: {resp.suggestion}")
    for i, hit in enumerate(resp.hits, first):
        m = hit.meta
        facts = " · ".join(
            str(x)
            for x in (m.get("year"), ", ".join(m.get("jurisdictions") or []), m.get("type"), m.get("publisher"), m.get("language"))
            if x
        )
        click.echo(f"\n{i}. {m.get('title')}")
        click.echo(f"   {facts}")
        click.echo(f"   {m.get('path')}  [{hit.id}]")
        if hit.versions:
            more = hit.version_count - len(hit.versions)
            click.echo(f"   {hit.version_count + 1} versions: also " + "; ".join(f"{v.get('date') or v.get('year') or '?'} {v.get('kind')} [{v['id']}]" for v in hit.versions)
                       + (f"; and {more} older (etslib show {hit.id})" if more > 0 else ""))
        for p in hit.passages:
            # An unpaged file's part is no section of it: its own heading, else "part N of M".
            where = f"p. {p.page}" if m.get("paged", True) else (p.label or f"part {p.page} of {m.get('page_count') or '?'}")
            click.echo(f"   {where}: {passage_text(p.segments, tty)}")
    if resp.facets:
        click.echo("")
        for name, values in resp.facets.items():
            if values:
                top = ", ".join(f"{v.label or v.value} ({v.count})" for v in values[:6])
                click.echo(f"{name}: {top}")


# -- stats / show ---------------------------------------------------------------


@main.command()
@_index_option
@click.option("--json", "as_json", is_flag=True)
def stats(index_dir, as_json):
    """Documents, pages, per-facet counts, the last ingest's failures and the
    derived values staff should check."""
    from search.ingest import read_report

    from search.ingest.values import review_entries

    s = _searcher(index_dir)
    data = s.stats()
    data["last_ingest"] = read_report(s.root)
    # Every indexed document's values to check, not only the last ingest's.
    data["review"] = [row for info in s.documents() for row in review_entries(info)]
    if as_json:
        _json(data)
        return
    click.echo(f"{data['documents']} documents, {data['pages']} pages  ({data['store']})")
    for name, values in data["facets"].items():
        top = ", ".join(f"{v['label']} ({v['count']})" for v in values[:8])
        more = f" … {len(values) - 8} more" if len(values) > 8 else ""
        click.echo(f"{name}: {top}{more}")
    r = data["last_ingest"]
    if r:
        c = r["counts"]
        click.echo(
            f"last ingest {r['finished'] or r['started']} ({r['status']}): new {c['new']}, updated {c['updated']}, "
            f"removed {c['removed']}, failed {c['failed']}"
        )
        for f in r["failures"]:
            click.echo(f"  failed {f['code']}: {shown(f['path'])}: {f['reason']}")
    _print_review(data["review"], "in the index to check")


@main.command()
@click.argument("doc_id")
@_index_option
@click.option("--json", "as_json", is_flag=True)
def show(doc_id, index_dir, as_json):
    """One document's metadata and page count."""
    s = _searcher(index_dir)
    info = s.document(doc_id)
    if info is None:
        _fail(f"no document with id {doc_id!r}")
    if as_json:
        _json({k: v for k, v in info.items() if k != "minhash"})  # the text's signature is no reading matter
        return
    keys = ("id", "title", "authors", "publisher", "year", "date", "jurisdictions", "type", "topics", "language",
            "url", "identifiers", "description", "page_count", "path", "sha256", "ingested", "family", "family_by")
    for k in keys:
        v = info.get(k)
        if isinstance(v, list):
            v = ", ".join(map(str, v))
        elif isinstance(v, dict):
            v = "; ".join(f"{a} {b}" for a, b in v.items())
        src = (info.get("sources") or {}).get(k)
        conf = (info.get("confidence") or {}).get(k)
        note = f"   [{src}{f', {conf:.2f}' if conf is not None else ''}]" if src else ""
        click.echo(f"{k:>13}: {v if v not in (None, '') else '—'}" + note)
    versions = s.versions(doc_id)
    if versions:
        click.echo(f"{'versions':>13}: {len(versions)} of this work, newest first")
        for v in versions:
            this = "  (this one)" if v["id"] == doc_id else ""
            click.echo(f"{'':>15}{v.get('date') or v.get('year') or '?'} {v.get('kind') or ''} {v.get('language') or ''} [{v['id']}]{this}")


# -- staff: accounts, trash, catalog, records --------------------------------------


def _root(index_dir: Path | None):
    from search.ingest import IndexRoot

    return IndexRoot(_resolve_index(index_dir))


@main.group()
def user() -> None:
    """Staff accounts for the /staff pages (kept in the index folder)."""


@user.command("add")
@click.argument("name")
@_index_option
@click.option("--reset", is_flag=True, help="Set a new password for an existing account (ends its sessions).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
@_writes
def user_add(name, index_dir, reset, password_stdin):
    """Create a staff account NAME; asks for its password."""
    from search.ingest import audit
    from webui.accounts import AccountError, add_user, check_name

    root = _root(index_dir)
    try:
        check_name(name)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        add_user(root, name, password, replace=reset)
    except AccountError as e:
        _fail(str(e))
    audit.record(root, audit.cli_user(), "user-reset" if reset else "user-add", name)
    click.echo(f"{'password set for' if reset else 'added'} staff account {name}")


@user.command("remove")
@click.argument("name")
@_index_option
@_writes
def user_remove(name, index_dir):
    """Remove a staff account (its sessions end)."""
    from search.ingest import audit
    from webui.accounts import AccountError, remove_user

    root = _root(index_dir)
    try:
        remove_user(root, name)
    except AccountError as e:
        _fail(str(e))
    audit.record(root, audit.cli_user(), "user-remove", name)
    click.echo(f"removed staff account {name}")


@user.command("list")
@_index_option
def user_list(index_dir):
    """List the staff accounts."""
    from webui.accounts import list_users

    for a in list_users(_root(index_dir)):
        click.echo(f"{a.name}\tcreated {a.created}")


@main.group()
def trash() -> None:
    """Files of removed documents, kept until emptied."""


@trash.command("list")
@_index_option
def trash_list(index_dir):
    """What is in the trash."""
    from search.ingest.library import trash_items

    for t in trash_items(_root(index_dir)):
        click.echo(f"{t.removed}  {t.by}  {t.file}  (was {t.original})")


@trash.command("empty")
@_index_option
@click.option("--older-than", "days", type=click.FloatRange(0), default=0, show_default=True, help="Only what was removed more than this many days ago.")
@_writes
def trash_empty(index_dir, days):
    """Delete the files in the trash for good."""
    from search.ingest import audit
    from search.ingest.library import empty_trash

    root = _root(index_dir)
    n = empty_trash(root, days)
    audit.record(root, audit.cli_user(), "trash-empty", "", files=n, older_than_days=days)
    click.echo(f"deleted {n} file{'s' if n != 1 else ''} from the trash")


def _reindex_library(root, as_json: bool) -> dict | None:
    """An incremental ingest of the library folders, as the staff pages run it."""
    from search.ingest import IndexProblem, IngestOptions, ingest as run_ingest
    from search.ingest.library import library_paths

    paths = library_paths(root)
    if not paths:
        _fail("no library folders known for this index: run `etslib ingest FOLDER` first")
    try:
        return run_ingest(paths, root, IngestOptions())
    except IndexProblem as e:
        _fail(f"{e}; the changes are saved and the next ingest applies them")
    return None


@main.group("catalog")
def catalog_group() -> None:
    """All records' metadata as CSV, for correction in a spreadsheet."""


@catalog_group.command("export")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
@_index_option
def catalog_export(output, index_dir):
    """Write every record's metadata as CSV to OUTPUT (default: standard output)."""
    from search.ingest import IndexProblem
    from search.ingest.catalogio import export_csv

    try:
        n = export_csv(_root(index_dir), output)
    except IndexProblem as e:
        _fail(str(e))
    if output is not sys.stdout:
        click.echo(f"exported {n} records", err=True)


@catalog_group.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_index_option
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.option("--no-reindex", is_flag=True, help="Only save the changes (the next ingest applies them).")
@click.option("--json", "as_json", is_flag=True)
@_writes
def catalog_import(source, index_dir, dry_run, no_reindex, as_json):
    """Apply a corrected export: changed values go to the staff catalog
    (rows that cannot be applied are listed with their line numbers), then
    the changed records are reindexed. Exits 3 when a row was rejected."""
    from search.ingest import IndexProblem, audit
    from search.ingest.catalogio import import_csv

    root = _root(index_dir)
    try:
        text = source.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        _fail(f"cannot read {source}: {e}")
    try:
        res = import_csv(root, text, who=audit.cli_user(), source=source.name, dry_run=dry_run)
    except IndexProblem as e:
        _fail(str(e))
    report = None
    if res.changes and not dry_run:
        audit.record(root, audit.cli_user(), "catalog-import", source.name, records=res.records_changed, values=len(res.changes), rejected=len(res.rejected))
        if not no_reindex:
            report = _reindex_library(root, as_json)
    if as_json:
        _json({
            "rows": res.rows,
            "unchanged": res.unchanged,
            "changes": [c.__dict__ for c in res.changes],
            "rejected": [{"line": line, "reason": r} for line, r in res.rejected],
            "dry_run": dry_run,
            "reindex": report["counts"] if report else None,
        })
    else:
        for c in res.changes:
            click.echo(f"line {c.line}: {c.doc_id}: {c.field}: {c.old or '—'} → {c.new}")
        for line, reason in res.rejected:
            click.echo(f"line {line}: rejected: {reason}", err=True)
        verb = "would change" if dry_run else "changed"
        click.echo(f"{res.rows} rows: {verb} {len(res.changes)} values in {res.records_changed} records, {res.unchanged} unchanged, {len(res.rejected)} rejected")
    if res.rejected:
        sys.exit(3)


@main.group("import")
def import_group() -> None:
    """Bring records in from other systems."""


@import_group.command("records")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_index_option
@click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder for the records' text files (default: records/NAME in the first library folder).")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN", help="Which column holds a field: key, text, title, date, url, publisher, … (repeatable).")
@click.option("--set", "constants", multiple=True, metavar="FIELD=VALUE", help="A value for every record that has none, e.g. jurisdictions=CN (repeatable).")
@click.option("--no-ingest", is_flag=True, help="Only write the files and metadata.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=config.default_jobs, show_default="CPU count, at most 4")
@click.option("--json", "as_json", is_flag=True)
@_writes
def import_records_cmd(source, index_dir, into, mapping, constants, no_ingest, jobs, as_json):
    """Add the records of SOURCE (.jsonl or .csv), whose text comes with
    each record, as searchable documents. Importing the same file again
    updates records and adds none twice."""
    from search.ingest import CatalogError, IndexProblem, IngestOptions, audit, ingest as run_ingest
    from search.ingest.library import library_folders
    from search.ingest.records import RecordsError, import_records, parse_pairs

    root = _root(index_dir)
    if into is None:
        folders = library_folders(root)
        if not folders:
            _fail("no library folder known for this index: give --into FOLDER")
        into = folders[0] / "records" / source.stem
    try:
        res = import_records(root, source, into, mapping=parse_pairs(mapping, "--map"), constants=parse_pairs(constants, "--set"), who=audit.cli_user())
    except (RecordsError, CatalogError, OSError) as e:
        _fail(str(e))
    audit.record(root, audit.cli_user(), "import-records", source.name, rows=res.rows, written=res.written, rejected=len(res.rejected))
    report = None
    if not no_ingest:
        try:
            report = run_ingest([res.folder], root, IngestOptions(jobs=jobs))
        except (IndexProblem, CatalogError) as e:
            _fail(str(e))
    if as_json:
        out = dict(res.__dict__)
        out["rejected"] = [{"line": line, "reason": r} for line, r in res.rejected]
        out["repeated"] = [{"line": line, "note": r} for line, r in res.repeated]
        out["ingest"] = {"counts": report["counts"], "seconds": report["seconds"], "documents": report.get("documents")} if report else None
        _json(out)
        return
    click.echo(
        f"{res.rows} rows: {res.written} files written, {res.unchanged} unchanged, {len(res.rejected)} rejected, "
        f"{len(res.repeated)} repeating a key; metadata: {res.metadata_added} new, {res.metadata_changed} changed"
    )
    click.echo("mapping: " + ", ".join(f"{f}←{c}" for f, c in res.mapping.items()))
    for line, reason in res.rejected[:50]:
        click.echo(f"line {line}: rejected: {reason}", err=True)
    if report:
        _print_report(report)


# -- check --------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@_index_option
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Catalog files to check besides those in PATHS.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(paths, index_dir, catalogs, as_json):
    """Check the index against its checksums and against the files.

    Every index file is compared with the checksum written when it was
    committed; then whether every file under PATHS (default: the folders of
    the last ingest) is indexed once, every indexed document's file is still
    there and unchanged, and every catalog entry points at a file. Exits 0
    when all is well, 3 when the index and the files disagree, 4 when the
    index is damaged (the way out is printed).
    """
    from search.ingest import IndexMissing, IndexRoot
    from search.ingest.check import check_index

    root = IndexRoot(_resolve_index(index_dir))
    try:
        result = check_index(root, [str(p) for p in paths], list(catalogs))
    except IndexMissing as e:
        _fail(str(e))
    if as_json:
        _json(result.to_json())
    else:
        sums = f"{result.files:,} files ({result.bytes / 1e6:,.1f} MB) match their checksums" if result.checked else "no checksums yet (an index written before etslib kept them: the next ingest records them)"
        click.echo(f"index {root.root}: {result.documents:,} documents, {result.pages:,} pages; {sums if not result.damage else 'DAMAGED'}")
        for d in result.damage:
            click.echo(f"damaged: {d}")
        for d in result.disagreements:
            click.echo(f"{d['kind']}: {d['detail']}")
        for w in result.way_out:
            click.echo(f"to fix: {w}")
        if result.exit_code == 0:
            click.echo("ok")
    sys.exit(result.exit_code)


# -- publish ------------------------------------------------------------------


@main.command()
@click.argument("dest")
@_index_option
@click.option("--rsh", default=None, metavar="CMD", help="Remote shell for HOST:PATH, as rsync's -e (default: $ETSLIB_RSH, else ssh).")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def publish(dest, index_dir, rsh, as_json):
    """Copy the live index generation to DEST for read-only serving nodes.

    DEST is a folder, or HOST:PATH (copied with rsync over ssh). The copy is
    complete and checked before DEST's CURRENT is switched to it, so a node
    serving DEST (`etslib serve --read-only --index DEST`) moves to the new
    generation at once or not at all. Files the previous published
    generation holds are linked, not copied; older generations are deleted,
    except the one just replaced. Exits 0 when DEST serves the live
    generation, 1 when it could not be published (the reason is printed).
    """
    from search.ingest import IndexRoot, PublishError, publish_index

    root = IndexRoot(_resolve_index(index_dir))
    try:
        out = publish_index(root, dest, rsh=rsh)
    except PublishError as e:
        _fail(str(e))
    if as_json:
        _json(out.to_json())
        return
    if out.unchanged:
        click.echo(f"{out.dest} already serves {out.index_id}: nothing to do")
        return
    how = f"{out.files} files, {out.copied_bytes / 1e6:,.1f} MB copied" + (f", {out.linked} linked from the previous generation" if out.linked else "")
    click.echo(f"published {out.index_id} to {out.dest} ({how}; {out.seconds:.1f} s)")
    for name in out.removed:
        click.echo(f"removed old generation {name}")


# -- serve --------------------------------------------------------------------


@main.command()
@_index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--base-url", default=None, metavar="URL", help="The site's address (https://library.example.org): absolute links in feeds and JSON start with it (default: $ETSLIB_BASE_URL).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME", help="A host name the site answers to, besides localhost and --host (default: $ETSLIB_ALLOWED_HOSTS).")
@click.option("--read-only", "read_only", is_flag=True, default=None, help="A search node serving a published copy (etslib publish): staff pages refused, nothing written to the index folder (default: $ETSLIB_READ_ONLY).")
@click.option("--writer-url", default=None, metavar="URL", help="Where staff work happens, shown by a --read-only node (default: $ETSLIB_WRITER_URL).")
def serve(index_dir, host, port, workers, base_url, allowed_hosts, read_only, writer_url):
    """Serve the search page and API under gunicorn (gevent workers)."""
    from webui.server import run

    index = _resolve_index(index_dir)
    run(index, host=host, port=port, workers=workers, base_url=base_url, allowed_hosts=list(allowed_hosts), read_only=read_only, writer_url=writer_url)


# -- prices -------------------------------------------------------------------


def _field_pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    out = {}
    for v in values:
        name, sep, value = v.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected FIELD=VALUE, got {v!r}", param_hint=option)
        out[name.strip()] = value
    return out


@main.group()
def prices() -> None:
    """Allowance price series: import staff files, list what is loaded."""


@prices.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", "mapping_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML file declaring which column holds each field (see search/data/prices/mappings/).")
@click.option("--column", "columns", multiple=True, metavar="FIELD=COLUMN", help="Read FIELD from COLUMN (repeatable).")
@click.option("--set", "fixed", multiple=True, metavar="FIELD=VALUE", help="Give FIELD one value for the whole file (repeatable).")
@click.option("--date-format", default=None, help="strptime format of the date column, or 'quarter' (default %Y-%m-%d).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Price store to update (default: $ETSLIB_PRICES, else ~/.local/share/etslib/prices.csv).")
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are rejected.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
@click.option("--json", "as_json", is_flag=True)
def prices_import(file, mapping_file, columns, fixed, date_format, store, skip_bad, dry_run, as_json):
    """Load a price series from the CSV FILE.

    Without a mapping the header must name the fields: date, system,
    instrument, price, currency, kind, source, licence (and optionally
    period). Importing again updates prices and never duplicates them. If
    any row is bad, nothing is written and every bad row is listed with its
    line number (exit 1), unless --skip-bad.
    """
    from search.hub import prices as p

    try:
        mapping = p.load_mapping(mapping_file) if mapping_file else (p.Mapping() if (columns or fixed) else p.Mapping.canonical())
        mapping.columns.update(_field_pairs(columns, "--column"))
        mapping.fixed.update(_field_pairs(fixed, "--set"))
        for name in mapping.fixed:
            mapping.columns.pop(name, None)
        if date_format:
            mapping.date_format = date_format
        mapping.check("the mapping")
        report = p.import_file(file, mapping, p.PriceStore(store or p.default_store_path()), skip_bad=skip_bad, dry_run=dry_run)
    except (ValueError, p.DataFileError) as e:  # a malformed mapping file
        _fail(str(e), 2)
    except OSError as e:
        _fail(f"cannot import {file}: {e}")
    if as_json:
        _json(report.to_json())
    else:
        click.echo(report.summary())
        for r in report.rejected:
            click.echo(f"{file}:{r.line}: rejected: {r.reason}", err=True)
        if report.rejected and not report.written and not dry_run:
            click.echo("nothing was imported: fix the rows above and run the same command again (or --skip-bad)", err=True)
        elif report.written:
            click.echo(f"store {report.store}")
    if report.rejected and not skip_bad:
        sys.exit(1)


@prices.command("list")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Price store to read besides the shipped series.")
@click.option("--json", "as_json", is_flag=True)
def prices_list(store, as_json):
    """Every price series: system, instrument, kind, currency, dates, source."""
    from search.hub import prices as p

    book = p.book(store)
    if as_json:
        _json([{**{k: v for k, v in s.to_json().items() if k != "points"}, "count": len(s.points),
                "first": s.first.isoformat(), "last": s.last[0].isoformat()} for s in book.series])
        return
    for s in book.series:
        click.echo(f"{s.system:<20} {s.instrument[:40]:<40} {s.kind:<17} {s.currency} {s.first}..{s.last[0]} "
                   f"({len(s.points)})  {s.licence}")


if __name__ == "__main__":  # pragma: no cover
    main()
