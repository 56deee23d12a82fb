"""JSON twins: ``/api/search``, ``/api/doc/<id>``, ``/api/stats``.

``/api/search`` returns exactly :func:`search.query.contract.response_json` (the
contract shared with ``etslib search --json``) plus paging fields.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request

from search.query.contract import hit_json, passage_json
from search.index import IndexRoot
from search.query.searcher import Searcher

from .data import api_search_json, document_data, public_info, search_data
from .state import get_searcher
from .texts import document_texts

bp = Blueprint("api", __name__, url_prefix="/api")


def absolute(path: str) -> str:
    """An absolute URL for a root-relative path (what JSON clients want)."""
    return request.host_url.rstrip("/") + path


@bp.get("/search")
def search():
    data = search_data(get_searcher(), list(request.args.items(multi=True)), api=True)
    return jsonify(api_search_json(data, absolute))


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    data = document_data(get_searcher(), doc_id, list(request.args.items(multi=True)))
    if data is None:
        abort(404, description=f"There is no document with the id “{doc_id}” in the library.")
    return jsonify(document_json(data))


@bp.get("/doc/<doc_id>/text")
def document_text(doc_id: str):
    searcher = get_searcher()
    info = searcher.document(doc_id)
    if info is None:
        abort(404, description=f"There is no document with the id “{doc_id}” in the library.")
    texts = document_texts(searcher, info)
    if texts.problem:
        abort(503, description=texts.problem)
    return jsonify(
        {
            "id": doc_id,
            "paged": bool(info.get("paged", True)),
            "sections": [{"number": s.number, "anchor": s.anchor, "heading": s.heading, "text": s.text} for s in texts.sections],
        }
    )


def document_json(data: dict[str, Any]) -> dict[str, Any]:
    req = data["req"]
    return {
        "document": public_info(data["info"]),
        "query": req.q,
        "notes": data["notes"],
        "matches": [passage_json(p) for p in data["matches_raw"]],
        "related": [hit_json(h) for h in data["related_raw"]],
        "links": {
            "html": absolute(data["html_url"]),
            "file": absolute(data["file_url"]),
            "text": absolute(data["text_url"]),
            "bibtex": absolute(data["bibtex_url"]),
            "ris": absolute(data["ris_url"]),
        },
    }


def stats_data(searcher: Searcher, root: IndexRoot) -> dict[str, Any]:
    from search.ingest import read_report

    data = searcher.stats()
    data.pop("store", None)  # a server path; not the public's business
    return {"stats": data, "report": read_report(root)}


@bp.get("/stats")
def stats():
    data = stats_data(get_searcher(), IndexRoot(current_app.config["INDEX"]))
    report = data["report"]
    summary = None
    if report:
        summary = {k: report.get(k) for k in ("started", "finished", "status", "counts", "seconds")}
        summary["failures"] = [{"file": f["path"].rsplit("/", 1)[-1], "code": f["code"], "reason": f["reason"]} for f in report.get("failures", [])]
    return jsonify({**data["stats"], "last_ingest": summary})
