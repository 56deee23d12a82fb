"""The about page (``/about``) and its JSON twin (``/api/stats``): what the
library holds and how the last indexing run went."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.ingest import read_report
from search.query import IndexStats, Searcher, stats_json
from search.vocab.facets import FACETS, FILTER_FACETS

from .links import search_url


@dataclass
class Library:
    """The index's statistics and the last ingest's report."""

    stats: IndexStats
    report: dict[str, Any] | None


def library(searcher: Searcher) -> Library:
    return Library(searcher.index_stats(), read_report(searcher.root))


def library_json(lib: Library) -> dict[str, Any]:
    """``/api/stats``: the statistics without the server's path, and a
    summary of the last ingest."""
    report = lib.report
    summary = None
    if report:
        summary = {k: report.get(k) for k in ("started", "finished", "status", "counts", "seconds")}
        summary["failures"] = [{"file": f["path"].rsplit("/", 1)[-1], "code": f["code"], "reason": f["reason"]} for f in report.get("failures", [])]
    return {**stats_json(lib.stats, store=False), "last_ingest": summary}


@dataclass
class AboutValue:
    label: str
    count: int
    url: str  # the library filtered to this value


@dataclass
class AboutFacet:
    label: str
    values: list[AboutValue]


@dataclass
class AboutPage:
    documents: int
    pages: int
    facets: list[AboutFacet]
    report: dict[str, Any] | None  # the last ingest's report, as ingest wrote it
    works: int = 0  # documents with the versions of a work counted once


def about_page(lib: Library) -> AboutPage:
    facets = [
        AboutFacet(FACETS[name].label, [AboutValue(v.label or v.value, v.count, search_url([(name, v.value)])) for v in values])
        for name, values in lib.stats.facets.items()
        if name in FILTER_FACETS and values
    ]
    return AboutPage(lib.stats.documents, lib.stats.pages, facets, lib.report, lib.stats.families)
