"""Staff accounts and failed sign-in counts, in the index folder.

No Flask here: ``etslib user add|remove|list`` uses it too. Passwords are
hashed with Argon2id (argon2-cffi, the reference implementation's
bindings, with its current default parameters) and re-hashed on sign-in
when those defaults change. There is no default account: the staff pages
stay closed until someone runs ``etslib user add``.

``<index>/staff/users.json`` holds the accounts; each has an ``epoch``
that removal or a new password changes, so sessions issued before end.
Failed sign-ins are counted per account name and per client address, and
sessions are kept by id, in ``<index>/staff/signins.sqlite``, shared by
every server worker.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from search.ingest import IndexRoot, write_json_atomic

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
#: Failed sign-ins allowed per account name or client address within the window.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60

_hasher = PasswordHasher()
# Verified against when the name is unknown, so both cases take as long.
_DUMMY = _hasher.hash(secrets.token_hex(16))


class AccountError(Exception):
    """A bad account name or password, or an unknown account."""


@dataclass(frozen=True)
class Account:
    name: str
    created: str
    epoch: str


def _dir(root: IndexRoot) -> Path:
    d = root.root / "staff"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _users_path(root: IndexRoot) -> Path:
    return _dir(root) / "users.json"


def _load(root: IndexRoot) -> dict[str, dict]:
    try:
        return json.loads(_users_path(root).read_text("utf-8")).get("users", {})
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise AccountError(f"the staff accounts file cannot be read: {e}") from None


@contextmanager
def _locked(root: IndexRoot) -> Iterator[dict[str, dict]]:
    fd = os.open(_dir(root) / "users.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        users = _load(root)
        yield users
        write_json_atomic(_users_path(root), {"users": users})
        os.chmod(_users_path(root), 0o600)
    finally:
        os.close(fd)


def check_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise AccountError("an account name is 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def add_user(root: IndexRoot, name: str, password: str, *, replace: bool = False) -> Account:
    """Create an account (or, with ``replace``, set a new password, which
    ends its sessions)."""
    check_name(name)
    check_password(password)
    with _locked(root) as users:
        if name in users and not replace:
            raise AccountError(f"there is already an account {name!r} (use --reset to set a new password)")
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        created = users.get(name, {}).get("created", now)
        users[name] = {"hash": _hasher.hash(password), "created": created, "epoch": secrets.token_hex(8)}
    return Account(name, created, users[name]["epoch"])


def remove_user(root: IndexRoot, name: str) -> None:
    with _locked(root) as users:
        if name not in users:
            raise AccountError(f"no account {name!r}")
        del users[name]


def list_users(root: IndexRoot) -> list[Account]:
    return [Account(n, u.get("created", ""), u.get("epoch", "")) for n, u in sorted(_load(root).items())]


def account(root: IndexRoot, name: str) -> Account | None:
    u = _load(root).get(name)
    return Account(name, u.get("created", ""), u.get("epoch", "")) if u else None


def verify(root: IndexRoot, name: str, password: str) -> Account | None:
    """The account when ``password`` is right, else None (as slow either way)."""
    users = _load(root)
    u = users.get(name)
    try:
        _hasher.verify(u["hash"] if u else _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return None
    if u is None:
        return None
    if _hasher.check_needs_rehash(u["hash"]):
        with _locked(root) as fresh:
            if name in fresh and fresh[name]["hash"] == u["hash"]:
                fresh[name]["hash"] = _hasher.hash(password)
    return Account(name, u.get("created", ""), u.get("epoch", ""))


# -- sign-in attempts and sessions -------------------------------------------------
#
# One SQLite file every server worker shares. A sign-in first *reserves* an
# attempt (counted as a failure while the password is checked), in one
# write transaction with the check of the limit, so parallel guesses sent
# to several workers cannot all slip under it; a right password then drops
# its reservation. A session is a random id here, so signing out (or an
# expired sign-in) ends it on the server, not only in the browser.


def _db(root: IndexRoot) -> sqlite3.Connection:
    con = sqlite3.connect(_dir(root) / "signins.sqlite", timeout=10, isolation_level=None)
    con.execute("CREATE TABLE IF NOT EXISTS attempts (key TEXT NOT NULL, at REAL NOT NULL, attempt TEXT NOT NULL)")
    con.execute("CREATE INDEX IF NOT EXISTS attempts_key ON attempts (key, at)")
    con.execute("CREATE TABLE IF NOT EXISTS sessions (sid TEXT PRIMARY KEY, name TEXT NOT NULL, issued REAL NOT NULL)")
    return con


def _wait(con: sqlite3.Connection, keys: list[str], now: float) -> int:
    wait = 0.0
    for key in keys:
        rows = con.execute(
            "SELECT at FROM attempts WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?",
            (key, now - FAILURE_WINDOW_S, MAX_FAILURES),
        ).fetchall()
        if len(rows) >= MAX_FAILURES:
            wait = max(wait, rows[-1][0] + FAILURE_WINDOW_S - now)
    return int(wait) + (1 if wait > int(wait) else 0)


def wait_seconds(root: IndexRoot, keys: list[str], now: float | None = None) -> int:
    """Seconds until another sign-in may be tried for ``keys`` (0: now)."""
    con = _db(root)
    try:
        return _wait(con, keys, time.time() if now is None else now)
    finally:
        con.close()


def begin_attempt(root: IndexRoot, keys: list[str], now: float | None = None) -> tuple[int, str | None]:
    """Reserve one sign-in attempt for every key: ``(0, attempt)`` when it
    may go ahead, else ``(seconds to wait, None)``. Until
    :func:`attempt_succeeded`, the attempt counts as a failure."""
    now = time.time() if now is None else now
    con = _db(root)
    try:
        con.execute("BEGIN IMMEDIATE")  # one writer at a time: check and reserve as one step
        try:
            wait = _wait(con, keys, now)
            if wait:
                return wait, None
            attempt = secrets.token_hex(8)
            con.executemany("INSERT INTO attempts (key, at, attempt) VALUES (?, ?, ?)", [(k, now, attempt) for k in keys])
            con.execute("DELETE FROM attempts WHERE at < ?", (now - FAILURE_WINDOW_S,))
            return 0, attempt
        finally:
            con.execute("COMMIT")
    finally:
        con.close()


def attempt_succeeded(root: IndexRoot, attempt: str, clear_key: str) -> None:
    """A right password: drop the attempt, and the failures of ``clear_key``
    (the account's; an address's failures stay counted)."""
    con = _db(root)
    try:
        con.execute("DELETE FROM attempts WHERE attempt = ? OR key = ?", (attempt, clear_key))
    finally:
        con.close()


def note_failure(root: IndexRoot, keys: list[str], now: float | None = None) -> None:
    """Count a failed sign-in for ``keys`` (what a reserved attempt already is)."""
    now = time.time() if now is None else now
    con = _db(root)
    try:
        con.executemany("INSERT INTO attempts (key, at, attempt) VALUES (?, ?, '')", [(k, now) for k in keys])
    finally:
        con.close()


def start_session(root: IndexRoot, name: str, max_age_s: float, now: float | None = None) -> str:
    """A new session id for ``name`` (and sessions older than ``max_age_s`` forgotten)."""
    now = time.time() if now is None else now
    sid = secrets.token_urlsafe(24)
    con = _db(root)
    try:
        con.execute("DELETE FROM sessions WHERE issued < ?", (now - max_age_s,))
        con.execute("INSERT INTO sessions (sid, name, issued) VALUES (?, ?, ?)", (sid, name, now))
    finally:
        con.close()
    return sid


def session_alive(root: IndexRoot, sid: str, name: str) -> bool:
    con = _db(root)
    try:
        return con.execute("SELECT 1 FROM sessions WHERE sid = ? AND name = ?", (sid, name)).fetchone() is not None
    finally:
        con.close()


def end_session(root: IndexRoot, sid: str) -> None:
    con = _db(root)
    try:
        con.execute("DELETE FROM sessions WHERE sid = ?", (sid,))
    finally:
        con.close()


def secret_key(root: IndexRoot) -> str:
    """The app's secret key when none is configured: made once and kept in
    the index folder (mode 0600), so every server worker signs sessions and
    CSRF tokens alike and a restart does not sign everyone out."""
    path = _dir(root) / "secret.key"
    try:
        return path.read_text("ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    fd = os.open(path.with_name(f".secret.{os.getpid()}.tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    try:
        os.link(path.with_name(f".secret.{os.getpid()}.tmp"), path)  # first writer wins
    except FileExistsError:
        pass
    finally:
        os.unlink(path.with_name(f".secret.{os.getpid()}.tmp"))
    return path.read_text("ascii").strip()
