"""``/file/<id>``: an indexed document's own file.

The path is looked up by document id in the index, never taken from the
request, and the file is served only while it is still the file that was
indexed (:func:`search.ingest.safety.open_indexed`: inside the folder it
was ingested from, a regular file, its size and modification time as
recorded), so a file swapped for a link to ``/etc/passwd`` is refused. PDFs
open in the browser (``#page=N`` works); HTML files are served in a CSP
sandbox so their scripts cannot run on this origin.
"""

from __future__ import annotations

import os

from flask import abort, Blueprint, request, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from search.ingest.safety import FileChanged, open_indexed

from .errors import no_such_document
from .security import SANDBOX_CSP
from .state import get_searcher

bp = Blueprint("files", __name__)

#: Werkzeug adds "; charset=utf-8" to text types itself (naming it here
#: too sent it twice).
MIMETYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "text": "text/plain",
}


def _download_name(path: str) -> str:
    """The file's name for Content-Disposition: control characters (a
    newline is legal in a file name, not in a header) become "_"."""
    name = os.path.basename(path)
    return "".join(ch if ch.isprintable() else "_" for ch in name) or "document"


@bp.get("/file/<doc_id>")
def file(doc_id: str):
    info = get_searcher().document(doc_id)
    if info is None:
        no_such_document(doc_id)
    try:
        fd, st = open_indexed(info)
    except FileChanged as e:
        abort(404, description=str(e))
    kind = str(info.get("kind") or "")
    download = request.args.get("download", "").lower() in ("1", "true", "yes")
    f = os.fdopen(fd, "rb")
    try:
        resp = send_file(
            f,  # the descriptor checked, not the path again
            mimetype=MIMETYPES.get(kind, "application/octet-stream"),
            as_attachment=download,
            download_name=_download_name(str(info["path"])),
            conditional=False,
            etag=f"{st.st_mtime_ns:x}-{st.st_size:x}",
            last_modified=st.st_mtime,
            max_age=3600,
        )
        resp.content_length = st.st_size
        # Range requests: PDF viewers fetch pages on demand.
        resp = resp.make_conditional(request.environ, accept_ranges=True, complete_length=st.st_size)
    except RequestedRangeNotSatisfiable:
        f.close()
        raise
    if kind == "html":
        resp.headers["Content-Security-Policy"] = SANDBOX_CSP
    return resp
