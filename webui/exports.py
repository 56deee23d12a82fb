"""Exports: every matching document as CSV, BibTeX or RIS; an Atom feed of a
search; one document's citation; the OpenSearch description.

Exports take the search page's parameters and cover ALL matches
(``Searcher.iter_matching``), not one page, streamed as they are written:
one line a work (document family), its newest matching version, unless
``versions=all`` asks for every version.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from itertools import chain
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for

from search.model import SearchRequest

from . import citations
from .errors import no_such_document
from .params import parse_args
from .state import get_searcher
from .views.labels import label_of, labels_of
from .views.links import absolute, limits

bp = Blueprint("exports", __name__)

ATOM_NS = "http://www.w3.org/2005/Atom"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"


def _doc_urls(doc_id: str) -> tuple[str, str]:
    return (
        absolute(url_for("pages.document", doc_id=doc_id)),
        absolute(url_for("files.file", doc_id=doc_id)),
    )


def _request() -> SearchRequest:
    # Notes about odd parameters have no place in a file; the values are still clamped.
    return parse_args(list(request.args.items(multi=True)), limits()).request


def _matching(req: SearchRequest) -> Iterator[dict[str, Any]]:
    """Every matching document, the first one read now: a missing index then
    fails with a proper error response instead of a broken stream."""
    it = get_searcher().iter_matching(req)
    first = next(it, None)
    return iter(()) if first is None else chain([first], it)


def _filename(req: SearchRequest, ext: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", req.q).strip("-")[:40].lower()
    return f"etslib-{slug or 'library'}.{ext}"


def download(body, mimetype: str, filename: str) -> Response:
    """A file download of ``body`` (text or a stream of text)."""
    return _download(body, mimetype, filename)


def _download(body, mimetype: str, filename: str) -> Response:
    resp = Response(stream_with_context(body) if not isinstance(body, (str, bytes)) else body, mimetype=mimetype)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename)  # ids come from catalogs: keep the header plain
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    return resp


@bp.get("/search.csv")
def search_csv():
    req = _request()
    return _download(csv_body(_matching(req)), "text/csv", _filename(req, "csv"))


def csv_body(metas: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Documents as CSV, streamed (a search's matches, a reading list)."""

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(citations.CSV_COLUMNS)
        for meta in metas:
            labels = {
                "jurisdictions": labels_of("jurisdiction", meta.get("jurisdictions")),
                "topics": labels_of("topic", meta.get("topics")),
                "type": label_of("type", meta["type"]) if meta.get("type") else None,
            }
            w.writerow(citations.csv_row(meta, *_doc_urls(meta["id"]), labels=labels))
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        yield buf.getvalue()

    # The BOM lets spreadsheet programs read the UTF-8 titles (Chinese, German) right.
    return _prefixed("\ufeff", rows())


