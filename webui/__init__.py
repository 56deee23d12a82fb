"""The etslib web app: search page, document pages, JSON API, exports, files.

:func:`create_app` is the only way to get an app (the CLI's ``serve``, the
gunicorn workers and the tests all call it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # the command line imports this package: Flask loads only for the app
    from flask import Flask

__all__ = ["create_app"]


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
