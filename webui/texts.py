"""A document's text, page by page (PDF) or section by section (HTML, text),
as the index holds it (``Searcher.page_texts``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Section:
    number: int  # 1-based
    anchor: str  # "page-3" or "section-3"
    heading: str  # "Page 3", "Page iv (3)", "Section 3"
    text: str


@dataclass
class Texts:
    sections: list[Section] = field(default_factory=list)
    problem: str | None = None


def document_texts(searcher: Any, info: dict[str, Any]) -> Texts:
    """The sections of one indexed document, with anchors and headings."""
    pages = searcher.page_texts(info["id"])
    if pages is None:
        return Texts(problem="This document is no longer in the index.")
    paged = info.get("paged", True)
    labels = info.get("page_labels") or []
    out = []
    for i, text in enumerate(pages, 1):
        if paged:
            label = labels[i - 1] if i - 1 < len(labels) else None
            heading = f"Page {label} ({i})" if label and label != str(i) else f"Page {i}"
            out.append(Section(i, f"page-{i}", heading, text))
        else:
            out.append(Section(i, f"section-{i}", f"Section {i}", text))
    return Texts(out)
