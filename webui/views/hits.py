"""A result as the pages list it: title, facts, passages with their links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from search.model import Hit, Passage

from .. import urls
from .labels import hit_facts
from .links import doc_url


@dataclass
class PassageView:
    page: int
    where: str  # "p. 12", "p. iv (12)", "section 3"
    href: str
    segments: list[tuple[str, bool]]  # (text, is_match): the template marks matches
    ocr: bool = False  # the page's text came from OCR


@dataclass
class HitView:
    id: str
    url: str
    title: str
    facts: list[str]
    authors: list[str]
    passages: list[PassageView]
    matched_pages: int
    pages_url: str
    meta: dict[str, Any] = field(default_factory=dict)


def passage_view(doc_id: str, meta: dict[str, Any], p: Passage, qpairs: urls.Pairs) -> PassageView:
    """Where a passage is and the link that opens the document there."""
    paged = meta.get("paged", True)
    if paged:
        where = f"p. {p.label} ({p.page})" if p.label else f"p. {p.page}"
    else:
        where = f"section {p.page}"
    if paged and meta.get("kind") == "pdf":
        # The browser's PDF viewer understands #page=N.
        href = url_for("files.file", doc_id=doc_id) + f"#page={p.page}"
    else:
        anchor = f"page-{p.page}" if paged else f"section-{p.page}"
        href = urls.url(url_for("pages.document_text", doc_id=doc_id), qpairs) + "#" + anchor
    return PassageView(p.page, where, href, list(p.segments), p.page in (meta.get("ocr_pages") or ()))


def hit_view(hit: Hit, qpairs: urls.Pairs) -> HitView:
    m = hit.meta
    return HitView(
        id=hit.id,
        url=doc_url(hit.id, qpairs),
        title=m.get("title") or hit.id,
        facts=hit_facts(m),
        authors=list(m.get("authors") or []),
        passages=[passage_view(hit.id, m, p, qpairs) for p in hit.passages],
        matched_pages=hit.matched_pages,
        pages_url=doc_url(hit.id, qpairs) + "#matches",
        meta=m,
    )
