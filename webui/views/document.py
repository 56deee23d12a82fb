"""The document page (``/doc/<id>``) and its JSON twin (``/api/doc/<id>``).

:func:`document_data` looks the document up and runs what the route shows:
the pages matching the query, and related documents only when asked (the
text page does not show them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import current_app, url_for

from search.model import Hit, Passage, SearchRequest
from search.query import Searcher, hit_json, passage_json, public_path

from .. import urls
from ..params import parse_args, query_pairs
from .context import SearchContext, search_context
from .forgiving import forgiving
from .hits import HitView, PassageView, hit_view, passage_view, text_lang
from .labels import hit_facts, label_of, labels_of
from .links import absolute, doc_url, limits
from .versions import KIND_LABELS, VersionView, version_view


@dataclass
class DocumentData:
    """One document, as its pages and its twin show it."""

    info: dict[str, Any]  # the index's metadata of the document
    request: SearchRequest  # q, exact and expand: the pages to find
    notes: list[str]
    matches: list[Passage]  # pages matching the query, best first
    related: list[Hit]  # empty unless asked for
    context: SearchContext  # the search it was opened from: back, previous, next
    versions: list[dict[str, Any]] = field(default_factory=list)  # every version of its work (itself too), newest first

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
    return DocumentData(info, req, notes, matches, found, search_context(searcher, doc_id, req, args), searcher.versions(doc_id))


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


def document_links(doc_id: str, req: SearchRequest, context: SearchContext) -> DocumentLinks:
    """The document's own URLs: the page and its text carry the search it
    was opened from (so the way back keeps filters, sort and page), the
    JSON twin the query's words (q, exact, expand)."""
    qpairs = query_pairs(req)
    file_url = url_for("files.file", doc_id=doc_id)
    return DocumentLinks(
        html=doc_url(doc_id, context.pairs),
        json=urls.url(url_for("api.document", doc_id=doc_id), qpairs),
        text=urls.url(url_for("pages.document_text", doc_id=doc_id), context.pairs),
        file=file_url,
        download=file_url + "?download=1",
        bibtex=url_for("exports.doc_bibtex", doc_id=doc_id),
        ris=url_for("exports.doc_ris", doc_id=doc_id),
        search=context.back_url,
    )


# -- the JSON twin ------------------------------------------------------------------

#: Index bookkeeping that a document's JSON does not need.
PRIVATE_KEYS = ("dn", "lens", "mtime_ns", "relpath", "minhash", "root")


def public_info(info: dict[str, Any]) -> dict[str, Any]:
    """The metadata without bookkeeping, the file named by its relative path."""
    out = {k: v for k, v in info.items() if k not in PRIVATE_KEYS}
    if "path" in out:
        out["path"] = public_path(info)
    return out


def document_json(data: DocumentData) -> dict[str, Any]:
    links = document_links(data.id, data.request, data.context)
    ctx = data.context
    return {
        "document": public_info(data.info),
        "query": data.request.q,
        "notes": data.notes,
        "matches": [passage_json(p) for p in data.matches],
        "related": [hit_json(h) for h in data.related],
        "family": family_json(data),
        "links": {
            "html": absolute(links.html),
            "file": absolute(links.file),
            "text": absolute(links.text),
            "bibtex": absolute(links.bibtex),
            "ris": absolute(links.ris),
            "results": absolute(links.search),
        },
        "position": ctx.position,
        "total": ctx.total if ctx.position else None,
        "previous": absolute(ctx.prev.url) if ctx.prev else None,
        "next": absolute(ctx.next.url) if ctx.next else None,
    }


