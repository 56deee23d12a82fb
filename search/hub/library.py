"""What the library holds about a system, through the searcher's public API.

A system's documents are those tagged with its jurisdictions (the same
filter as the search page's jurisdiction facet), so the numbers here equal
what the "search the library" link shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol

from ..model import Hit, SearchRequest, SearchResponse


class _Searcher(Protocol):  # the part of search.query's Searcher used here
    def search(self, req: SearchRequest) -> SearchResponse: ...


@dataclass(frozen=True)
class DocRef:
    id: str
    title: str
    year: int | None
    type: str | None
    publisher: str | None

    @classmethod
    def of(cls, hit: Hit) -> "DocRef":
        m = hit.meta
        return cls(hit.id, str(m.get("title") or hit.id), m.get("year"), m.get("type"), m.get("publisher"))

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SystemLibrary:
    jurisdictions: tuple[str, ...]
    total: int = 0
    latest: list[DocRef] = field(default_factory=list)
    news: list[DocRef] = field(default_factory=list)
    legislation: list[DocRef] = field(default_factory=list)
    by_year: list[tuple[int, int]] = field(default_factory=list)  # (year, documents), ascending

    def to_json(self) -> dict[str, Any]:
        return {"jurisdictions": list(self.jurisdictions), "total": self.total,
                "latest": [d.to_json() for d in self.latest], "news": [d.to_json() for d in self.news],
                "legislation": [d.to_json() for d in self.legislation],
                "by_year": [{"year": y, "documents": n} for y, n in self.by_year]}


def _req(jurisdictions: Iterable[str], types: list[str] | None = None, limit: int = 5) -> SearchRequest:
    filters: dict[str, list[str]] = {"jurisdiction": list(jurisdictions)}
    if types:
        filters["type"] = types
    return SearchRequest(q="", filters=filters, sort="newest", limit=limit, passages=0)


def system_library(searcher: _Searcher, jurisdictions: Iterable[str], *, n: int = 5) -> SystemLibrary:
    """The latest documents, news and legislation about these jurisdictions, and documents per year."""
    jids = tuple(jurisdictions)
    lib = SystemLibrary(jids)
    if not jids:
        return lib
    everything = searcher.search(_req(jids, limit=n))
    lib.total = everything.total
    lib.latest = [DocRef.of(h) for h in everything.hits]
    years = []
    for v in everything.facets.get("year", []):
        try:
            years.append((int(v.value), v.count))
        except ValueError:
            continue
    lib.by_year = sorted(years)
    if lib.total:
        lib.news = [DocRef.of(h) for h in searcher.search(_req(jids, ["news"], n)).hits]
        lib.legislation = [DocRef.of(h) for h in searcher.search(_req(jids, ["legislation"], n)).hits]
    return lib


def documents_per_system(facet_counts: dict[str, int], systems: Iterable[Any]) -> dict[str, int]:
    """Documents per system id from the library's jurisdiction facet counts (an upper bound:
    a document tagged with two of a system's jurisdictions counts twice)."""
    return {s.id: sum(facet_counts.get(j, 0) for j in s.jurisdictions) for s in systems}
