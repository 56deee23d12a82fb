"""Paging links of a result list (the search page and ``/api/search``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from search.model import SearchRequest

from .. import urls


@dataclass
class PageLink:
    number: int | None  # None: a gap
    url: str = ""
    current: bool = False


@dataclass
class Pagination:
    page: int
    pages: int
    total: int
    first: int  # 1-based number of the first hit shown (0 if none)
    last: int
    prev_url: str | None
    next_url: str | None
    links: list[PageLink]


def pagination(req: SearchRequest, total: int, state: urls.Pairs, to_url: Callable[[urls.Pairs], str]) -> Pagination:
    """Where page ``req.page`` of ``total`` results is, with links made by ``to_url``."""
    pages = max(1, -(-total // req.limit))
    page = req.page

    def at(n: int) -> str:
        return to_url(state + ([("page", str(n))] if n > 1 else []))

    first = (page - 1) * req.limit + 1 if total else 0
    last = min(page * req.limit, total)
    links = [PageLink(n, at(n), n == page) if n is not None else PageLink(None) for n in urls.page_window(page, pages)]
    return Pagination(
        page=page,
        pages=pages,
        total=total,
        first=first if first <= total else 0,
        last=last if first <= total else 0,
        prev_url=at(page - 1) if page > 1 else None,
        next_url=at(page + 1) if page < pages else None,
        links=links,
    )
