"""``/file/<id>``: an indexed document's own file.

The path is looked up by document id in the index, never taken from the
request, so nothing but indexed files can be served. PDFs open in the
browser (``#page=N`` works); HTML files are served in a CSP sandbox so their
scripts cannot run on this origin.
"""

from __future__ import annotations

import os

from flask import Blueprint, abort, request, send_file

from .errors import no_such_document
from .security import SANDBOX_CSP
from .state import get_searcher

bp = Blueprint("files", __name__)

MIMETYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "text": "text/plain",
}


@bp.get("/file/<doc_id>")
def file(doc_id: str):
    info = get_searcher().document(doc_id)
    if info is None:
        no_such_document(doc_id)
    path = str(info.get("path") or "")
    if not path or not os.path.isfile(path):
        abort(404, description="The file of this document is no longer where it was indexed; re-run `etslib ingest`.")
    kind = str(info.get("kind") or "")
    mimetype = MIMETYPES.get(kind, "application/octet-stream")
    if mimetype.startswith("text/"):
        mimetype += "; charset=utf-8"
    download = request.args.get("download", "").lower() in ("1", "true", "yes")
    resp = send_file(
        path,
        mimetype=mimetype,
        as_attachment=download,
        download_name=os.path.basename(path),
        conditional=True,  # Range requests: PDF viewers fetch pages on demand
        max_age=3600,
    )
    if kind == "html" or mimetype.startswith("text/html"):
        resp.headers["Content-Security-Policy"] = SANDBOX_CSP
    return resp
