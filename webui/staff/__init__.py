"""The staff pages under ``/staff``: sign-in, upload, edit, remove, needs
attention, index status and reindexing, the audit log.

Everything here needs a signed-in staff account (:mod:`.auth`); every
form carries a CSRF token (Flask-WTF's :class:`~flask_wtf.csrf.CSRFProtect`
checks every POST of the app, so a new endpoint cannot forget it). The work
itself is done by ``search.ingest`` (staff catalog, library, uploads,
jobs, audit); the routes parse, check and hand off.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask
from flask.sessions import SecureCookieSessionInterface

from ..security import cookies_secure

bp = Blueprint("staff", __name__, url_prefix="/staff")


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookies that are ``Secure`` whenever the request came over
    TLS or the site's address (``BASE_URL``) is https: a proxy that does not
    pass the scheme on must not make them travel in the clear."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookies_secure(app)


def init_app(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError, CSRFProtect

    from search.ingest import IndexRoot

    from ..accounts import secret_key
    from ..errors import error_response
    from . import auth, readonly, routes  # noqa: F401 - the routes attach to bp

    readonly.init_app(app)
    if not app.config.get("SECRET_KEY") and app.config.get("READ_ONLY"):
        import secrets

        # Nothing is written to a read-only node's index folder, and it has
        # no staff sessions to keep across workers or restarts.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    elif not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = secret_key(IndexRoot(app.config["INDEX"]))
        except OSError as e:  # a read-only index folder: search works, sign-ins last one worker
            import secrets

            app.logger.warning("no ETSLIB_SECRET_KEY and none can be kept in the index folder (%s): staff sessions will not survive a restart", e.strerror)
            app.config["SECRET_KEY"] = secrets.token_hex(32)
    hours = int(app.config["STAFF_SESSION_HOURS"])
    app.config.update(
        SESSION_COOKIE_NAME="etslib_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=hours),
        # A form stays valid as long as the session: staff editing a long
        # record do not lose their work to an expired token.
        WTF_CSRF_TIME_LIMIT=hours * 3600,
        MAX_CONTENT_LENGTH=int(float(app.config["UPLOAD_MAX_MB"]) * 4 * (1 << 20)) + (1 << 20),
    )
    app.session_interface = _SessionInterface()
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind a TLS proxy: the scheme (Secure cookies) and the client
        # address (sign-in limits) come from its headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    CSRFProtect(app)

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return error_response(400, f"{e.description} Reload the form and try again.", "The form could not be accepted")

    @app.errorhandler(413)
    def too_large(e):
        from werkzeug.exceptions import RequestEntityTooLarge

        message = e.description
        if message == RequestEntityTooLarge.description:
            message = f"The upload is larger than the limit ({app.config['UPLOAD_MAX_MB']} MB a file)."
        return error_response(413, message, "Too large")

    app.context_processor(lambda: {"staff_user": auth.current_name()})
    app.register_blueprint(bp)
