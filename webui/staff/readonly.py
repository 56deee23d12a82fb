"""Read-only serving nodes: every staff route refused, pointing at the writer.

A node that serves a published copy of the index (``etslib publish``,
``etslib serve --read-only``) must not change it: uploads, edits, removals,
reindexing and imports happen on the one writer, and even a sign-in writes
(the audit log, the sign-in limits). So on such a node the whole ``/staff``
area answers 403 with the writer's address, as a page or as JSON, before
any staff code runs; nothing on the node writes to the index folder.
"""

from __future__ import annotations

from flask import Flask, current_app, request

from ..errors import error_response


def refusal(writer_url: str | None, path: str) -> tuple[str, str | None]:
    """The message, and the same address on the writer (None: unknown)."""
    where = f"the writer at {writer_url}" if writer_url else "the writer node (ask the administrator for its address)"
    message = (
        "This is a read-only search node: staff work (signing in, uploads, edits, removals, reindexing, imports) "
        f"happens on {where}."
    )
    return message, (writer_url.rstrip("/") + path if writer_url else None)


def init_app(app: Flask) -> None:
    """Refuse ``/staff`` when ``READ_ONLY`` is set."""

    @app.before_request
    def refuse_staff():
        if request.blueprint != "staff" or not current_app.config.get("READ_ONLY"):
            return None
        message, link = refusal(current_app.config.get("WRITER_URL"), request.full_path.rstrip("?"))
        resp, status = error_response(403, message, "Staff work happens on the writer", link=link)
        resp.headers["Cache-Control"] = "no-store"
        if link:
            resp.headers["Link"] = f'<{link}>; rel="alternate"'
        return resp, status
