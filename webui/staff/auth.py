"""Staff sign-in: sessions, the guard on every staff route, rate limits.

A session holds the account name, the account's epoch (a new password or a
removed account ends its sessions), when it was issued and when it was last
used: it ends after ``STAFF_SESSION_HOURS`` or ``STAFF_IDLE_MINUTES``
unused, and a session id the server keeps (signing out ends it there, so
a copied cookie is worth nothing after). Signing in starts a fresh session
(no fixation). Failed sign-ins are limited per account name and per
client address (:mod:`webui.accounts`), in a store every server worker
shares.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from flask import current_app, flash, g, jsonify, redirect, render_template, request, session, url_for

from search.ingest import IndexRoot
from search.ingest import audit

from .. import accounts
from . import bp

#: Endpoints of the blueprint open without a session.
OPEN = {"staff.signin"}


def index_root() -> IndexRoot:
    return IndexRoot(current_app.config["INDEX"])


def current_name() -> str | None:
    """The signed-in staff account's name, checked once per request."""
    if "staff_user" in g:
        return g.staff_user
    g.staff_user = None
    s = session.get("staff")
    if not s:
        return None
    now = time.time()
    cfg = current_app.config
    root = index_root()
    if now - s.get("issued", 0) > cfg["STAFF_SESSION_HOURS"] * 3600 or now - s.get("seen", 0) > cfg["STAFF_IDLE_MINUTES"] * 60:
        session.pop("staff", None)
        if s.get("sid"):  # over on the server too: a copy with an older idle clock is worth nothing
            accounts.end_session(root, str(s["sid"]))
        return None
    acct = accounts.account(root, s.get("name", ""))
    if acct is None or acct.epoch != s.get("epoch") or not accounts.session_alive(root, str(s.get("sid", "")), acct.name):
        session.pop("staff", None)
        return None
    if now - s.get("seen", 0) > 60:  # refresh the idle clock, not on every request
        s["seen"] = now
        session["staff"] = s
    g.staff_user = acct.name
    return acct.name


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


@bp.before_request
def guard():
    """Every staff route but sign-in: a session, else 401 (JSON, POST) or
    a redirect to sign-in (pages)."""
    if request.endpoint in OPEN:
        return None
    if current_name() is None:
        if _wants_json() or request.method != "GET":
            resp = jsonify({"error": {"status": 401, "message": "Sign in as staff first."}})
            resp.status_code = 401
            resp.headers["WWW-Authenticate"] = 'FormBased realm="etslib staff"'
            return resp
        return redirect(url_for("staff.signin", next=request.full_path.rstrip("?")))
    return None


@bp.after_request
def private(resp):
    resp.headers["Cache-Control"] = "no-store"
    return resp


def who() -> str:
    name = current_name()
    assert name is not None, "staff routes run signed in"
    return name


#: A ``next`` worth following: a plain path under /staff with an optional
#: query, in printable ASCII without backslashes (browsers read ``\`` as
#: ``/``), and no ``//`` or dot segments a browser could resolve elsewhere.
_NEXT_RE = re.compile(r"/staff(?:/[!$&'()*+,;=:@%\w.~-]*)*(?:\?[!$&'()*+,;=:@%\w.~/?-]*)?", re.ASCII)


def _safe_next(target: str | None) -> str:
    """Only a path on this site under /staff (no open redirects, and no
    header injection: a control character would make the redirect fail)."""
    if target and _NEXT_RE.fullmatch(target):
        parts = urlsplit(target)
        segments = parts.path.split("/")
        if not parts.scheme and not parts.netloc and "" not in segments[1:-1] and not {".", ".."} & set(segments):
            return target
    return url_for("staff.home")


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    root = index_root()
    error = None
    status = 200
    wait = 0
    name = ""
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()[:64]
        password = request.form.get("password") or ""
        keys = [f"user:{name.casefold()}", f"addr:{request.remote_addr}"]
        wait, attempt = accounts.begin_attempt(root, keys)
        if attempt is None:
            minutes = -(-wait // 60)
            error = f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
            status = 429
        else:
            acct = accounts.verify(root, name, password)
            if acct is None:  # the reserved attempt stays counted as a failure
                audit.record(root, name or "?", "sign-in-failed", "", address=request.remote_addr)
                error = "Unknown account or wrong password."
                status = 401
            else:
                accounts.attempt_succeeded(root, attempt, keys[0])
                old = session.get("staff") or {}
                if old.get("sid"):
                    accounts.end_session(root, str(old["sid"]))
                session.clear()  # a fresh session, and with it a fresh CSRF token
                session.permanent = True
                now = time.time()
                sid = accounts.start_session(root, acct.name, current_app.config["STAFF_SESSION_HOURS"] * 3600, now)
                session["staff"] = {"name": acct.name, "epoch": acct.epoch, "sid": sid, "issued": now, "seen": now}
                g.pop("staff_user", None)
                audit.record(root, acct.name, "sign-in", "", address=request.remote_addr)
                return redirect(_safe_next(request.args.get("next")))
    resp = render_template(
        "staff/signin.html",
        error=error,
        name=name,
        next=request.args.get("next", ""),
        no_accounts=not accounts.list_users(root),
    )
    headers = {"Retry-After": str(wait)} if status == 429 else {}
    return resp, status, headers


@bp.post("/signout")
def signout():
    name = current_name()
    sid = (session.get("staff") or {}).get("sid")
    session.clear()
    if sid:  # a copy of the cookie is worth nothing from now on
        accounts.end_session(index_root(), str(sid))
    if name:
        audit.record(index_root(), name, "sign-out", "")
    flash("You are signed out.")
    return redirect(url_for("staff.signin"))

