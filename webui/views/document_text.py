"""A document's whole text (``/doc/<id>/text``) and its JSON twin
(``/api/doc/<id>/text``): page by page (PDF) or part by part (HTML, text),
as the index holds it (``Searcher.page_texts``).

The page shows the text as text: paragraphs, and the document's own
headings as headings (the marks ingest found, see
:mod:`search.text.sections`; Markdown heading and fence lines left in an
older index are read the same way), with the query's words marked.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from search.model import SearchRequest
from search.query import Searcher

from .document import DocumentData, DocumentLinks, document_links
from .hits import PassageView, passage_view, text_lang
from .labels import hit_facts

Segments = list[tuple[str, bool]]


@dataclass
class Block:
    kind: str  # "heading" or "para"
    segments: Segments  # (text, is_match)


@dataclass
class Section:
    number: int  # 1-based
    anchor: str  # "page-3" or "section-3"
    heading: str  # "Page 3", "Page iv (3)", "Part 3 of 56"
    text: str
    label: str | None = None  # the document heading a part begins under ("Article 12")
    blocks: list[Block] = field(default_factory=list)
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
    marks = info.get("section_marks") or []
    ocr = set(info.get("ocr_pages") or ())
    out = []
    for i, text in enumerate(pages, 1):
        if paged:
            label = labels[i - 1] if i - 1 < len(labels) else None
            heading = f"Page {label} ({i})" if label and label != str(i) else f"Page {i}"
            out.append(Section(i, f"page-{i}", heading, text, ocr=i in ocr))
        else:
            own = marks[i - 1] if i - 1 < len(marks) else []
            under = _label_at_start(own)
            out.append(Section(i, f"section-{i}", f"Part {i} of {len(pages)}", text, under))
    return Texts(out)


def _label_at_start(marks: list) -> str | None:
    """The heading a part begins under, unless the part opens with it."""
    if marks and int(marks[0][0]) == 0 and not int(marks[0][2]):
        return str(marks[0][1])
    return None


def document_text_json(info: dict[str, Any], texts: Texts) -> dict[str, Any]:
    return {
        "id": info["id"],
        "paged": bool(info.get("paged", True)),
        "sections": [
            {"number": s.number, "anchor": s.anchor, "heading": s.heading, "text": s.text, "ocr": s.ocr, **({"label": s.label} if s.label else {})}
            for s in texts.sections
        ],
    }


# -- text as blocks ----------------------------------------------------------------

_BLANK = re.compile(r"\n[ \t]*\n\s*")
_MD_HEADING = re.compile(r"^[ \t]{0,3}(#{1,6})[ \t]+(?=\S)", re.M)
_MD_FENCE = re.compile(r"^[ \t]*(?:```|~~~)[^\n]*$", re.M)


def blocks_of(text: str, segments: Segments, marks: list | None = None) -> list[Block]:
    """``text`` (cut into ``segments``) as paragraphs and headings.

    Headings are the marks' heading lines (``[offset, label, length]`` with a
    length) and Markdown ``#`` lines; fence lines are dropped.
    """
    heads: list[tuple[int, int]] = []
    drops: list[tuple[int, int]] = []
    for m in marks or ():
        try:
            at, length = int(m[0]), int(m[2])
        except (TypeError, ValueError, IndexError):
            continue
        if length > 0 and at + length <= len(text):
            heads.append((at, at + length))
    for m in _MD_HEADING.finditer(text):
        end = text.find("\n", m.end())
        end = len(text) if end < 0 else end
        drops.append((m.start(), m.end()))  # the "####"
        heads = [h for h in heads if not (h[0] <= m.start() < h[1])]  # a mark of this line: the line without its "#"
        heads.append((m.end(), end))
    for m in _MD_FENCE.finditer(text):
        drops.append((m.start(), m.end()))
    cuts = sorted(set(heads))
    ranges: list[tuple[int, int, str]] = []
    # Paragraph ranges between blank lines.
    paras = []
    start = 0
    for m in _BLANK.finditer(text):
        paras.append((start, m.start()))
        start = m.end()
    paras.append((start, len(text)))
    for a, b in paras:
        cursor = a
        for h0, h1 in cuts:
            if h0 < a or h0 >= b:
                continue
            if h0 > cursor:
                ranges.append((cursor, h0, "para"))
            ranges.append((h0, min(h1, b), "heading"))
            cursor = max(cursor, min(h1, b))
        if cursor < b:
            ranges.append((cursor, b, "para"))
    out: list[Block] = []
    starts = list(itertools.accumulate((len(t) for t, _ in segments), initial=0))
    for a, b, kind in ranges:
        segs = _without(_slice(segments, starts, a, b), [d for d in drops if d[1] > a and d[0] < b])
        if "".join(t for t, _ in segs).strip():
            out.append(Block(kind, _trimmed(segs)))
    return out


def _slice(segments: Segments, starts: list[int], a: int, b: int) -> list[tuple[int, str, bool]]:
    """The segments within ``[a, b)``, each with its offset (``starts``: the
    segments' offsets)."""
    out = []
    i = max(0, bisect.bisect_right(starts, a) - 1)
    while i < len(segments) and starts[i] < b:
        t, hit = segments[i]
        pos = starts[i]
        lo, hi = max(a, pos), min(b, pos + len(t))
        if hi > lo:
            out.append((lo, t[lo - pos : hi - pos], hit))
        i += 1
    return out


def _without(segs: list[tuple[int, str, bool]], drops: list[tuple[int, int]]) -> Segments:
    """Offset segments with the ``drops`` ranges cut out."""
    if not drops:
        return [(t, hit) for _, t, hit in segs]
    out: Segments = []
    for at, t, hit in segs:
        keep = []
        for i, ch in enumerate(t):
            p = at + i
            if not any(d0 <= p < d1 for d0, d1 in drops):
                keep.append(ch)
        if keep:
            out.append(("".join(keep), hit))
    return out


def _trimmed(segs: Segments) -> Segments:
    """Leading and trailing white space off a block."""
    segs = [s for s in segs if s[0]]
    if segs:
        segs[0] = (segs[0][0].lstrip(), segs[0][1])
        segs[-1] = (segs[-1][0].rstrip(), segs[-1][1])
    return [s for s in segs if s[0]]


# -- the page ----------------------------------------------------------------------


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
    lang: str | None = None  # of the title, where it is not the page's
    marked: int = 0  # matches marked in the text


def document_text_page(searcher: Searcher, data: DocumentData) -> DocumentTextPage:
    info = data.info
    texts = document_texts(searcher, info)
    links = document_links(data.id, data.request, data.context)
    marked_texts = searcher.marked_texts(data.id, data.request) or []
    marks = info.get("section_marks") or []
    marked = 0
    for s in texts.sections:
        segs = marked_texts[s.number - 1] if s.number - 1 < len(marked_texts) else [(s.text, False)]
        own = marks[s.number - 1] if not info.get("paged", True) and s.number - 1 < len(marks) else None
        s.blocks = blocks_of(s.text, segs, own)
        marked += sum(1 for b in s.blocks for _, hit in b.segments if hit)
    in_pdf = {}
    if info.get("kind") == "pdf":
        in_pdf = {s.number: f"{links.file}#page={s.number}" for s in texts.sections}
    pairs = data.context.pairs
    return DocumentTextPage(
        info=info,
        title=info.get("title") or data.id,
        request=data.request,
        facts=hit_facts(info),
        matches=[passage_view(data.id, info, p, pairs) for p in data.matches],
        matching={p.page for p in data.matches},
        texts=texts,
        in_pdf=in_pdf,
        links=links,
        lang=text_lang(info),
        marked=marked,
    )
