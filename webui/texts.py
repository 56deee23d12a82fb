"""A document's text, page by page (PDF) or section by section (HTML, text).

Adapter: uses ``Searcher.page_texts(doc_id)`` when the search layer offers
it (the index holds every page's text). Until then it reads the extraction
cache ingest keeps next to the index, and as a last resort extracts the
indexed file again; neither touches the index's internals.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from search.index import IndexRoot


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


_cache: OrderedDict[str, list[str]] = OrderedDict()
_lock = threading.Lock()
_CACHE_SIZE = 8


def _pages_from_layer(searcher: Any, info: dict[str, Any], index_dir: str) -> list[str]:
    fn = getattr(searcher, "page_texts", None)
    if callable(fn):
        return list(fn(info["id"]))
    key = str(info.get("sha256") or info["id"])
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from search.documents import load_cached

    ex = load_cached(str(IndexRoot(index_dir).textcache), key) if info.get("sha256") else None
    if ex is None:
        from search.extract import extract

        ex = extract(info["path"])
    pages = list(ex.pages)
    with _lock:
        _cache[key] = pages
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return pages


def document_texts(searcher: Any, index_dir: str, info: dict[str, Any]) -> Texts:
    """The sections of one indexed document, with anchors and headings."""
    try:
        pages = _pages_from_layer(searcher, info, index_dir)
    except Exception as e:  # any extractor failure: the page still renders, with the reason
        return Texts(problem=f"The text of this document cannot be shown: {e}")
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
