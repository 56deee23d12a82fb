"""A result as the pages list it: title, facts, passages with their links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from search.model import Hit, Passage

from search.query import short_label

from .. import urls
from .labels import hit_facts
from .links import doc_url
from .versions import VersionView, version_view


@dataclass
class PassageView:
    page: int
    where: str  # "p. 12", "p. iv (12)", "Article 12", "part 3 of 56"
    href: str
    segments: list[tuple[str, bool]]  # (text, is_match): the template marks matches
    lang: str | None = None  # the document's language where it is not the page's
    where_full: str | None = None  # the whole heading, where "where" is cut short
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
    description: str | None = None  # shown where a hit has no passages (browsing)
    lang: str | None = None  # the document's language where it is not the page's (title, passages)
    versions: list[VersionView] = field(default_factory=list)  # the newest other versions of its work
    own_version: VersionView | None = None  # this result as a version (date, format, language)
    other_versions: int = 0  # all of them, listed or not

    @property
    def version_count(self) -> int:
        """Versions of its work, itself included ("3 versions")."""
        return self.other_versions + 1 if self.other_versions else 0

    @property
    def unlisted_versions(self) -> int:
        """Versions not listed with the hit (its document page lists them)."""
        return self.other_versions - len(self.versions)


#: The language the pages are written in (``<html lang>``).
PAGE_LANG = "en"


def text_lang(meta: dict[str, Any]) -> str | None:
    """The ``lang`` a document's title and passages need on an English page:
    its language when known and not English (so fonts and screen readers
    read Chinese as Chinese), else None."""
    lang = str(meta.get("language") or "").strip()
    if not lang or lang in ("und", PAGE_LANG) or not lang.replace("-", "").isalnum():
        return None
    return lang


def passage_view(doc_id: str, meta: dict[str, Any], p: Passage, pairs: urls.Pairs) -> PassageView:
    """Where a passage is and the link that opens the document there."""
    paged = meta.get("paged", True)
    full = None
    if paged:
        where = f"p. {p.label} ({p.page})" if p.label else f"p. {p.page}"
    else:
        where, full = part_label(p.label, p.page, meta.get("page_count"))
    if paged and meta.get("kind") == "pdf":
        # The browser's PDF viewer understands #page=N.
        href = url_for("files.file", doc_id=doc_id) + f"#page={p.page}"
    else:
        anchor = f"page-{p.page}" if paged else f"section-{p.page}"
        href = urls.url(url_for("pages.document_text", doc_id=doc_id), pairs) + "#" + anchor
    return PassageView(p.page, where, href, list(p.segments), text_lang(meta), full, p.page in (meta.get("ocr_pages") or ()))


def part_label(heading: str | None, number: int, parts: int | None) -> tuple[str, str]:
    """Where a passage of an unpaged document is: under its own heading
    ("Article 12", "124.") where it has one, else a neutral "part 3 of 56"
    (never "section 3": a chunk's number is no section of the document).
    Returns the label and its long form (the whole heading, and the part)."""
    of = f"part {number} of {parts}" if parts else f"part {number}"
    if heading:
        return short_label(heading), f"{heading} ({of})"
    return of, of


def hit_view(hit: Hit, pairs: urls.Pairs) -> HitView:
    m = hit.meta
    return HitView(
        id=hit.id,
        url=doc_url(hit.id, pairs),
        title=m.get("title") or hit.id,
        facts=hit_facts(m),
        authors=list(m.get("authors") or []),
        passages=[passage_view(hit.id, m, p, pairs) for p in hit.passages],
        matched_pages=hit.matched_pages,
        pages_url=doc_url(hit.id, pairs) + "#matches",
        meta=m,
        description=m.get("description") or None,
        lang=text_lang(m),
        versions=[version_view(v, pairs) for v in hit.versions],
        own_version=version_view(m, pairs, current=True) if hit.versions else None,
        other_versions=hit.version_count,
    )