def _prefixed(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


@bp.get("/search.bib")
def search_bibtex():
    req = _request()
    return _download(bibtex_body(_matching(req)), "application/x-bibtex", _filename(req, "bib"))


def bibtex_body(metas: Iterable[dict[str, Any]]):
    """Documents as BibTeX (a search's matches, a reading list)."""
    return citations.bibtex((m, _doc_urls(m["id"])[0]) for m in metas)


@bp.get("/search.ris")
def search_ris():
    req = _request()
    return _download(ris_body(_matching(req)), "application/x-research-info-systems", _filename(req, "ris"))


def ris_body(metas: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Documents as RIS records, streamed (a search's matches, a reading list)."""
    for m in metas:
        url, file_url = _doc_urls(m["id"])
        yield citations.ris_record(m, url, file_url) + "\r\n"


def _one(doc_id: str) -> dict[str, Any]:
    info = get_searcher().document(doc_id)
    if info is None:
        no_such_document(doc_id)
    return info


@bp.get("/doc/<doc_id>/cite.bib")
def doc_bibtex(doc_id: str):
    info = _one(doc_id)
    body = citations.bibtex_entry(info, _doc_urls(doc_id)[0])
    return _download(body, "application/x-bibtex", f"{doc_id}.bib")


@bp.get("/doc/<doc_id>/cite.ris")
def doc_ris(doc_id: str):
    info = _one(doc_id)
    body = citations.ris_record(info, *_doc_urls(doc_id))
    return _download(body, "application/x-research-info-systems", f"{doc_id}.ris")


# -- Atom -------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    """An RFC 3339 timestamp of an ISO date or datetime (dates at midnight UTC)."""
    s = str(value or "").strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", s)
    if m:
        y, mo, d = m.group(1), m.group(2) or "01", m.group(3) or "01"
        return f"{y}-{mo}-{d}T00:00:00Z"
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


@bp.get("/search.atom")
def search_atom():
    req = replace(_request(), sort="newest", page=1, limit=int(current_app.config["FEED_LIMIT"]), passages=1, facet_limit=0)
    resp = get_searcher().search(req)
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    site = current_app.config["SITE_NAME"]
    what = f"“{req.q}”" if req.q else "new documents"
    _sub(feed, "title", f"{site}: {what}")
    query = "?" + request.query_string.decode("ascii", "replace") if request.query_string else ""
    self_url = absolute(url_for("exports.search_atom")) + query
    _sub(feed, "id", self_url)
    _sub(feed, "link", rel="self", href=self_url)
    page_url = absolute(url_for("pages.search")) + query
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    _sub(feed, "generator", "etslib")
    stamps = []
    entries = []
    for hit in resp.hits:
        m = hit.meta
        url, file_url = _doc_urls(hit.id)
        updated = _iso(m.get("date")) or _iso(m.get("year")) or "1970-01-01T00:00:00Z"
        stamps.append(updated)
        entry = ET.Element(f"{{{ATOM_NS}}}entry")
        _sub(entry, "id", url)
        _sub(entry, "title", m.get("title") or hit.id)
        _sub(entry, "updated", updated)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        if m.get("kind") == "pdf":
            _sub(entry, "link", rel="enclosure", type="application/pdf", href=file_url)
        for a in m.get("authors") or ([m["publisher"]] if m.get("publisher") else []):
            _sub(_sub(entry, "author"), "name", a)
        for j in m.get("jurisdictions") or []:
            _sub(entry, "category", term=j, label=label_of("jurisdiction", j))
        if m.get("type"):
            _sub(entry, "category", term=m["type"], label=label_of("type", m["type"]))
        summary = m.get("description") or (
            "".join(t for t, _ in hit.passages[0].segments) if hit.passages else None
        )
        if summary:
            _sub(entry, "summary", summary)
        entries.append(entry)
    _sub(feed, "updated", max(stamps) if stamps else datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    feed.extend(entries)
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


# -- OpenSearch -------------------------------------------------------------------


@bp.get("/opensearch.xml")
def opensearch():
    ET.register_namespace("", OPENSEARCH_NS)
    root = ET.Element(f"{{{OPENSEARCH_NS}}}OpenSearchDescription")
    site = current_app.config["SITE_NAME"]

    def sub(tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(root, f"{{{OPENSEARCH_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    sub("ShortName", site[:16])
    sub("Description", f"Search {site}: the literature of emissions trading systems")
    sub("InputEncoding", "UTF-8")
    sub("OutputEncoding", "UTF-8")
    base = absolute(url_for("pages.search"))
    sub("Url", type="text/html", method="get", template=base + "?q={searchTerms}&page={startPage?}")
    sub("Url", type="application/json", template=absolute(url_for("api.search")) + "?q={searchTerms}&page={startPage?}")
    sub("Url", type="application/atom+xml", template=absolute(url_for("exports.search_atom")) + "?q={searchTerms}")
    sub("Url", type="application/opensearchdescription+xml", rel="self", template=absolute(url_for("exports.opensearch")))
    body = ET.tostring(root, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/opensearchdescription+xml")
