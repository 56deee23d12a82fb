"""JSON twins: ``/api/search``, ``/api/doc/<id>``, ``/api/doc/<id>/text``, ``/api/stats``,
described for machines by ``/api/openapi.json`` (``webui/openapi.json``;
``tests/robustness`` checks the running server against it with schemathesis).

``/api/search`` returns exactly :func:`search.query.response_json` (the
contract shared with ``etslib search --json``) plus paging fields.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, jsonify, request, send_file

from .errors import no_such_document
from .state import get_searcher
from .views.about import library, library_json
from .views.document import document_data, document_json
from .views.document_text import document_text_json, document_texts
from .views.search import run_search, search_json

bp = Blueprint("api", __name__, url_prefix="/api")


def _args() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


@bp.get("/search")
def search():
    return jsonify(search_json(run_search(get_searcher(), _args())))


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    data = document_data(get_searcher(), doc_id, _args(), related=True)
    if data is None:
        no_such_document(doc_id)
    return jsonify(document_json(data))


@bp.get("/doc/<doc_id>/text")
def document_text(doc_id: str):
    searcher = get_searcher()
    info = searcher.document(doc_id)
    if info is None:
        no_such_document(doc_id)
    texts = document_texts(searcher, info)
    if texts.problem:
        abort(503, description=texts.problem)
    return jsonify(document_text_json(info, texts))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this JSON API."""
    return send_file(Path(__file__).with_name("openapi.json"), mimetype="application/json", max_age=3600)


@bp.get("/stats")
def stats():
    return jsonify(library_json(library(get_searcher())))