def family_json(data: DocumentData) -> dict[str, Any]:
    """The document's work: its family id, newest version, why its versions
    are one work, and every version (itself included) newest first."""
    info = data.info
    return {
        "id": info.get("family") or data.id,
        "newest": info.get("family_newest") or data.id,
        "by": info.get("family_by") or None,
        "versions": [
            {**v, "current": v["id"] == data.id, "url": absolute(url_for("pages.document", doc_id=v["id"]))}
            for v in data.versions
        ],
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
    ("url", "Original source"),
    ("identifiers", "Identifiers"),
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
    "text-heading": "document heading",
    "rules": "etslib rules",
    "detected": "detected in the text",
    "filename": "file name",
    "filename-year": "file name",
    "text": "the document's text",
    "byline": "press release line",
    "issuer": "issuing body",
    "imprint": "imprint",
    "site": "web site's name",
    "self-domain": "the document's web site",
    "masthead": "masthead",
    "domain": "links in the document",
    "dateline": "date line",
    "act": "act's title",
    "consolidation": "consolidated version",
    "identifier": "document number",
    "abstract": "abstract",
    "lead": "opening paragraph",
    "subject-matter": "Article 1",
}
#: Below this confidence a derived value is marked uncertain on the page.
UNCERTAIN = 0.5


@dataclass
class MetaRow:
    key: str
    label: str
    value: str | list[str]
    source: str | None  # where the value came from ("library catalogue")
    href: str | None = None  # the value as a link (the original source, an ELI, a DOI)
    uncertain: bool = False  # a derived value staff have been asked to check


@dataclass
class DocumentPage:
    info: dict[str, Any]
    title: str
    request: SearchRequest
    notes: list[str]
    facts: list[str]
    rows: list[MetaRow]
    description: str | None  # the abstract or lead paragraph, under the title
    source_url: str | None  # "Original source"
    matches: list[PassageView]
    matches_capped: bool  # as many matches as are listed: there may be more
    related: list[HitView]
    links: DocumentLinks
    citation_date: str | None  # for the citation_* meta tags
    citation_pdf_url: str | None
    flags: list[str]
    context: SearchContext
    lang: str | None = None  # of the title, where it is not the page's
    versions: list[VersionView] = field(default_factory=list)  # its work's versions, itself included
    versions_by: str | None = None  # why they are one work


def document_page(data: DocumentData) -> DocumentPage:
    info, req = data.info, data.request
    return DocumentPage(
        info=info,
        title=info.get("title") or data.id,
        request=req,
        notes=data.notes,
        facts=hit_facts(info),
        rows=meta_rows(info),
        description=info.get("description") or None,
        source_url=_web_url(info.get("url")),
        matches=[passage_view(data.id, info, p, data.context.pairs) for p in data.matches],
        matches_capped=len(data.matches) >= int(current_app.config["DOC_PAGES"]),
        related=[hit_view(h, []) for h in data.related],
        links=document_links(data.id, req, data.context),
        citation_date=_citation_date(info),
        citation_pdf_url=absolute(url_for("files.file", doc_id=data.id)) if info.get("kind") == "pdf" else None,
        flags=list(info.get("flags") or []),
        context=data.context,
        lang=text_lang(info),
        versions=[
            version_view(v, data.context.pairs, current=v["id"] == data.id, newest=v["id"] == info.get("family_newest"))
            for v in data.versions
        ],
        versions_by=info.get("family_by") or None,
    )


def meta_rows(info: dict[str, Any]) -> list[MetaRow]:
    """The metadata worth showing, labelled, each with where it came from."""
    sources = info.get("sources") or {}
    confidence = info.get("confidence") or {}
    rows = []
    for key, label in META_ROWS:
        href = None
        if key == "file":
            value: Any = public_path(info)
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
        elif key == "url":
            href = _web_url(value)
            if not href:
                continue
        elif key == "identifiers":
            value = [f"{identifier_label(k)} {v}" for k, v in (value or {}).items()]
        if value in (None, "", [], 0):
            continue
        if key == "page_count" and not info.get("paged", True):
            label = "Parts"
        conf = confidence.get(key) if key != "date" else confidence.get("date", confidence.get("year"))
        rows.append(
            MetaRow(
                key=key,
                label=label,
                value=value if isinstance(value, list) else str(value),
                source=SOURCE_LABELS.get(str(src), str(src)) if src else None,
                href=href,
                uncertain=conf is not None and conf < UNCERTAIN and src != "catalog",
            )
        )
    return rows


def identifier_label(scheme: str) -> str:
    from ..citations import SCHEME_LABELS

    return SCHEME_LABELS.get(scheme, scheme) + ":"


def _web_url(value: Any) -> str | None:
    """A value fit for a link: an http(s) address only."""
    s = str(value or "").strip()
    return s if s.startswith(("http://", "https://")) else None


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
