"""HTML pages: search, document, document text, search tips, about.

Views are thin: they call one function of :mod:`webui.data` and render it.
Each page links its JSON twin with ``rel="alternate"``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, render_template, request

from search.index import IndexRoot

from search.vocab.facets import FACETS, FILTER_FACETS

from .data import document_data, search_data, search_url

from .state import get_searcher
from .texts import document_texts

bp = Blueprint("pages", __name__)


def init_app(app: Flask) -> None:
    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site_name": app.config["SITE_NAME"]}


def _args() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


@bp.get("/")
def search():
    data = search_data(get_searcher(), _args())
    return render_template("search.html", **data)


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    data = document_data(get_searcher(), doc_id, _args())
    if data is None:
        abort(404, description=f"There is no document with the id “{doc_id}” in the library.")
    return render_template("document.html", **data)


@bp.get("/doc/<doc_id>/text")
def document_text(doc_id: str):
    searcher = get_searcher()
    data = document_data(searcher, doc_id, _args())
    if data is None:
        abort(404, description=f"There is no document with the id “{doc_id}” in the library.")
    texts = document_texts(searcher, data["info"])
    matching = {p.page for p in data["matches_raw"]}
    in_pdf = {}
    if data["info"].get("kind") == "pdf":
        in_pdf = {s.number: f"{data['file_url']}#page={s.number}" for s in texts.sections}
    return render_template("document_text.html", texts=texts, matching=matching, in_pdf=in_pdf, **data)


@bp.get("/help")
def help():
    return render_template("help.html")


@bp.get("/about")
def about():
    from .api import stats_data

    data = stats_data(get_searcher(), IndexRoot(current_app.config["INDEX"]))
    facets = [
        {
            "label": FACETS[name].label,
            "values": [{"label": v["label"] or v["value"], "count": v["count"], "url": search_url([(name, v["value"])])} for v in values],
        }
        for name, values in data["stats"]["facets"].items()
        if name in FILTER_FACETS and values
    ]
    return render_template("about.html", facets=facets, **data)
