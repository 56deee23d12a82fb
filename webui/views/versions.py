"""The versions of a work (a document family) as the pages list them: a
result's "N versions" and a document page's "Versions of this work"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import urls
from .labels import label_of
from .links import doc_url

#: How a file's format reads on a page.
KIND_LABELS = {"pdf": "PDF", "html": "HTML page", "text": "Plain text"}


@dataclass
class VersionView:
    id: str
    url: str
    title: str
    when: str | None  # the date, else the year
    format: str  # "PDF", "HTML page", "Plain text"
    language: str | None  # "English"
    matches: bool | None = None  # matched the search (None: no search)
    current: bool = False  # the document the page shows
    newest: bool = False
    lang: str | None = None  # of the title, where it is not the page's

    @property
    def facts(self) -> list[str]:
        return [f for f in (self.when, self.format, self.language) if f]


def version_view(v: dict[str, Any], pairs: urls.Pairs = (), *, current: bool = False, newest: bool = False) -> VersionView:
    """One version (a :func:`search.query.hits.versions_of` entry, or a
    document's own metadata)."""
    from .hits import text_lang

    when = str(v.get("date") or v.get("year") or "") or None
    lang = v.get("language")
    return VersionView(
        id=v["id"],
        url=doc_url(v["id"], pairs),
        title=v.get("title") or v["id"],
        when=when,
        format=KIND_LABELS.get(str(v.get("kind") or ""), str(v.get("kind") or "file")),
        language=label_of("language", lang) if lang and lang != "und" else None,
        matches=v.get("matches"),
        current=current,
        newest=newest,
        lang=text_lang(v),
    )
