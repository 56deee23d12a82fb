"""The etslib web app: search page, document pages, JSON API, exports, files.

:func:`create_app` is the only way to get an app (the CLI's ``serve``, the
gunicorn workers and the tests all call it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # the command line imports this package: Flask loads only for the app
    from flask import Flask

__all__ = ["create_app"]


def trust_hosts(app: Flask) -> None:
    """Answer only to ``ALLOWED_HOSTS`` (and ``BASE_URL``'s host), through
    Flask's ``TRUSTED_HOSTS``: a request for another Host gets 400."""
    from urllib.parse import urlsplit

    hosts = [str(h) for h in app.config.get("ALLOWED_HOSTS") or []]
    if hosts:  # what `etslib serve --host/--allowed-host` adds
        hosts += [str(h) for h in app.config.get("SERVE_HOSTS") or [] if str(h) not in hosts]
    base = app.config.get("BASE_URL")
    if base and hosts:
        name = urlsplit(str(base)).hostname
        if name and name not in hosts:
            hosts.append(name)
    app.config["TRUSTED_HOSTS"] = hosts or None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """An app configured from defaults, then ``ETSLIB_*`` variables, then ``test_config``."""
    from flask import Flask

    from . import api, errors, exports, files, hub, pages, readinglist, security, staff, state
    from .settings import defaults

    app = Flask(__name__)
    app.config.from_mapping(defaults())
    app.config.from_prefixed_env("ETSLIB")
    if test_config:
        app.config.from_mapping(test_config)
    trust_hosts(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]

    state.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    pages.init_app(app)
    readinglist.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(readinglist.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(hub.bp)
    staff.init_app(app)
    # The reading list only changes the visitor's own cookie and checks that
    # a change comes from this site (Origin/Referer); it needs no session,
    # so anonymous visitors get no CSRF cookie for it.
    app.extensions["csrf"].exempt(readinglist.bp)
    return app
