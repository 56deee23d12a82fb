"""The document page (``/doc/<id>``) and its JSON twin (``/api/doc/<id>``).

:func:`document_data` looks the document up and runs what the route shows:
the pages matching the query, and related documents only when asked (the
text page does not show them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import current_app, url_for

from search.model import Hit, Passage, SearchRequest
from search.query import Searcher, hit_json, passage_json

from .. import urls
from ..params import parse_args, query_pairs
from .forgiving import forgiving
from .hits import HitView, PassageView, hit_view, passage_view
from .labels import hit_facts, label_of, labels_of
from .links import absolute, doc_url, limits, search_url


@dataclass
class DocumentData:
    """One document, as its pages and its twin show it."""

    info: dict[str, Any]  # the index's metadata of the document
    request: SearchRequest  # q, exact and expand: the pages to find
    notes: list[str]
    matches: list[Passage]  # pages matching the query, best first
    related: list[Hit]  # empty unless asked for

    @property
    def id(self) -> str:
        return self.info["id"]


def document_data(searcher: Searcher, doc_id: str, args: Iterable[tuple[str, str]], *, related: bool) -> DocumentData | None:
    """The document ``doc_id`` with its pages matching the query (None if unknown).

    :param related: also find related documents (what the page and the
        JSON twin show; the text page does not).
    """
    info = searcher.document(doc_id)
    if info is None:
        return None
    cfg = current_app.config
    parsed = parse_args(args, limits())
    req = parsed.request
    notes = list(parsed.notes)
    matches: list[Passage] = []
    if req.q.strip():
        n = int(cfg["DOC_PAGES"])
        matches, _ = forgiving(lambda r: searcher.document_pages(doc_id, r, limit=n), req, notes)
    found = searcher.related(doc_id, int(cfg["RELATED"])) if related else []
    return DocumentData(info, req, notes, matches, found)


@dataclass
class DocumentLinks:
    html: str
    json: str
    text: str  # the whole text, page by page
    file: str
    download: str
    bibtex: str
    ris: str
    search: str  # back to the search the reader came from


def document_links(doc_id: str, req: SearchRequest) -> DocumentLinks:
    """The document's own URLs, carrying the query's words (q, exact, expand)."""
    qpairs = query_pairs(req)
    file_url = url_for("files.file", doc_id=doc_id)
    return DocumentLinks(
        html=doc_url(doc_id, qpairs),
        json=urls.url(url_for("api.document", doc_id=doc_id), qpairs),
        text=urls.url(url_for("pages.document_text", doc_id=doc_id), qpairs),
        file=file_url,
        download=file_url + "?download=1",
        bibtex=url_for("exports.doc_bibtex", doc_id=doc_id),
        ris=url_for("exports.doc_ris", doc_id=doc_id),
        search=search_url(qpairs),
    )


# -- the JSON twin ------------------------------------------------------------------

#: Index bookkeeping that a document's JSON does not need.
PRIVATE_KEYS = ("dn", "lens", "mtime_ns", "root")


def public_path(info: dict[str, Any]) -> str:
    """A document's path as the web shows it: below the folder it was
    ingested from, never the server's absolute path (the file name alone
    when that folder is not recorded)."""
    path = str(info.get("path") or "")
    root = info.get("root")
    if isinstance(root, str) and root and path.startswith(root.rstrip("/") + "/"):
        return path[len(root.rstrip("/")) + 1 :]
    return path.rsplit("/", 1)[-1]


def public_info(info: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in info.items() if k not in PRIVATE_KEYS}
    if "path" in out:
        out["path"] = public_path(info)
    return out


def public_hits(hits, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``hit_json`` results with their paths as :func:`public_path` gives them."""
    for hit, r in zip(hits, results):
        r["path"] = public_path(hit.meta)
    return results


def document_json(data: DocumentData) -> dict[str, Any]:
    links = document_links(data.id, data.request)
    return {
        "document": public_info(data.info),
        "query": data.request.q,
        "notes": data.notes,
        "matches": [passage_json(p) for p in data.matches],
        "related": public_hits(data.related, [hit_json(h) for h in data.related]),
        "links": {
            "html": absolute(links.html),
            "file": absolute(links.file),
            "text": absolute(links.text),
            "bibtex": absolute(links.bibtex),
            "ris": absolute(links.ris),
        },
    }


