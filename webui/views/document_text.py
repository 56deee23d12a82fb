"""A document's whole text (``/doc/<id>/text``) and its JSON twin
(``/api/doc/<id>/text``): page by page (PDF) or section by section (HTML,
text), as the index holds it (``Searcher.page_texts``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from search.model import SearchRequest
from search.query import Searcher

from ..params import query_pairs
from .document import DocumentData, DocumentLinks, document_links
from .hits import PassageView, passage_view
from .labels import hit_facts


@dataclass
class Section:
    number: int  # 1-based
    anchor: str  # "page-3" or "section-3"
    heading: str  # "Page 3", "Page iv (3)", "Section 3"
    text: str
    ocr: bool = False  # the text came from OCR


@dataclass
class Texts:
    sections: list[Section] = field(default_factory=list)
    problem: str | None = None


def document_texts(searcher: Searcher, info: dict[str, Any]) -> Texts:
    """The sections of one indexed document, with anchors and headings."""
    pages = searcher.page_texts(info["id"])
    if pages is None:
        return Texts(problem="This document is no longer in the index.")
    paged = info.get("paged", True)
    labels = info.get("page_labels") or []
    ocr = set(info.get("ocr_pages") or ())
    out = []
    for i, text in enumerate(pages, 1):
        if paged:
            label = labels[i - 1] if i - 1 < len(labels) else None
            heading = f"Page {label} ({i})" if label and label != str(i) else f"Page {i}"
            out.append(Section(i, f"page-{i}", heading, text, i in ocr))
        else:
            out.append(Section(i, f"section-{i}", f"Section {i}", text))
    return Texts(out)


def document_text_json(info: dict[str, Any], texts: Texts) -> dict[str, Any]:
    return {
        "id": info["id"],
        "paged": bool(info.get("paged", True)),
        "sections": [{"number": s.number, "anchor": s.anchor, "heading": s.heading, "text": s.text, "ocr": s.ocr} for s in texts.sections],
    }


@dataclass
class DocumentTextPage:
    info: dict[str, Any]
    title: str
    request: SearchRequest
    facts: list[str]
    matches: list[PassageView]  # jump links to the matching pages
    matching: set[int]  # their numbers, to mark the sections
    texts: Texts
    in_pdf: dict[int, str]  # section number → the PDF at that page (PDFs only)
    links: DocumentLinks


def document_text_page(searcher: Searcher, data: DocumentData) -> DocumentTextPage:
    info = data.info
    texts = document_texts(searcher, info)
    links = document_links(data.id, data.request)
    in_pdf = {}
    if info.get("kind") == "pdf":
        in_pdf = {s.number: f"{links.file}#page={s.number}" for s in texts.sections}
    qpairs = query_pairs(data.request)
    return DocumentTextPage(
        info=info,
        title=info.get("title") or data.id,
        request=data.request,
        facts=hit_facts(info),
        matches=[passage_view(data.id, info, p, qpairs) for p in data.matches],
        matching={p.page for p in data.matches},
        texts=texts,
        in_pdf=in_pdf,
        links=links,
    )
