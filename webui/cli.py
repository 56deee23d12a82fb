"""The ``etslib`` command: ingest, search, stats, show, check, serve.

Each command parses its options and hands off to one function in
``search/`` (or to the web app for ``serve``); output is for people on a
terminal and ``--json`` for programs.
"""

from __future__ import annotations

import errno
import json
import logging
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
def ingest(paths, index_dir, rebuild, jobs, catalogs, timeout, memory_mb, strict, as_json, no_cache, batch_pages, retry_failed):
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
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(query, index_dir, year_from, year_to, sort, limit, page, exact, no_expand, as_json, **facet_values):
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
    click.echo(f"{shown}{resp.total} documents ({resp.elapsed_ms:.0f} ms)")
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
        for p in hit.passages:
            where = f"p. {p.page}" if m.get("paged", True) else f"§{p.page}"
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
    """Documents, pages, per-facet counts and the last ingest's failures."""
    from search.ingest import read_report

    s = _searcher(index_dir)
    data = s.stats()
    data["last_ingest"] = read_report(s.root)
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
        _json(info)
        return
    keys = ("id", "title", "authors", "publisher", "year", "date", "jurisdictions", "type", "topics", "language", "page_count", "path", "sha256", "ingested")
    for k in keys:
        v = info.get(k)
        if isinstance(v, list):
            v = ", ".join(map(str, v))
        src = (info.get("sources") or {}).get(k)
        click.echo(f"{k:>13}: {v if v not in (None, '') else '—'}" + (f"   [{src}]" if src else ""))


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


# -- serve --------------------------------------------------------------------


@main.command()
@_index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--base-url", default=None, metavar="URL", help="The site's address (https://library.example.org): absolute links in feeds and JSON start with it (default: $ETSLIB_BASE_URL).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME", help="A host name the site answers to, besides localhost and --host (default: $ETSLIB_ALLOWED_HOSTS).")
def serve(index_dir, host, port, workers, base_url, allowed_hosts):
    """Serve the search page and API under gunicorn (gevent workers)."""
    from webui.server import run

    index = _resolve_index(index_dir)
    run(index, host=host, port=port, workers=workers, base_url=base_url, allowed_hosts=list(allowed_hosts))


if __name__ == "__main__":  # pragma: no cover
    main()
