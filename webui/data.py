"""The data behind each page, built once and shared by the HTML page and its
JSON twin.

:func:`search_data` turns request parameters into a search and everything a
results page shows: facets whose values carry their toggle URLs, removable
chips, paging links, the year histogram and the knowledge panel, so
templates never build URLs. :func:`document_data` does the same for one
document. Both run inside a request (they call ``url_for``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, TypeVar

from flask import current_app, url_for

from search.vocab.facets import FACETS, FILTER_FACETS
from search.index import IndexProblem
from search.model import SORTS, Hit, Passage, SearchRequest, SearchResponse
from search.query.searcher import Searcher

from . import urls
from .knowledge import Panel, panel_for
from .params import Limits, parse_args, query_pairs, state_pairs

T = TypeVar("T")

# -- small view objects ---------------------------------------------------------


@dataclass
class ValueView:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str
    group: str | None = None


@dataclass
class GroupView:
    name: str | None
    top: list[ValueView]
    more: list[ValueView]


@dataclass
class FacetView:
    name: str
    label: str
    groups: list[GroupView]
    selected: int = 0

    @property
    def empty(self) -> bool:
        return not any(g.top or g.more for g in self.groups)


@dataclass
class Chip:
    facet: str
    label: str
    remove_url: str


@dataclass
class Bar:
    year: int
    count: int
    x: float
    y: float
    width: float
    height: float
    in_range: bool
    url: str


@dataclass
class Histogram:
    bars: list[Bar]
    width: int
    height: int
    first: int
    last: int
    peak: int


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


@dataclass
class PassageView:
    page: int
    where: str  # "p. 12", "p. iv (12)", "section 3"
    href: str
    segments: list[tuple[str, bool]]


@dataclass
class HitView:
    id: str
    url: str
    title: str
    facts: list[str]
    authors: list[str]
    passages: list[PassageView]
    matched_pages: int
    pages_url: str
    meta: dict[str, Any] = field(default_factory=dict)


# -- helpers --------------------------------------------------------------------


def limits() -> Limits:
    c = current_app.config
    return Limits(
        default_limit=int(c["DEFAULT_LIMIT"]),
        max_limit=int(c["MAX_LIMIT"]),
        max_query=int(c["MAX_QUERY"]),
        passages=int(c["PASSAGES"]),
    )


def search_url(pairs: urls.Pairs) -> str:
    return urls.url(url_for("pages.search"), pairs)


def doc_url(doc_id: str, pairs: urls.Pairs = ()) -> str:
    return urls.url(url_for("pages.document", doc_id=doc_id), list(pairs))


def label_of(facet: str, value: str) -> str:
    f = FACETS.get(facet)
    return f.value_label(value) if f else value


def labels_of(facet: str, values: Iterable[str] | None) -> list[str]:
    return [label_of(facet, v) for v in values or []]


def passage_view(doc_id: str, meta: dict[str, Any], p: Passage, qpairs: urls.Pairs) -> PassageView:
    """Where a passage is and the link that opens the document there."""
    paged = meta.get("paged", True)
    if paged:
        where = f"p. {p.label} ({p.page})" if p.label else f"p. {p.page}"
    else:
        where = f"section {p.page}"
    if paged and meta.get("kind") == "pdf":
        # The browser's PDF viewer understands #page=N.
        href = url_for("files.file", doc_id=doc_id) + f"#page={p.page}"
    else:
        anchor = f"page-{p.page}" if paged else f"section-{p.page}"
        href = urls.url(url_for("pages.document_text", doc_id=doc_id), qpairs) + "#" + anchor
    return PassageView(p.page, where, href, list(p.segments))


def hit_facts(meta: dict[str, Any]) -> list[str]:
    """The short facts line of a result: year · jurisdictions · type · publisher · pages · language."""
    out: list[str] = []
    if meta.get("year"):
        out.append(str(meta["year"]))
    if meta.get("jurisdictions"):
        out.append(", ".join(labels_of("jurisdiction", meta["jurisdictions"])))
    if meta.get("type"):
        out.append(label_of("type", meta["type"]))
    if meta.get("publisher"):
        out.append(str(meta["publisher"]))
    n = meta.get("page_count")
    if n:
        unit = ("page" if n == 1 else "pages") if meta.get("paged", True) else ("section" if n == 1 else "sections")
        out.append(f"{n} {unit}")
    if meta.get("language"):
        out.append(label_of("language", meta["language"]))
    return out


def hit_view(hit: Hit, qpairs: urls.Pairs) -> HitView:
    m = hit.meta
    return HitView(
        id=hit.id,
        url=doc_url(hit.id, qpairs),
        title=m.get("title") or hit.id,
        facts=hit_facts(m),
        authors=list(m.get("authors") or []),
        passages=[passage_view(hit.id, m, p, qpairs) for p in hit.passages],
        matched_pages=hit.matched_pages,
        pages_url=doc_url(hit.id, qpairs) + "#matches",
        meta=m,
    )


# -- the search page --------------------------------------------------------------


def _facet_views(resp: SearchResponse, state: urls.Pairs, top_n: int) -> list[FacetView]:
    from search.vocab.jurisdictions import load

    region_order = {r: i for i, r in enumerate(load().regions())}
    out: list[FacetView] = []
    for name in FILTER_FACETS:
        values = [
            ValueView(
                v.value,
                v.label or v.value,
                v.count,
                v.selected,
                search_url(urls.toggled(state, name, v.value)),
                v.group,
            )
            for v in resp.facets.get(name, [])
        ]
        if name == "jurisdiction":
            groups: dict[str | None, list[ValueView]] = {}
            for v in values:
                groups.setdefault(v.group or "Other", []).append(v)
            ordered = sorted(groups.items(), key=lambda kv: region_order.get(kv[0], len(region_order)))
        else:
            ordered = [(None, values)]
        views = []
        for gname, vals in ordered:
            top = vals[:top_n] + [v for v in vals[top_n:] if v.selected]
            more = [v for v in vals[top_n:] if not v.selected]
            views.append(GroupView(gname, top, more))
        out.append(FacetView(name, FACETS[name].label, views, sum(v.selected for v in values)))
    return out


def _chips(req: SearchRequest, state: urls.Pairs) -> list[Chip]:
    chips = []
    for name in FILTER_FACETS:
        for v in req.filters.get(name, []):
            chips.append(Chip(FACETS[name].label, label_of(name, v), search_url(urls.with_removed(state, name, v))))
    if req.year_from is not None or req.year_to is not None:
        a, b = req.year_from, req.year_to
        text = f"{a}–{b}" if a is not None and b is not None else (f"from {a}" if a is not None else f"until {b}")
        if a == b:
            text = str(a)
        chips.append(Chip("Year", text, search_url(urls.without(state, ["year_from", "year_to"]))))
    return chips


def _histogram(resp: SearchResponse, state: urls.Pairs, width: int = 240, height: int = 48) -> Histogram | None:
    counts: dict[int, int] = {}
    for v in resp.facets.get("year", []):
        try:
            counts[int(v.value)] = v.count
        except ValueError:
            continue
    counts = {y: n for y, n in counts.items() if n > 0}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    if last - first > 150:  # one stray date should not flatten the chart
        first = last - 150
    years = list(range(first, last + 1))
    peak = max(counts.get(y, 0) for y in years) or 1
    req = resp.request
    slot = width / len(years)
    bars = []
    base = urls.without(state, ["year_from", "year_to"])
    for i, y in enumerate(years):
        n = counts.get(y, 0)
        h = 0.0 if n == 0 else max(2.0, height * n / peak)
        in_range = (req.year_from is None or y >= req.year_from) and (req.year_to is None or y <= req.year_to)
        bars.append(
            Bar(
                year=y,
                count=n,
                x=round(i * slot + slot * 0.1, 2),
                y=round(height - h, 2),
                width=round(max(slot * 0.8, 0.5), 2),
                height=round(h, 2),
                in_range=in_range,
                url=search_url(base + [("year_from", str(y)), ("year_to", str(y))]),
            )
        )
    return Histogram(bars, width, height, first, last, peak)


def _pagination(req: SearchRequest, total: int, state: urls.Pairs, to_url) -> Pagination:
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


def _knowledge(searcher: Searcher, req: SearchRequest, resp: SearchResponse, state: urls.Pairs) -> Panel | None:
    chosen = req.filters.get("jurisdiction", [])
    if len(chosen) != 1:
        return None
    jid = chosen[0]
    return panel_for(
        jid,
        matching=resp.total,
        in_library=searcher.count(SearchRequest(filters={"jurisdiction": [jid]})),
        select_url=lambda other: search_url(urls.with_replaced(state, "jurisdiction", other)),
        library_url=search_url([("jurisdiction", jid)]),
    )


def _plain_words(q: str) -> str:
    return " ".join(re.findall(r"\w+", q))


def _forgiving(run: Callable[[SearchRequest], T], req: SearchRequest, notes: list[str]) -> tuple[T, SearchRequest]:
    """``run(req)``; should the query trip the engine, run its plain words and say so.

    The parser is designed never to raise, so this is a safety net: a
    malformed query must give a page with a note, never a 500.
    """
    try:
        return run(req), req
    except IndexProblem:
        raise
    except Exception:
        words = _plain_words(req.q)
        if words == req.q:
            raise
        current_app.logger.exception("query %r failed; retrying with its plain words", req.q)
        notes.append(f"The query could not be read as written; searched for its words instead: {words or '(none)'}.")
        req = replace(req, q=words)
        return run(req), req


def search_data(searcher: Searcher, args: Iterable[tuple[str, str]], *, api: bool = False) -> dict[str, Any]:
    """Run the search the parameters ask for and build everything its pages show.

    :param api: build paging URLs for ``/api/search`` rather than ``/``.
    """
    cfg = current_app.config
    parsed = parse_args(args, limits())
    req = replace(parsed.request, facet_limit=int(cfg["FACET_LIMIT"]))
    notes = list(parsed.notes)
    # A page past the end gives the last page and a note, in the same search.
    resp, req = _forgiving(lambda r: searcher.search(r, clamp_page=True), req, notes)
    resp.notes = notes + list(resp.notes)
    req = resp.request  # filters as the index spells them ("eu" → "EU")
    state = state_pairs(req, int(cfg["DEFAULT_LIMIT"]))
    to_url = (lambda pairs: urls.url(url_for("api.search"), pairs)) if api else search_url
    pagination = _pagination(req, resp.total, state, to_url)
    data: dict[str, Any] = {"resp": resp, "req": req, "state": state, "pagination": pagination}
    if api:
        return data

    qpairs = query_pairs(req)
    data.update(
        browse=not req.q.strip(),
        # a query with nothing searchable left is listed like a browse
        newest_default=resp.sort == "newest" and req.sort == "relevance",
        hits=[hit_view(h, qpairs) for h in resp.hits],
        facets=_facet_views(resp, state, int(cfg["FACET_TOP"])),
        chips=_chips(req, state),
        clear_url=search_url(urls.without(state, [*FILTER_FACETS, "year_from", "year_to"])),
        histogram=_histogram(resp, state),
        knowledge=_knowledge(searcher, req, resp, state),
        sorts=SORTS,
        page_sizes=sorted(set(int(n) for n in cfg["PAGE_SIZES"]) | {req.limit}),
        suggestion_url=search_url(urls.with_replaced(state, "q", resp.suggestion)) if resp.suggestion else None,
        no_expand_url=search_url(urls.with_replaced(state, "expand", "0")),
        expand_url=search_url(urls.with_removed(state, "expand")),
        stemmed_url=search_url(urls.with_removed(state, "exact")),
        new_search_url=search_url([]),
        links={
            "json": urls.url(url_for("api.search"), state + _page_pair(req)),
            "csv": urls.url(url_for("exports.search_csv"), state),
            "bibtex": urls.url(url_for("exports.search_bibtex"), state),
            "ris": urls.url(url_for("exports.search_ris"), state),
            "atom": urls.url(url_for("exports.search_atom"), urls.without(state, ["sort", "limit"])),
        },
    )
    return data


def _page_pair(req: SearchRequest) -> urls.Pairs:
    return [("page", str(req.page))] if req.page > 1 else []


def api_search_json(data: dict[str, Any], absolute) -> dict[str, Any]:
    """``response_json`` (the contract shared with ``etslib search --json``) plus paging."""
    from search.query.contract import response_json

    out = response_json(data["resp"])
    p: Pagination = data["pagination"]
    out.update(
        first_result=p.first,
        last_result=p.last,
        next_url=absolute(p.next_url) if p.next_url else None,
        previous_url=absolute(p.prev_url) if p.prev_url else None,
    )
    return out


# -- the document page ------------------------------------------------------------

#: Metadata rows on a document page, in order, with their labels.
META_ROWS: tuple[tuple[str, str], ...] = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("publisher", "Publisher"),
    ("date", "Date"),
    ("year", "Year"),
    ("jurisdictions", "Jurisdictions"),
    ("type", "Type"),
    ("topics", "Topics"),
    ("language", "Language"),
    ("page_count", "Pages"),
    ("keywords", "Keywords"),
    ("description", "Description"),
    ("kind", "Format"),
    ("file", "File"),
    ("ingested", "Indexed"),
)
#: Friendlier names for where a metadata value came from.
SOURCE_LABELS = {
    "catalog": "library catalogue",
    "pdf-metadata": "PDF properties",
    "html-metadata": "HTML metadata",
    "text-metadata": "document header",
    "rules": "etslib rules",
    "detected": "detected in the text",
    "filename": "file name",
}
KIND_LABELS = {"pdf": "PDF", "html": "HTML page", "text": "Plain text"}
#: Index bookkeeping that a document's JSON does not need.
PRIVATE_KEYS = ("dn", "lens", "mtime_ns")


def public_info(info: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in info.items() if k not in PRIVATE_KEYS}


def _meta_rows(info: dict[str, Any]) -> list[dict[str, Any]]:
    sources = info.get("sources") or {}
    rows = []
    for key, label in META_ROWS:
        if key == "file":
            value: Any = (info.get("path") or "").rsplit("/", 1)[-1]
            src = None
        else:
            value = info.get(key)
            src = sources.get(key) or (sources.get("year") if key == "date" else None)
        if key == "jurisdictions":
            value = labels_of("jurisdiction", value)
        elif key == "topics":
            value = labels_of("topic", value)
        elif key in ("type", "language") and value:
            value = label_of(key, value)
        elif key == "ingested" and value:
            value = _when(str(value))
        elif key == "kind" and value:
            value = KIND_LABELS.get(value, value)
        elif key == "year" and info.get("date"):
            continue  # the date says it
        if value in (None, "", [], 0):
            continue
        if key == "page_count" and not info.get("paged", True):
            label = "Sections"
        rows.append(
            {
                "key": key,
                "label": label,
                "value": value if isinstance(value, list) else str(value),
                "source": SOURCE_LABELS.get(str(src), str(src)) if src else None,
            }
        )
    return rows


def _when(stamp: str) -> str:
    """``2026-11-23T15:08:14+00:00`` as ``2026-11-23 15:08 UTC``."""
    from datetime import datetime, timezone

    try:
        dt = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%d %H:%M") + (" UTC" if dt.tzinfo is not None else "")


def _citation_date(info: dict[str, Any]) -> str | None:
    d = str(info.get("date") or "")
    if d:
        return d.replace("-", "/")
    return str(info["year"]) if info.get("year") else None


def document_data(searcher: Searcher, doc_id: str, args: Iterable[tuple[str, str]]) -> dict[str, Any] | None:
    """One document: metadata, pages matching the query, related documents."""
    info = searcher.document(doc_id)
    if info is None:
        return None
    cfg = current_app.config
    parsed = parse_args(args, limits())
    req = parsed.request
    qpairs = query_pairs(req)
    notes = list(parsed.notes)
    matches: list[Passage] = []
    if req.q.strip():
        n = int(cfg["DOC_PAGES"])
        matches, _ = _forgiving(lambda r: searcher.document_pages(doc_id, r, limit=n), req, notes)
    related = searcher.related(doc_id, int(cfg["RELATED"]))
    file_url = url_for("files.file", doc_id=doc_id)
    return {
        "info": info,
        "title": info.get("title") or doc_id,
        "rows": _meta_rows(info),
        "facts": hit_facts(info),
        "req": req,
        "notes": notes,
        "matches": [passage_view(doc_id, info, p, qpairs) for p in matches],
        "matches_raw": matches,
        "matches_capped": len(matches) >= int(cfg["DOC_PAGES"]),
        "related": [hit_view(h, []) for h in related],
        "related_raw": related,
        "file_url": file_url,
        "download_url": file_url + "?download=1",
        "text_url": urls.url(url_for("pages.document_text", doc_id=doc_id), qpairs),
        "html_url": doc_url(doc_id, qpairs),
        "json_url": urls.url(url_for("api.document", doc_id=doc_id), qpairs),
        "bibtex_url": url_for("exports.doc_bibtex", doc_id=doc_id),
        "ris_url": url_for("exports.doc_ris", doc_id=doc_id),
        "search_url": search_url(qpairs),
        "citation_date": _citation_date(info),
        "citation_pdf_url": url_for("files.file", doc_id=doc_id, _external=True) if info.get("kind") == "pdf" else None,
        "flags": list(info.get("flags") or []),
    }
