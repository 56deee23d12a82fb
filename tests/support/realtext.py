"""Plain text of real files for tests of the metadata rules, extracted as
simply as possible (not through etslib's extractors, which have their own
tests)."""

from __future__ import annotations

import functools
from pathlib import Path

import pypdfium2 as pdfium
from bs4 import BeautifulSoup


@functools.lru_cache(maxsize=None)
def read_pages(path: Path) -> tuple[str, ...]:
    """Page texts of a real file."""
    if path.suffix == ".pdf":
        doc = pdfium.PdfDocument(str(path))
        try:
            return tuple(doc[i].get_textpage().get_text_bounded() for i in range(len(doc)))
        finally:
            doc.close()
    raw = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix in (".html", ".htm"):
        return (BeautifulSoup(raw, "html.parser").get_text(" "),)
    return (raw,)
