"""Response headers that keep untrusted text inert.

Titles, queries and passages come from documents and URLs we do not
control. Templates escape them; the Content-Security-Policy is the second
line: no inline scripts or styles, nothing loaded from elsewhere.
"""

from __future__ import annotations

from flask import Flask, Response, request

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


def cookies_secure(app: Flask) -> bool:
    """Whether cookies set now must be ``Secure``: the request came over TLS,
    or the site's address (``BASE_URL``) is https (a proxy that does not pass
    the scheme on must not make them travel in the clear)."""
    base = str(app.config.get("BASE_URL") or "")
    return bool(app.config.get("SESSION_COOKIE_SECURE")) or request.is_secure or base.lower().startswith("https://")


def init_app(app: Flask) -> None:
    @app.after_request
    def headers(resp: Response) -> Response:
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return resp
