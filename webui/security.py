"""Response headers that keep untrusted text inert.

Titles, queries and passages come from documents and URLs we do not
control. Templates escape them; the Content-Security-Policy is the second
line: no inline scripts or styles, nothing loaded from elsewhere.
"""

from __future__ import annotations

from flask import Flask, Response

#: For our own HTML pages.
PAGE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

#: For indexed HTML files served as they are: a sandbox, so their scripts
#: neither run nor reach this origin.
SANDBOX_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def init_app(app: Flask) -> None:
    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return resp
