"""Hostile users of the staff pages, against the real app and the real
server (``etslib serve``, two gevent workers over one index folder): every
staff route refuses strangers, every change needs a CSRF token, sessions
cannot be fixed or outlive a sign-out, ``next=`` never leads off the site,
sign-in is rate-limited across workers with a true Retry-After, uploads are
limited by type and size, and the cookies carry their flags.

Each case counts in the figures under "users: staff …"; a case survives
when the attack is refused (a redirect to sign-in, 400, 401, 403, 413,
422 or 429 with a clear message) and nothing leaks or changes.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from search.ingest import audit
from tests.support.staff import NAME, PASSWORD, csrf_of, make_library, sign_in

from .helpers import server

#: Small files of the sample corpus: a library with a PDF, HTML-free text
#: and markdown, indexed in seconds.
FILES = ["eu/CELEX_32023D0136_EN_TXT.txt", "de/BEHG-BJNR272800019.md", "eu/CELEX_32023L0959_EN_TXT.pdf"]
UPLOAD_MAX_MB = 1
TIMEOUT = 30


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("staff-attacks"), FILES)


@pytest.fixture(scope="module")
def staff_app(library):
    from webui import create_app
    from webui.state import close

    _corpus, root = library
    app = create_app({"TESTING": True, "INDEX": str(root.root), "UPLOAD_MAX_MB": UPLOAD_MAX_MB})
    yield app
    close(app)


@pytest.fixture(scope="module")
def live(library, tmp_path_factory):
    _corpus, root = library
    log = tmp_path_factory.mktemp("staff-server") / "server.log"
    with server(root.root, log, workers=2, env={"ETSLIB_UPLOAD_MAX_MB": str(UPLOAD_MAX_MB)}) as base:
        yield base


@pytest.fixture(scope="module")
def doc_id(live) -> str:
    return requests.get(f"{live}/api/search", params={"q": "allowances", "limit": 1}, timeout=TIMEOUT).json()["results"][0]["id"]


@pytest.fixture
def fresh_limits(library):
    """Forget every sign-in attempt before and after (the limits are the
    index folder's, shared by the tests' app and server)."""
    _corpus, root = library

    def forget():
        path = root.root / "staff" / "signins.sqlite"
        if path.exists():
            with sqlite3.connect(path) as con:
                for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('attempts', 'failures')").fetchall():
                    con.execute(f"DELETE FROM {table}")

    forget()
    yield
    forget()


def _staff_rules(app) -> list[tuple[str, str, list[str]]]:
    """(endpoint, rule, methods) of every rule under /staff."""
    return sorted(
        (r.endpoint, r.rule, sorted(r.methods or ()))
        for r in app.url_map.iter_rules()
        if r.rule == "/staff" or r.rule.startswith("/staff/")
    )


def _browser(base: str) -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = "etslib-robustness"
    return s


def _plant(s: requests.Session, base: str, value: str) -> None:
    """Set the session cookie as if the site had (so the site's next one replaces it)."""
    s.cookies.set("etslib_session", value, domain=urlsplit(base).hostname, path="/")


def _cookie(s: requests.Session) -> str:
    return [c.value for c in s.cookies if c.name == "etslib_session"][-1]


def _token(s: requests.Session, base: str) -> str:
    return csrf_of(s.get(f"{base}/staff/signin", timeout=TIMEOUT).text)


def _sign_in(s: requests.Session, base: str, next_: str | None = None) -> requests.Response:
    token = _token(s, base)
    params = {"next": next_} if next_ is not None else None
    return s.post(f"{base}/staff/signin", params=params, data={"name": NAME, "password": PASSWORD, "csrf_token": token}, allow_redirects=False, timeout=TIMEOUT)


def _signed_in(base: str) -> tuple[requests.Session, str]:
    s = _browser(base)
    r = _sign_in(s, base)
    assert r.status_code == 302, r.text[:300]
    return s, csrf_of(s.get(f"{base}/staff/", timeout=TIMEOUT).text)


def _signer(key: str):
    """What signs session cookies with ``key``, as the app does."""
    from flask import Flask
    from flask.sessions import SecureCookieSessionInterface

    app = Flask("forger")
    app.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(app)


def _refused(r: requests.Response, secrets_: list[str]) -> tuple[bool, str]:
    """Refused without data: a redirect to sign-in, or 400/401/403/405, and
    none of ``secrets_`` (document ids, account names) in the answer."""
    body = r.text
    if r.status_code in (301, 308):  # a merged "//" or a missing "/": follow it once, on this site only
        location = urljoin(r.url, r.headers.get("Location", ""))
        if urlsplit(location).netloc != urlsplit(r.url).netloc:
            return False, f"{r.status_code} off-site to {location}"
        r = requests.request(r.request.method, location, allow_redirects=False, timeout=TIMEOUT, headers={"Accept": "application/json"})
        body = r.text
    if r.status_code in (301, 302, 303, 307, 308):
        ok = urlsplit(r.headers.get("Location", "")).path.startswith("/staff/signin")
    else:
        ok = r.status_code in (400, 401, 403, 404, 405)
    leaked = [x for x in secrets_ if x in body]
    return ok and not leaked and "Traceback" not in body, f"{r.status_code} {r.headers.get('Location', '')} leaked {leaked}"


# -- no access without sign-in ----------------------------------------------------------


def test_every_staff_route_refuses_strangers(staff_app, live, doc_id, library, figures):
    """Every rule under /staff, every method, over the real server: without
    a session, with a forged or unsigned cookie, and with odd spellings of
    the path."""
    area = "users: staff routes"
    rules = _staff_rules(staff_app)
    assert len(rules) >= 14, rules
    corpus, _root = library
    # What only staff see: account names, server paths, the index's status.
    secrets_ = [NAME, "bob", str(corpus), "schema_version", "sha256"]
    forger = _signer("not the key")
    now = time.time()
    forged = forger.dumps({"staff": {"name": NAME, "epoch": "0" * 16, "sid": "x", "issued": now, "seen": now}})
    cookies = {"none": None, "forged": forged, "unsigned": "eyJzdGFmZiI6eyJuYW1lIjoiYWxpY2UifX0", "garbage": "a" * 4000}
    lost = []
    for endpoint, rule, methods in rules:
        if endpoint == "staff.signin" or endpoint == "static":
            continue
        url = live + rule.replace("<doc_id>", doc_id)
        for method in methods:
            for label, cookie in cookies.items():
                s = _browser(live)
                if cookie:
                    _plant(s, live, cookie)
                data = None
                if method == "POST":  # a valid token of an anonymous session: the guard, not CSRF, refuses
                    data = {"csrf_token": _token(s, live), "kind": "incremental", "confirm": "yes", "rev": "0", "title": "x"}
                r = s.request(method, url, data=data, allow_redirects=False, timeout=TIMEOUT)
                ok, why = _refused(r, secrets_)
                if method == "POST" and label == "none" and r.status_code != 401:
                    ok, why = False, f"{why} (a POST with a valid token but no session must be 401)"
                if not figures.case(area, ok, f"{method} {rule} ({label} cookie): {why}"):
                    lost.append((method, rule, label, why))
    # Odd spellings of a staff path reach the same guard (or nothing).
    for path in ["/staff/status/", "/STAFF/status", "/staff//status", "/staff/./status", "/staff/%73tatus", "/staff/status.json;x",
                 f"/staff/doc/{doc_id}/../../status", "/staff/doc/..%2f..%2fstatus/edit", "/staff/audit?page=-1", "/staff/attention.json?x=1",
                 "/staff/job.json", "/staff/uploaded?ids=" + doc_id]:
        r = _browser(live).get(live + path, allow_redirects=False, timeout=TIMEOUT, headers={"Accept": "application/json"})
        ok, why = _refused(r, secrets_)
        if not figures.case(area, ok, f"GET {path}: {why}"):
            lost.append(("GET", path, "none", why))
    assert not lost, lost


# -- CSRF -----------------------------------------------------------------------------------


def test_every_post_needs_a_valid_csrf_token_even_signed_in(staff_app, live, doc_id, library, figures):
    """Signed in on the real server, every state-changing POST with no
    token, an empty, altered or foreign token, the token from before
    sign-in, or a foreign token in the header: 400, and nothing changes."""
    _corpus, root = library
    area = "users: staff CSRF"
    s = _browser(live)
    before_sign_in = _token(s, live)
    assert _sign_in(s, live).status_code == 302
    token = csrf_of(s.get(f"{live}/staff/", timeout=TIMEOUT).text)
    other = _browser(live)
    foreign = csrf_of(other.get(f"{live}/staff/signin", timeout=TIMEOUT).text)
    _other_signed, foreign_signed = _signed_in(live)
    bad = {
        "no token": ({}, {}),
        "empty token": ({"csrf_token": ""}, {}),
        "altered token": ({"csrf_token": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")}, {}),
        "truncated token": ({"csrf_token": token.split(".")[0]}, {}),
        "anonymous session's token": ({"csrf_token": foreign}, {}),
        "another account's token": ({"csrf_token": foreign_signed}, {}),
        "token from before sign-in": ({"csrf_token": before_sign_in}, {}),
        "foreign token in the header": ({}, {"X-CSRFToken": foreign_signed}),
        "token in the query": ({}, {}),
    }
    posts = [(e, r.replace("<doc_id>", doc_id)) for e, r, m in _staff_rules(staff_app) if "POST" in m]
    assert len(posts) >= 6, posts
    audit_before = audit.entries(root, limit=1)[1]
    lost = []
    for endpoint, rule in posts:
        for label, (form, headers) in bad.items():
            form = {**form, "kind": "rebuild", "confirm": "yes", "rev": "0", "title": "CSRF was here", "name": NAME, "password": PASSWORD}
            params = {"csrf_token": token} if label == "token in the query" else None
            r = s.post(live + rule, data=form, headers=headers, params=params, allow_redirects=False, timeout=TIMEOUT)
            ok = r.status_code == 400 and "Reload the form" in r.text and "Traceback" not in r.text
            if not figures.case(area, ok, f"POST {rule} ({label}): {r.status_code}"):
                lost.append((rule, label, r.status_code))
    audit_after = audit.entries(root, limit=1)[1]
    figures.case(area, audit_after == audit_before, f"the audit log grew by {audit_after - audit_before} entries under CSRF attack")
    # The control: the same session's own token is accepted.
    page = s.get(f"{live}/staff/doc/{doc_id}/edit", timeout=TIMEOUT).text
    rev = re.search(r'name="rev" value="(\d+)"', page).group(1)
    r = s.post(f"{live}/staff/doc/{doc_id}/edit", data={"csrf_token": token, "rev": rev}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 302, "the session's own token must work, or the attacks above prove nothing"
    assert not lost and audit_after == audit_before, lost


# -- sessions ---------------------------------------------------------------------------


def test_no_session_fixation_and_sign_out_ends_the_session(live, library, figures):
    """The cookie changes at sign-in; a cookie from before sign-in (the
    visitor's own, or one an attacker planted) never becomes signed in; a
    copy of the signed-in cookie is worthless after sign-out; a cookie
    signed with the real key but a session the server never issued is
    refused."""
    _corpus, root = library
    area = "users: staff sessions"

    def signed_in_with(cookie: str) -> bool:
        t = _browser(live)
        _plant(t, live, cookie)
        return t.get(f"{live}/staff/status.json", timeout=TIMEOUT).status_code == 200

    # The attacker's own anonymous cookie, planted in the victim's browser.
    attacker = _browser(live)
    _token(attacker, live)
    planted = _cookie(attacker)
    victim = _browser(live)
    _plant(victim, live, planted)
    r = _sign_in(victim, live)
    assert r.status_code == 302
    assert len([c for c in victim.cookies if c.name == "etslib_session"]) == 1
    after = _cookie(victim)
    figures.case(area, after != planted, "the session cookie did not change at sign-in")
    figures.case(area, not signed_in_with(planted), "a planted pre-sign-in cookie became signed in")
    figures.case(area, signed_in_with(after), "the signed-in cookie does not work (the cases above prove nothing)")
    # The token of the pre-sign-in session is not the signed-in one.
    token = csrf_of(victim.get(f"{live}/staff/", timeout=TIMEOUT).text)
    figures.case(area, token != csrf_of(attacker.get(f"{live}/staff/signin", timeout=TIMEOUT).text), "the CSRF token survived sign-in")
    # Sign out: the copy is worth nothing, on either worker.
    r = victim.post(f"{live}/staff/signout", data={"csrf_token": token}, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 302
    replays = [signed_in_with(after) for _ in range(6)]
    figures.case(area, not any(replays), f"a copy of the cookie still signed in after sign-out: {replays}")
    # A cookie signed with the real key, for a session the server never issued.
    key = (root.root / "staff" / "secret.key").read_text("ascii").strip()
    signer = _signer(key)
    from webui.accounts import account

    acct = account(root, NAME)
    now = time.time()
    for sid in ("", "made-up", None):
        staff = {"name": NAME, "epoch": acct.epoch, "issued": now, "seen": now, **({"sid": sid} if sid is not None else {})}
        figures.case(area, not signed_in_with(signer.dumps({"staff": staff})), f"a self-made session (sid {sid!r}) was accepted")
    assert not figures.lost(area), figures.lost(area)


# -- open redirects ---------------------------------------------------------------------

NEXT = [
    "//evil.example", "///evil.example", "////evil.example/staff", "https://evil.example", "http://evil.example/staff", "https:evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "\\/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "%2F%2Fevil.example", "%252F%252Fevil.example",
    "/%2F/evil.example", "/%5Cevil.example", "/staff/../..//evil.example", "/staff/%2e%2e/%2e%2e//evil.example", "/staff//evil.example",
    "/staff\\..\\..\\evil.example", "/staff@evil.example", "/staff/\r\nLocation: https://evil.example", "/staff\nSet-Cookie: x=1",
    "/\t/evil.example", " //evil.example", "http://127.0.0.1.evil.example/staff", "//127.0.0.1@evil.example/staff",
    "/staff/?x=//evil.example#//evil.example", "evil.example", "\u3002evil.example", "/staff\x00//evil.example",
]


def test_next_never_leads_off_the_site(live, fresh_limits, figures):
    """Sign in with each hostile ``next=``: the redirect stays on this site
    (resolved as a browser would), and the sign-in form keeps it inert."""
    area = "users: staff open redirect"
    host = urlsplit(live).netloc

    def attack(target: str) -> None:
        s = _browser(live)
        form = s.get(f"{live}/staff/signin", params={"next": target}, timeout=TIMEOUT)
        action = re.search(r'<form method="post"[^>]*action="([^"]*)"', form.text)
        action_ok = form.status_code == 200 and action is not None and urlsplit(urljoin(live + "/staff/signin", action.group(1).replace("&amp;", "&"))).netloc == host
        r = _sign_in(s, live, target)
        location = r.headers.get("Location", "")
        resolved = urlsplit(urljoin(live + "/staff/signin", location))
        ok = action_ok and r.status_code == 302 and resolved.scheme == "http" and resolved.netloc == host
        ok = ok and resolved.path.startswith("/staff") and "\\" not in location and not location.startswith("//")
        figures.case(area, ok, f"next={target!r}: {r.status_code} Location {location!r}")

    # Fewer at once than the sign-in limit: a right password's attempt counts until it is checked.
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(attack, NEXT))
    # The guard's own redirect names only the path asked for.
    r = _browser(live).get(f"{live}/staff/audit?action=//evil.example", allow_redirects=False, timeout=TIMEOUT)
    figures.case(area, urlsplit(urljoin(live, r.headers["Location"])).netloc == host, f"guard redirect: {r.headers['Location']}")
    assert not figures.lost(area), figures.lost(area)


# -- rate-limited sign-in ---------------------------------------------------------------


def test_sign_in_is_rate_limited_across_workers(live, library, fresh_limits, figures):
    """Bad passwords sent all at once to both workers: exactly the allowed
    number get an answer, the rest 429 with the true Retry-After; then even
    the right password waits, and after the window it works again."""
    from webui.accounts import FAILURE_WINDOW_S, MAX_FAILURES

    _corpus, root = library
    area = "users: staff sign-in limit"
    n = 24
    browsers = [_browser(live) for _ in range(n)]
    tokens = [_token(b, live) for b in browsers]

    def guess(i: int) -> requests.Response:
        return browsers[i].post(f"{live}/staff/signin", data={"name": NAME, "password": f"wrong guess {i}", "csrf_token": tokens[i]}, timeout=TIMEOUT)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(guess, range(n)))
    took = time.perf_counter() - t0
    codes = [r.status_code for r in answers]
    figures.case(area, codes.count(401) == MAX_FAILURES, f"{codes.count(401)} of {n} parallel guesses were checked (limit {MAX_FAILURES})")
    for r in answers:
        if r.status_code == 429:
            wait = int(r.headers.get("Retry-After", "0"))
            figures.case(area, FAILURE_WINDOW_S - 120 <= wait <= FAILURE_WINDOW_S and "Too many failed sign-ins" in r.text, f"429 with Retry-After {wait}")
        elif r.status_code != 401:
            figures.case(area, False, f"a guess got {r.status_code}")
    # Even the right password waits now, on every worker, and another account from this address too.
    for name, password in [(NAME, PASSWORD), (NAME, PASSWORD), ("bob", "another long passphrase")]:
        r = _browser(live)
        r = r.post(f"{live}/staff/signin", data={"name": name, "password": password, "csrf_token": _token(r, live)}, allow_redirects=False, timeout=TIMEOUT)
        figures.case(area, r.status_code == 429 and int(r.headers.get("Retry-After", "0")) > 0, f"{name} during the lock-out: {r.status_code}")
    # The window passes (moved back in the shared store): the right password works.
    with sqlite3.connect(root.root / "staff" / "signins.sqlite") as con:
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('attempts', 'failures')").fetchall():
            con.execute(f"UPDATE {table} SET at = at - ?", (FAILURE_WINDOW_S + 1,))
    figures.case(area, _sign_in(_browser(live), live).status_code == 302, "the right password after the window")
    figures.measure(area, "parallel guesses", f"{n} in {took:.1f} s over 2 workers: {codes.count(401)} checked, {codes.count(429)} refused")
    assert not figures.lost(area), figures.lost(area)


# -- uploads ------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
HOSTILE_UPLOADS = [
    ("setup.exe", b"MZ\x90\x00\x03" + b"\0" * 200, "Windows program|.exe files"),
    ("notes.exe", b"Allowances and the cap, as plain text.", ".exe files"),
    ("tool.sh", b"#!/bin/sh\nrm -rf /\n", ".sh files"),
    ("chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>', ".svg files"),
    ("page.svg.html.svg", b"<svg><script>alert(1)</script></svg>", ".svg files"),
    ("report.pdf", b"<!doctype html><html><body><script>alert(1)</script>allowances</body></html>", "name says a PDF"),
    ("polyglot.pdf", b"<html><script>alert(1)</script><!-- %PDF-1.4 --></html>", "name says a PDF"),
    ("report.pdf ", b"<html><body>x</body></html>", "name says a PDF"),
    ("report.pdf.", b"<html><body>x</body></html>", "name says a PDF"),
    ("x.txt\x00.exe", b"plain text", ".exe files"),
    ("elf.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 100, "a program"),
    ("archive.pdf", b"PK\x03\x04" + b"\0" * 100, "ZIP"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "PNG"),
    ("paper.txt", PDF, "name says a text file"),
    ("paper.html", PDF, "name says an HTML page"),
    ("utf16.txt", "allowances".encode("utf-16"), "binary|not UTF-8"),
    ("latin1.txt", "Émissions über alles ".encode("latin-1") * 20, "not UTF-8"),
    ("empty.txt", b"", "empty"),
    ("blank.md", b" \n\t\n", "empty"),
    ("doc.docx", b"PK\x03\x04" + b"\0" * 100, "ZIP|.docx files"),
    ("page.php", b"<?php system($_GET['c']); ?>", ".php files"),
    ("x.html.exe", b"<html><body>x</body></html>", ".exe files"),
]


def _raw(base: str, request: bytes, timeout: float = 20) -> tuple[int, str, float]:
    host, port = urlsplit(base).netloc.split(":")
    t0 = time.perf_counter()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
                if b"\r\n\r\n" in data and len(data) > 200:
                    break
        except (ConnectionResetError, socket.timeout):
            pass
    head = data.decode("latin-1")
    status = int(head.split(" ", 2)[1]) if head.startswith("HTTP/") else 0
    return status, head, time.perf_counter() - t0


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_uploads_are_limited_by_type_and_size(live, library, figures):
    """Signed in on the real server (limit 1 MB a file): hostile types are
    refused one by one with why; bodies over the request limit get 413 at
    once, whether announced, chunked or lied about; a file over the limit
    is refused; nothing lands in the library or stays staged."""
    corpus, root = library
    area = "users: staff uploads"
    s, token = _signed_in(live)
    before = _tree(corpus)
    staging = root.root / "staff" / "staging"

    for name, content, why in HOSTILE_UPLOADS:
        r = s.post(f"{live}/staff/upload", data={"csrf_token": token}, files=[("files", (name, content, "application/octet-stream"))], timeout=TIMEOUT)
        shown = "".join(ch for ch in name if ch.isprintable())
        msg = re.search(rf"“{re.escape(shown)}” was not accepted: ([^<]+)", r.text)
        ok = r.status_code == 422 and msg is not None and re.search(why, msg.group(1)) is not None
        figures.case(area, ok, f"{name!r}: {r.status_code} {msg.group(1) if msg else r.text[:120]!r}")
    # A file over the per-file limit, inside the request limit.
    big = PDF + b"%" + b"0" * (UPLOAD_MAX_MB << 20) + b"\n"
    r = s.post(f"{live}/staff/upload", data={"csrf_token": token}, files=[("files", ("big.pdf", big, "application/pdf"))], timeout=TIMEOUT)
    figures.case(area, r.status_code == 422 and f"larger than the limit of {UPLOAD_MAX_MB} MB" in r.text, f"a file over the limit: {r.status_code}")
    # Too many files at once.
    r = s.post(f"{live}/staff/upload", data={"csrf_token": token}, files=[("files", (f"n{i}.txt", b"note %d" % i, "text/plain")) for i in range(11)], timeout=TIMEOUT)
    figures.case(area, r.status_code == 413 and "at most 10 files" in r.text, f"11 files: {r.status_code}")
    # Bodies over the request limit: 413 at once, before the body is read.
    cookie = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
    limit = (UPLOAD_MAX_MB * 4 + 1) << 20
    head = f"POST /staff/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nX-CSRFToken: {token}\r\nConnection: close\r\n"
    for label, request_ in [
        ("announced 1 GB", (head + f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {1 << 30}\r\n\r\n").encode() + b"--b\r\n"),
        ("announced just over", (head + f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {limit + 1}\r\n\r\n").encode() + b"--b\r\n"),
        ("announced without a token", (head.replace(f"X-CSRFToken: {token}\r\n", "") + f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {1 << 30}\r\n\r\n").encode()),
    ]:
        status, answer, took = _raw(live, request_)
        figures.case(area, status == 413 and took < 5, f"{label}: {status} in {took:.1f} s")
    for label, body in [("sent", None), ("chunked", "chunked")]:
        payload = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"huge.pdf\"\r\n\r\n" + PDF + b"0" * (limit + (1 << 20)) + b"\r\n--b--\r\n"
        headers = {"Content-Type": "multipart/form-data; boundary=b", "X-CSRFToken": token}
        data = payload if body is None else (payload[i : i + (256 << 10)] for i in range(0, len(payload), 256 << 10))
        t0 = time.perf_counter()
        try:
            r = s.post(f"{live}/staff/upload", data=data, headers=headers, timeout=TIMEOUT)
            status, text = r.status_code, r.text
        except requests.ConnectionError as e:  # the server may answer and close before the body is sent
            status, text = 0, str(e)
        took = time.perf_counter() - t0
        ok = status == 413 and "larger than the limit" in text
        figures.case(area, ok, f"{label} body over {limit >> 20} MB: {status} in {took:.1f} s {text[:80]!r}")
    # Nothing landed in the library; nothing refused stays staged.
    figures.case(area, _tree(corpus) == before, f"the library changed: {sorted(set(_tree(corpus)) ^ set(before))[:5]}")
    left = [p for p in staging.rglob("*") if p.is_file() and p.name != "staged.json"] if staging.exists() else []
    figures.case(area, not left, f"refused files left staged: {[p.name for p in left][:5]}")
    # The server is still well.
    figures.case(area, s.get(f"{live}/api/search", params={"q": "allowances"}, timeout=TIMEOUT).status_code == 200, "searches after the uploads")
    assert not figures.lost(area), figures.lost(area)


# -- cookies ---------------------------------------------------------------------------


def test_cookies_carry_their_flags(staff_app, live, library, figures):
    """Every cookie the staff pages set is HttpOnly (never readable by
    scripts) and SameSite=Lax; Secure over TLS, behind a trusted TLS proxy,
    when configured, and when the site's address is https."""
    from webui import create_app
    from webui.state import close

    _corpus, root = library
    area = "users: staff cookies"

    def flags_ok(set_cookie: list[str], secure: bool) -> tuple[bool, str]:
        staff = [c for c in set_cookie if c.startswith("etslib_session=")]
        ok = bool(staff) and all("HttpOnly" in c and "SameSite=Lax" in c and (("Secure" in c) == secure) for c in staff)
        return ok, "; ".join(c.split(";", 1)[1] for c in staff) or "no session cookie"

    # Over plain HTTP on the real server: HttpOnly, SameSite, not Secure.
    s = _browser(live)
    r1 = s.get(f"{live}/staff/signin", timeout=TIMEOUT)
    r2 = _sign_in(s, live)
    token = csrf_of(s.get(f"{live}/staff/", timeout=TIMEOUT).text)
    r3 = s.post(f"{live}/staff/signout", data={"csrf_token": token}, allow_redirects=False, timeout=TIMEOUT)
    for label, r in (("sign-in page", r1), ("sign-in", r2), ("sign-out", r3)):
        raw = r.raw.headers.getlist("Set-Cookie") if hasattr(r.raw.headers, "getlist") else [r.headers.get("Set-Cookie", "")]
        ok, why = flags_ok(raw, secure=False)
        figures.case(area, ok, f"http {label}: {why}")
    # Over TLS, behind a trusted TLS proxy, and configured Secure.
    cases = [
        ("https", {}, {"base_url": "https://localhost"}, {"Referer": "https://localhost/staff/signin"}),
        ("behind a TLS proxy", {"TRUSTED_PROXIES": 1}, {}, {"X-Forwarded-Proto": "https", "Referer": "https://localhost/staff/signin"}),
        ("SESSION_COOKIE_SECURE", {"SESSION_COOKIE_SECURE": True}, {}, {}),
        ("an https BASE_URL, the scheme not passed on", {"BASE_URL": "https://library.example.org", "ALLOWED_HOSTS": ["localhost"]}, {}, {}),
    ]
    for label, config, kw, headers in cases:
        app = create_app({"TESTING": True, "INDEX": str(root.root), **config}) if config else staff_app
        try:
            c = app.test_client()
            first = c.get("/staff/signin", headers=headers, **kw)
            r = c.post("/staff/signin", headers=headers, data={"name": NAME, "password": PASSWORD, "csrf_token": csrf_of(first.get_data(as_text=True))}, **kw)
            ok, why = flags_ok(first.headers.getlist("Set-Cookie") + r.headers.getlist("Set-Cookie"), secure=True)
            figures.case(area, ok and r.status_code == 302, f"{label}: {r.status_code} {why}")
        finally:
            if app is not staff_app:
                close(app)
    # A forwarded scheme from an untrusted client does not count as TLS, and nothing breaks.
    c = staff_app.test_client()
    sign_in(c)
    figures.case(area, c.get("/staff/", headers={"X-Forwarded-Proto": "https"}).status_code == 200, "an untrusted X-Forwarded-Proto")
    assert not figures.lost(area), figures.lost(area)


def test_upload_names_and_tokens_cannot_escape(live, library, figures):
    """File names that climb out of the folder, hostile staging tokens and
    hostile metadata at confirmation: every file stays under the upload
    folder with a safe name, a token names no other folder, a bad value is
    refused before anything is stored."""
    import uuid

    from search.ingest import jobs

    corpus, root = library
    area = "users: staff uploads"
    s, token = _signed_in(live)
    mark = uuid.uuid4().hex[:12]
    names = [f"../../../../tmp/{mark}-a.txt", f"..\\..\\..\\{mark}-b.txt", f"/etc/cron.d/{mark}-c.txt", f".{mark}-d.txt", f"C:\\Windows\\{mark}-e.txt"]
    files = [("files", (n, f"Escape attempt {k} on allowances and {mark}.".encode(), "text/plain")) for k, n in enumerate(names)]
    r = s.post(f"{live}/staff/upload", data={"csrf_token": token}, files=files, timeout=TIMEOUT)
    staged = re.findall(r'data-upload="([^"]*)"', r.text)
    ok = r.status_code == 200 and len(staged) == len(names) and all("/" not in n and "\\" not in n and not n.startswith(".") for n in staged)
    figures.case(area, ok, f"climbing names staged as {staged}")
    stage_token = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    inside = all(p.resolve().is_relative_to((root.root / "staff" / "staging").resolve()) for p in (root.root / "staff" / "staging").rglob("*"))
    figures.case(area, inside, "a staged file outside the staging folder")
    # Hostile tokens: nothing to confirm, never another folder.
    for bad in ["../../../etc", "..%2f..%2fetc", "", "A" * 41, "AAAAAAAAAAAA", stage_token + "/..", "/" + stage_token]:
        r = s.post(f"{live}/staff/upload/confirm", data={"csrf_token": token, "token": bad, "add": "0"}, allow_redirects=False, timeout=TIMEOUT)
        figures.case(area, r.status_code == 410 and "no longer waiting" in r.text, f"token {bad!r}: {r.status_code}")
    # Hostile values: refused before anything is stored.
    before = _tree(corpus)
    for field, value in [("year", "../../../etc"), ("year", "99999999999999999999"), ("year", "-1"), ("date", "2020-13-45"), ("date", "../2020")]:
        data = {"csrf_token": token, "token": stage_token, "add": "0", f"f0-{field}": value}
        r = s.post(f"{live}/staff/upload/confirm", data=data, allow_redirects=False, timeout=TIMEOUT)
        figures.case(area, r.status_code == 400 and _tree(corpus) == before, f"{field}={value!r}: {r.status_code}")
    # Confirmed: every file under the upload folder, none where its name pointed.
    data = {"csrf_token": token, "token": stage_token, "add": [str(k) for k in range(len(names))], **{f"f{k}-year": "2024" for k in range(len(names))}}
    r = s.post(f"{live}/staff/upload/confirm", data=data, allow_redirects=False, timeout=TIMEOUT)
    added = sorted(set(_tree(corpus)) - set(before))
    uploads = (corpus / "staff-uploads").resolve()
    ok = r.status_code == 302 and len([a for a in added if a.endswith(".txt")]) == len(names)
    ok = ok and all((corpus / a).resolve().is_relative_to(uploads) for a in added)
    ok = ok and not any(Path(p).exists() for p in (f"/tmp/{mark}-a.txt", f"/etc/cron.d/{mark}-c.txt")) and not list(corpus.parent.glob(f"*{mark}*"))
    figures.case(area, ok, f"confirmed uploads landed at {added}")
    r = s.post(f"{live}/staff/upload/confirm", data=data, allow_redirects=False, timeout=TIMEOUT)
    figures.case(area, r.status_code == 410, f"the same token again: {r.status_code}")
    jobs.wait_idle(root, timeout=120)  # the reindex the upload started
    hits = s.get(f"{live}/api/search", params={"q": mark}, timeout=TIMEOUT).json()["total"]
    figures.case(area, hits == len(names), f"{hits} of {len(names)} confirmed uploads are searchable")
    assert not figures.lost(area), figures.lost(area)
