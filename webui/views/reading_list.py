"""The reading list page (``/list``) and its JSON twin (``/api/list``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from search.query import Searcher, public_path

from .. import urls
from .hits import text_lang
from .labels import hit_facts
from .links import absolute, doc_url


@dataclass
class ListItem:
    id: str
    title: str
    url: str
    facts: list[str]
    authors: list[str]
    lang: str | None = None
    kept: bool = True  # in the visitor's own list


@dataclass
class ListLinks:
    share: str  # absolute: /list?ids=…
    csv: str
    bibtex: str
    ris: str
    json: str
    search: str


@dataclass
class ReadingListPage:
    items: list[ListItem]
    missing: list[str]  # ids no longer in the library
    shared: bool  # shown from a shared URL, not the visitor's cookie
    own: bool  # the list shown is the visitor's own
    unsaved: list[str] = field(default_factory=list)  # shared ids not yet in the visitor's list
    links: ListLinks | None = None
    here: str = "/list"  # this page as asked for (where its forms come back to)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.items]


def _ids_param(ids: list[str]) -> urls.Pairs:
    from ..readinglist import format_ids

    return [("ids", format_ids(ids))] if ids else []


def list_links(ids: list[str]) -> ListLinks:
    pairs = _ids_param(ids)
    return ListLinks(
        share=absolute(urls.url(url_for("readinglist.page"), pairs)),
        csv=urls.url(url_for("readinglist.export_csv"), pairs),
        bibtex=urls.url(url_for("readinglist.export_bibtex"), pairs),
        ris=urls.url(url_for("readinglist.export_ris"), pairs),
        json=urls.url(url_for("readinglist.as_json"), pairs),
        search=url_for("pages.search"),
    )


def reading_list_page(searcher: Searcher, ids: list[str], *, shared: bool, mine: list[str], here: str = "/list") -> ReadingListPage:
    """The documents of the list ``ids`` (a shared one, or the visitor's ``mine``)."""
    own = set(mine)
    items: list[ListItem] = []
    missing: list[str] = []
    for doc_id in ids:
        info = searcher.document(doc_id)
        if info is None:
            missing.append(doc_id)
            continue
        items.append(
            ListItem(
                id=doc_id,
                title=info.get("title") or doc_id,
                url=doc_url(doc_id),
                facts=hit_facts(info),
                authors=list(info.get("authors") or []),
                lang=text_lang(info),
                kept=doc_id in own,
            )
        )
    found = [i.id for i in items]
    return ReadingListPage(
        items=items,
        missing=missing,
        shared=shared,
        own=not shared or set(found) <= own,
        unsaved=[i for i in found if i not in own],
        links=list_links(found),
        here=here,
    )


def list_json(searcher: Searcher, ids: list[str]) -> dict[str, Any]:
    docs = []
    missing = []
    for doc_id in ids:
        info = searcher.document(doc_id)
        if info is None:
            missing.append(doc_id)
            continue
        docs.append(
            {
                "id": doc_id,
                "title": info.get("title"),
                "authors": list(info.get("authors") or []),
                "year": info.get("year"),
                "date": info.get("date"),
                "publisher": info.get("publisher"),
                "type": info.get("type"),
                "language": info.get("language"),
                "path": public_path(info),
                "url": absolute(doc_url(doc_id)),
            }
        )
    links = list_links([d["id"] for d in docs])
    return {
        "total": len(docs),
        "documents": docs,
        "missing": missing,
        "links": {"share": links.share, "csv": absolute(links.csv), "bibtex": absolute(links.bibtex), "ris": absolute(links.ris)},
    }
