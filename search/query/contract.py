"""The JSON contract of a search, shared by ``etslib search --json`` and
``GET /api/search`` so the two can never drift apart.

``total`` counts works (document families; ``documents`` counts every
matching version), and each result carries its ``family``, how many other
versions it has (``version_count``) and the newest of them (``versions``,
at most ``config.HIT_VERSIONS``: ``/api/doc/<id>`` lists every one); the
response's ``versions`` says whether the list is one a work (``"family"``)
or every version (``"all"``).

Passages reach JSON as ``text``: HTML-escaped, matches in ``<mark>``, built
here from the passage's segments (the engine itself returns no markup).
"""

from __future__ import annotations

import html
from typing import Any

from ..model import Hit, Passage, SearchResponse
from .stats import IndexStats


def public_path(meta: dict[str, Any]) -> str:
    """A document's file as public output may name it: its path relative to
    the folder it was ingested from (indexes older than ``relpath``: the
    file name), never the server's absolute path."""
    rel = str(meta.get("relpath") or "")
    if rel and not rel.startswith("/"):
        return rel
    return str(meta.get("path") or "").replace("\\", "/").rsplit("/", 1)[-1]


def passage_html(segments: list[tuple[str, bool]]) -> str:
    """Escaped text with matches in ``<mark>``: safe to embed in HTML."""
    return "".join(f"<mark>{html.escape(s)}</mark>" if hit else html.escape(s) for s, hit in segments)


def passage_json(p: Passage) -> dict[str, Any]:
    return {"page": p.page, "text": passage_html(p.segments), **({"label": p.label} if p.label else {})}


def hit_json(hit: Hit) -> dict[str, Any]:
    m = hit.meta
    return {
        "id": hit.id,
        "title": m.get("title"),
        "year": m.get("year"),
        "jurisdictions": list(m.get("jurisdictions") or []),
        "type": m.get("type"),
        "publisher": m.get("publisher"),
        "language": m.get("language"),
        "path": public_path(m),
        "score": round(hit.score, 4),
        "passages": [passage_json(p) for p in hit.passages],
        "date": m.get("date"),
        "authors": list(m.get("authors") or []),
        "topics": list(m.get("topics") or []),
        "page_count": m.get("page_count"),
        "kind": m.get("kind"),
        "matched_pages": hit.matched_pages,
        "description": m.get("description"),
        "url": m.get("url"),
        "identifiers": dict(m.get("identifiers") or {}),
        "family": m.get("family") or hit.id,
        "versions": [dict(v) for v in hit.versions],
        "version_count": hit.version_count,
    }


def response_json(resp: SearchResponse) -> dict[str, Any]:
    req = resp.request
    pages = max(1, -(-resp.total // req.limit))
    return {
        "total": resp.total,
        "documents": resp.documents,
        "versions": "all" if req.all_versions else "family",
        "results": [hit_json(h) for h in resp.hits],
        "facets": {
            name: [
                {"value": v.value, "count": v.count, "label": v.label, "selected": v.selected, **({"group": v.group} if v.group else {})}
                for v in values
            ]
            for name, values in resp.facets.items()
        },
        "query": req.q,
        "interpreted": resp.interpreted,
        "notes": resp.notes,
        "expansions": [{"term": s, "added": alts} for s, alts in resp.expansions],
        "suggestion": resp.suggestion,
        "page": req.page,
        "limit": req.limit,
        "pages": pages,
        "sort": resp.sort,
        "filters": req.filters,
        "year_from": req.year_from,
        "year_to": req.year_to,
        "exact": req.exact,
        "expand": req.expand,
        "elapsed_ms": round(resp.elapsed_ms, 2),
    }


def stats_json(stats: IndexStats, *, store: bool = True) -> dict[str, Any]:
    """``etslib stats --json`` (without the last ingest); ``store=False`` leaves
    out the server path, as ``/api/stats`` does."""
    out: dict[str, Any] = {"documents": stats.documents, "families": stats.families, "pages": stats.pages, "generation": stats.generation, "index": stats.index_id}
    if store:
        out["store"] = stats.store
    out["facets"] = {
        name: [{"value": v.value, "label": v.label, "count": v.count} for v in values] for name, values in stats.facets.items()
    }
    return out
