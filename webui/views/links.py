"""The app's own URLs and settings as a request sees them (``url_for``,
``current_app``): the one place views turn state into links."""

from __future__ import annotations

from flask import current_app, request, url_for

from .. import urls
from ..params import Limits


def limits() -> Limits:
    """What the app accepts, from its settings."""
    c = current_app.config
    return Limits(
        default_limit=int(c["DEFAULT_LIMIT"]),
        max_limit=int(c["MAX_LIMIT"]),
        max_query=int(c["MAX_QUERY"]),
        passages=int(c["PASSAGES"]),
    )


def search_url(pairs: urls.Pairs) -> str:
    return urls.url(url_for("pages.search"), pairs)


def api_search_url(pairs: urls.Pairs) -> str:
    return urls.url(url_for("api.search"), pairs)


def doc_url(doc_id: str, pairs: urls.Pairs = ()) -> str:
    return urls.url(url_for("pages.document", doc_id=doc_id), list(pairs))


def absolute(path: str) -> str:
    """An absolute URL for a root-relative path (what JSON clients and feeds want).

    It starts with the ``BASE_URL`` setting when there is one; otherwise with
    the host the request came to, which the app accepts only when it is one
    of ``ALLOWED_HOSTS`` (a forged ``Host`` header was reflected into Atom
    feeds and JSON links).
    """
    base = current_app.config.get("BASE_URL")
    return (str(base) if base else request.host_url).rstrip("/") + path
