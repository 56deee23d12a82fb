"""HTML pages: search, document, document text, search tips, about.

Views are thin: they build one view model (:mod:`webui.views`) and render
it as ``view``. Each page links its JSON twin with ``rel="alternate"``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request

from .errors import no_such_document
from .state import get_searcher
from .views.about import about_page, library
from .views.document import document_data, document_page
from .views.document_text import document_text_page
from .views.links import absolute
from .views.search import run_search, search_page

bp = Blueprint("pages", __name__)


def init_app(app: Flask) -> None:
    @app.context_processor
    def site() -> dict[str, Any]:
        return {"site_name": app.config["SITE_NAME"], "absolute": absolute}


def _args() -> list[tuple[str, str]]:
    return list(request.args.items(multi=True))


@bp.get("/")
def search():
    searcher = get_searcher()
    args = _args()
    return render_template("search.html", view=search_page(searcher, run_search(searcher, args), args))


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    data = document_data(get_searcher(), doc_id, _args(), related=True)
    if data is None:
        no_such_document(doc_id)
    return render_template("document.html", view=document_page(data))


@bp.get("/doc/<doc_id>/text")
def document_text(doc_id: str):
    searcher = get_searcher()
    data = document_data(searcher, doc_id, _args(), related=False)
    if data is None:
        no_such_document(doc_id)
    return render_template("document_text.html", view=document_text_page(searcher, data))


@bp.get("/help")
def help():
    return render_template("help.html")


@bp.get("/about")
def about():
    return render_template("about.html", view=about_page(library(get_searcher())))
