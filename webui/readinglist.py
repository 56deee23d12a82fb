"""The reading list: documents kept across searches, exported and shared.

Blacklight's bookmarks without an account: the list lives in a cookie
(``etslib_list``, the ids in order), which the server reads to show what
is kept and which the page's script also writes, so keeping a document
needs no reload. Every part works without JavaScript: each result's
"Keep" button posts to ``/list/toggle`` and comes back to the same place.

A list is shared as a URL, ``/list?ids=a,b,c``, which shows, exports and
can be saved into one's own list; the exports (``/list.csv``, ``.bib``,
``.ris``) take the same ``ids``, so their links work without the cookie.
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import quote, unquote, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, redirect, render_template, request

from .exports import bibtex_body, csv_body, download, ris_body
from .security import cookies_secure
from .state import get_searcher
from .views.reading_list import list_json, reading_list_page

bp = Blueprint("readinglist", __name__)

COOKIE = "etslib_list"
#: Documents a list keeps (a cookie holds about 4 KB).
MAX_IDS = 100
MAX_COOKIE = 3800
#: A year: the list outlives a browser session.
MAX_AGE = 365 * 24 * 3600


def parse_ids(raw: str | None) -> list[str]:
    """Ids from ``a,b,c`` (each URL-quoted), in order, without repeats or blanks."""
    out: list[str] = []
    for part in (raw or "").split(","):
        doc_id = unquote(part).strip()
        if doc_id and doc_id not in out and len(doc_id) <= 200:
            out.append(doc_id)
    return out


def format_ids(ids: Iterable[str]) -> str:
    """The cookie's (and a shared URL's) spelling of ``ids``: quoted, comma-separated."""
    return ",".join(quote(i, safe="") for i in ids)


def cookie_ids() -> list[str]:
    """The visitor's own list, from the cookie."""
    return parse_ids(request.cookies.get(COOKIE))[:MAX_IDS]


def requested_ids() -> tuple[list[str], bool]:
    """The list a request names: ``?ids=`` (shared), else the visitor's own."""
    if "ids" in request.args:
        return parse_ids(",".join(request.args.getlist("ids"))), True
    return cookie_ids(), False


def _save(resp: Response, ids: list[str]) -> Response:
    ids = ids[:MAX_IDS]
    value = format_ids(ids)
    while len(value) > MAX_COOKIE and ids:
        ids = ids[:-1]
        value = format_ids(ids)
    if ids:
        # Not HttpOnly: the page's script keeps the list without a reload.
        resp.set_cookie(COOKIE, value, max_age=MAX_AGE, path="/", samesite="Lax", httponly=False, secure=cookies_secure(current_app))
    else:
        resp.delete_cookie(COOKIE, path="/", samesite="Lax", secure=cookies_secure(current_app))
    return resp


def _same_origin() -> None:
    """Refuse posts from other sites: a page elsewhere must not edit the list."""
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if site and site not in ("same-origin", "none"):
        abort(403, description="The reading list can only be changed from this site.")
    if origin and origin != "null" and urlsplit(origin).netloc != request.host:
        abort(403, description="The reading list can only be changed from this site.")


def _back(default: str = "/list") -> Response:
    """A 303 to the form's ``next`` (a path on this site only)."""
    nxt = request.form.get("next") or default
    parts = urlsplit(nxt)
    if parts.scheme or parts.netloc or not nxt.startswith("/") or nxt.startswith("//") or "\\" in nxt:
        nxt = default
    return redirect(nxt, code=303)


def init_app(app: Flask) -> None:
    @app.context_processor
    def reading_list() -> dict:
        try:
            ids = cookie_ids()
        except RuntimeError:  # outside a request
            ids = []
        return {"reading_list_ids": set(ids), "reading_list_count": len(ids)}


@bp.post("/list/toggle")
def toggle():
    _same_origin()
    doc_id = (request.form.get("id") or "").strip()
    ids = cookie_ids()
    if doc_id:
        ids = [i for i in ids if i != doc_id] if doc_id in ids else ids + [doc_id]
    return _save(_back(), ids)


@bp.post("/list/add")
def add():
    _same_origin()
    ids = cookie_ids()
    for doc_id in parse_ids(",".join(request.form.getlist("ids"))):
        if doc_id not in ids:
            ids.append(doc_id)
    return _save(_back(), ids)


@bp.post("/list/clear")
def clear():
    _same_origin()
    return _save(_back(), [])


@bp.get("/list")
def page():
    ids, shared = requested_ids()
    here = request.full_path.rstrip("?")
    view = reading_list_page(get_searcher(), ids, shared=shared, mine=cookie_ids(), here=here)
    return render_template("reading_list.html", view=view)


@bp.get("/api/list")
def as_json():
    ids, _ = requested_ids()
    return jsonify(list_json(get_searcher(), ids))


def _documents(ids: list[str]) -> list[dict]:
    searcher = get_searcher()
    return [info for info in (searcher.document(i) for i in ids) if info is not None]


@bp.get("/list.csv")
def export_csv():
    ids, _ = requested_ids()
    return download(csv_body(_documents(ids)), "text/csv", "etslib-reading-list.csv")


@bp.get("/list.bib")
def export_bibtex():
    ids, _ = requested_ids()
    return download(bibtex_body(_documents(ids)), "application/x-bibtex", "etslib-reading-list.bib")


@bp.get("/list.ris")
def export_ris():
    ids, _ = requested_ids()
    return download(ris_body(_documents(ids)), "application/x-research-info-systems", "etslib-reading-list.ris")
