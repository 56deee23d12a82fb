"""Errors: one JSON shape for machines, a friendly page for people.

JSON errors always look like ``{"error": {"status": 404, "message": "..."}}``.
An unusable index is a 503 telling the operator what to run; an unexpected
exception is logged and shown as a plain 500 page, never a traceback.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Flask, Response, abort, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, NotFound, SecurityError

from search.query import IndexMissing, IndexProblem

_DEFAULT_404 = NotFound.description

#: URL prefixes whose errors are JSON.
JSON_PREFIXES = ("/api/",)


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def no_such_document(doc_id: str) -> NoReturn:
    """A 404 for a document id the index does not know (pages, JSON, files)."""
    abort(404, description=f"There is no document with the id “{doc_id}” in the library.")


def error_json(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def error_response(status: int, message: str, title: str | None = None, *, link: str | None = None):
    """A JSON error or the error page; ``link``: an address that helps
    (the page shows it, JSON has it in the message already)."""
    if wants_json():
        resp = jsonify(error_json(status, message))
    else:
        resp = make_response(render_template("error.html", status=status, title=title or _TITLES.get(status, "Error"), message=message, link=link))
    return resp, status


_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    500: "Something went wrong",
    503: "The library is not ready",
}


def init_app(app: Flask) -> None:
    @app.errorhandler(SecurityError)
    def untrusted_host(e: SecurityError):
        # No page: building its links would need the host refused.
        return Response(
            "Bad request: this site does not answer to that host name (see ALLOWED_HOSTS and BASE_URL).\n",
            status=400,
            mimetype="text/plain",
        )

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        status = e.code or 500
        message = e.description if status != 404 or e.description != _DEFAULT_404 else "There is nothing at this address."
        resp, status = error_response(status, message)
        # The exception's own headers (Allow on a 405, Content-Range on a
        # 416) are part of the answer (RFC 9110).
        for name, value in e.get_headers():
            if name.lower() != "content-type":
                resp.headers[name] = value
        return resp, status

    @app.errorhandler(IndexProblem)
    def index_problem(e: IndexProblem):
        if isinstance(e, IndexMissing):
            message = "No documents have been indexed yet. Run `etslib ingest PATH` to build the index, then reload this page."
        else:
            message = e.public  # the way out, without the server's paths
        app.logger.warning("index unavailable: %s", e)
        return error_response(503, message)

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500, "An unexpected error occurred. It has been logged; please try again or simplify the request.")