# -- the page -----------------------------------------------------------------------

#: Metadata rows on a document page, in order, with their labels.
META_ROWS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("publisher", "Publisher"),
    ("date", "Date"),
    ("year", "Year"),
    ("jurisdictions", "Jurisdictions"),
    ("type", "Type"),
    ("topics", "Topics"),
    ("language", "Language"),
    ("page_count", "Pages"),
    ("keywords", "Keywords"),
    ("description", "Description"),
    ("kind", "Format"),
    ("file", "File"),
    ("ingested", "Indexed"),
)
#: Friendlier names for where a metadata value came from.
SOURCE_LABELS = {
    "catalog": "library catalogue",
    "pdf-metadata": "PDF properties",
    "html-metadata": "HTML metadata",
    "text-metadata": "document header",
    "rules": "etslib rules",
    "detected": "detected in the text",
    "filename": "file name",
}
KIND_LABELS = {"pdf": "PDF", "html": "HTML page", "text": "Plain text"}


@dataclass
class MetaRow:
    key: str
    label: str
    value: str | list[str]
    source: str | None  # where the value came from ("library catalogue")


@dataclass
class DocumentPage:
    info: dict[str, Any]
    title: str
    request: SearchRequest
    notes: list[str]
    facts: list[str]
    rows: list[MetaRow]
    matches: list[PassageView]
    matches_capped: bool  # as many matches as are listed: there may be more
    related: list[HitView]
    links: DocumentLinks
    citation_date: str | None  # for the citation_* meta tags
    citation_pdf_url: str | None
    flags: list[str]


def document_page(data: DocumentData) -> DocumentPage:
    info, req = data.info, data.request
    qpairs = query_pairs(req)
    return DocumentPage(
        info=info,
        title=info.get("title") or data.id,
        request=req,
        notes=data.notes,
        facts=hit_facts(info),
        rows=meta_rows(info),
        matches=[passage_view(data.id, info, p, qpairs) for p in data.matches],
        matches_capped=len(data.matches) >= int(current_app.config["DOC_PAGES"]),
        related=[hit_view(h, []) for h in data.related],
        links=document_links(data.id, req),
        citation_date=_citation_date(info),
        citation_pdf_url=absolute(url_for("files.file", doc_id=data.id)) if info.get("kind") == "pdf" else None,
        flags=list(info.get("flags") or []),
    )


def meta_rows(info: dict[str, Any]) -> list[MetaRow]:
    """The metadata worth showing, labelled, each with where it came from."""
    sources = info.get("sources") or {}
    rows = []
    for key, label in META_ROWS:
        if key == "file":
            value: Any = (info.get("path") or "").rsplit("/", 1)[-1]
            src = None
        else:
            value = info.get(key)
            src = sources.get(key) or (sources.get("year") if key == "date" else None)
        if key == "jurisdictions":
            value = labels_of("jurisdiction", value)
        elif key == "topics":
            value = labels_of("topic", value)
        elif key in ("type", "language") and value:
            value = label_of(key, value)
        elif key == "ingested" and value:
            value = _when(str(value))
        elif key == "kind" and value:
            value = KIND_LABELS.get(value, value)
        elif key == "year" and info.get("date"):
            continue  # the date says it
        if value in (None, "", [], 0):
            continue
        if key == "page_count" and not info.get("paged", True):
            label = "Sections"
        rows.append(
            MetaRow(
                key=key,
                label=label,
                value=value if isinstance(value, list) else str(value),
                source=SOURCE_LABELS.get(str(src), str(src)) if src else None,
            )
        )
    return rows


def _when(stamp: str) -> str:
    """``2026-11-23T15:08:14+00:00`` as ``2026-11-23 15:08 UTC``."""
    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M") + (" UTC" if dt.tzinfo is not None else "")


def _citation_date(info: dict[str, Any]) -> str | None:
    d = str(info.get("date") or "")
    if d:
        return d.replace("-", "/")
    return str(info["year"]) if info.get("year") else None
