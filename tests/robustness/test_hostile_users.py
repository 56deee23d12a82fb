"""Hostile users: property-based fuzzing of the query parser, the
evaluator and every route's parameters (no 500, no traceback, every answer
within a time bound); the running server checked against the OpenAPI
description of the JSON API with schemathesis; XSS payloads in every field
in real Chromium; path traversal and symbolic-link escapes; slow clients;
malformed requests gunicorn answers itself. The staff pages' attacks
(sign-in, CSRF, sessions, redirects, rate limits, uploads, cookies) are in
``test_hostile_staff.py``."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from search import config
from search.model import SearchRequest
from search.query.parse import MAX_DEPTH, parse, to_string
from search.query.searcher import Searcher
from search.vocab.facets import FILTER_FACETS
from tests.query.test_parse_limits import _depth  # the parse tree's nesting, measured one way

from .figures import scale
from .helpers import ROOT, etslib, server

OPENAPI = ROOT / "webui" / "openapi.json"
#: Every answer within this (the query budget plus rendering).
ANSWER_S = config.QUERY_BUDGET_S + 4

TOKENS = [
    "(", ")", '"', "“", "»", "AND", "OR", "NOT", "&&", "||", "-", "+", "!", "*", "?", "**", "e*?*?*?*?*z", "a*b*c*d*e*f*",
    "title:", "author:", "text:", "year:", "year:2018..2024", "year:>=2020", "year:<1000", "year:99999999999999999999",
    "jurisdiction:", "jur:EU", "type:legislation", "topic:", "language:de", "lang:", "publisher:", "colour:red", ":",
    "碳排", "碳排放权交易", "Emissionshandel", "allowances", "cap-and-trade", "2003/87/EC", "<script>", "\x00", "\u202e",
    "'", "\\", "%", "%00", "../../etc/passwd", "\ufffd", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
]
CJK_TOKENS = ["碳", "权", "的", "排放", "配额", "交易", "碳排放权交易", "清缴", "全国碳市场", "重点排放单位应当如何清缴配额"]
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
queries = st.one_of(
    # A few tokens typed apart, as people type: Chinese characters and words
    # side by side (碳 排放 once answered 500).
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4).map(" ".join),
    st.lists(st.sampled_from(CJK_TOKENS), min_size=1, max_size=4).map(" ".join),
    st.lists(st.one_of(st.sampled_from(TOKENS), words), max_size=40).map(lambda parts: " ".join(parts)),
    st.lists(st.sampled_from(TOKENS), max_size=300).map("".join),
    st.text(max_size=400),
    st.integers(1, 600).map(lambda n: "(" * n + "carbon" + ")" * (n // 2)),
    st.integers(1, 600).map(lambda n: "NOT " * n + "carbon"),
)


@settings(max_examples=scale(300, 5000), deadline=None, suppress_health_check=list(HealthCheck))
@given(queries)
def test_fuzz_the_parser(figures, q):
    t0 = time.perf_counter()
    try:
        parsed = parse(q)
        again = parse(to_string(parsed.node))
        ok = _depth(parsed.node) <= 2 * MAX_DEPTH + 4 and again is not None and time.perf_counter() - t0 < 1.0
        why = "too deep or too slow"
    except Exception as e:  # noqa: BLE001 - counted and failed below
        ok, why = False, f"{type(e).__name__}: {e}"
    figures.case("users: parser fuzz", ok, f"{q[:80]!r}: {why}")
    assert ok, why


@pytest.fixture(scope="module")
def searcher(index_dir):
    with Searcher(index_dir) as s:
        yield s


requests_ = st.builds(
    SearchRequest,
    q=queries,
    filters=st.dictionaries(st.sampled_from(list(FILTER_FACETS) + ["year", "nope"]), st.lists(words, max_size=3), max_size=3),
    year_from=st.one_of(st.none(), st.integers(-10**12, 10**12)),
    year_to=st.one_of(st.none(), st.integers(-10**12, 10**12)),
    sort=st.sampled_from(["relevance", "newest", "oldest", "title", "x"]),
    page=st.integers(-5, 10**9),
    limit=st.integers(-5, 10**6),
    exact=st.booleans(),
    expand=st.booleans(),
)


@settings(max_examples=scale(80, 1500), deadline=None, suppress_health_check=list(HealthCheck))
@given(requests_)
def test_fuzz_the_evaluator(searcher, figures, req):
    t0 = time.perf_counter()
    try:
        resp = searcher.search(req, clamp_page=True)
        took = time.perf_counter() - t0
        ok, why = resp.total >= 0 and took < ANSWER_S, f"took {took:.1f} s"
    except Exception as e:  # noqa: BLE001
        ok, why = False, f"{type(e).__name__}: {e}"
    figures.case("users: evaluator fuzz", ok, f"{req.q[:60]!r}: {why}")
    assert ok, why


def _routes(app) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith("/static"))


@pytest.fixture(scope="module")
def doc_ids(app) -> list[str]:
    with app.test_client() as c:
        return [r["id"] for r in c.get("/api/search", query_string={"limit": 100}).get_json()["results"]]


PARAMS = ["q", "page", "limit", "sort", "year_from", "year_to", "exact", "expand", "download", *FILTER_FACETS, "x", ""]
values = st.one_of(
    queries,
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e9", "NaN", "inf", "true", "\x00", "%", "../..", "<svg onload=alert(1)>", "a" * 5000]),
)


@settings(max_examples=scale(100, 2000), deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzz_every_route(app, doc_ids, figures, data):
    route = data.draw(st.sampled_from(_routes(app)))
    doc = data.draw(st.one_of(st.sampled_from(doc_ids), words.filter(lambda w: "/" not in w and w not in (".", "..")), st.sampled_from(["..", "%2e%2e", "nope", "a" * 300])))
    path = route.replace("<doc_id>", urllib.request.quote(doc, safe=""))
    params = data.draw(st.lists(st.tuples(st.sampled_from(PARAMS), values), max_size=8))
    headers = data.draw(st.sampled_from([{}, {"Accept": "application/json"}, {"Range": "bytes=5-1"}, {"Range": "bytes=0-0,1-1,2-2"}, {"If-Modified-Since": "garbage"}]))
    t0 = time.perf_counter()
    with app.test_client() as c:
        r = c.get(path, query_string=params, headers=headers)
        body = r.get_data()
        r.close()
    took = time.perf_counter() - t0
    ok = r.status_code < 500 and b"Traceback" not in body and took < ANSWER_S
    figures.case("users: route fuzz", ok, f"{path} {params!r:.120}: {r.status_code} in {took:.1f} s")
    assert ok, (path, params, r.status_code, body[:300])


# -- the running server ---------------------------------------------------------------


@pytest.fixture(scope="module")
def live(index_dir, tmp_path_factory):
    with server(index_dir, tmp_path_factory.mktemp("users") / "server.log", workers=2) as base:
        yield base


schema = schemathesis.openapi.from_dict(json.loads(OPENAPI.read_text("utf-8")))


@schema.parametrize()
@settings(max_examples=scale(25, 400), deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_openapi_description(case, live, figures):
    """Generated requests against the real server: no server error, every
    answer in the shape the description promises."""
    try:
        case.call_and_validate(base_url=live, timeout=ANSWER_S)
        ok, why = True, ""
    except Exception as e:  # noqa: BLE001 - counted, then raised
        ok, why = False, f"{type(e).__name__}: {str(e)[:300]}"
    figures.case("users: OpenAPI (schemathesis)", ok, f"{case.method} {case.path}: {why}")
    assert ok, why


TRAVERSAL = [
    "/file/..%2f..%2fetc%2fpasswd", "/file/../../etc/passwd", "/file/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/file/%252e%252e%252fetc%252fpasswd",
    "/file/..%5c..%5cetc%5cpasswd", "/file/%2fetc%2fpasswd", "/file//etc/passwd", "/file/etc/passwd", "/file/.%00./etc/passwd",
    "/static/../../../../etc/passwd", "/static/..%2f..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/....//....//etc/passwd", "/static//etc/passwd", "/doc/..%2f..%2fetc%2fpasswd", "/doc/../../etc/passwd/text",
    "/api/doc/..%2f..%2fetc%2fpasswd", "/doc/%00/text", "/file/%00", "/search.csv/../../etc/passwd", "/..%2f..%2fetc/passwd",
    "/file/corpus%2fcatalog.yaml", "/static/../../webui/settings.py", "/static/..%2f__init__.py",
]


def _raw_get(base: str, path: str, headers: dict | None = None, timeout: float = 10) -> tuple[int, bytes, str]:
    """One GET with the path sent exactly as written (no client normalising)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    return status, body, head.decode("latin-1")


@pytest.mark.parametrize("path", TRAVERSAL)
def test_path_traversal(live, figures, path):
    status, body, head = _raw_get(live, path)
    if status in (301, 308):  # a merged "//": followed, it must lead nowhere too
        location = re.search(r"(?im)^location: *(\S+)", head).group(1)
        assert location.startswith(("/", "http://127.0.0.1/")), location
        status, body, head = _raw_get(live, re.sub(r"^https?://[^/]+", "", location))
    ok = status in (400, 404, 405) and b"root:" not in body and b"SECRET" not in body and b"documents:" not in body
    figures.case("users: path traversal", ok, f"{path}: {status}")
    assert ok, (path, status, body[:200])


def test_gunicorn_s_own_errors_say_nosniff(live, figures):
    bad = ["GET /\x01 HTTP/1.1", "GET / HTTP/9.9", "BREW / HTTP/1.1", "GET /" + "a" * 9000 + " HTTP/1.1"]
    for line in bad:
        host, port = live.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(line.encode("latin-1") + b"\r\nHost: 127.0.0.1\r\n\r\n")
            head = s.recv(4096).decode("latin-1")
        status = int(head.split(" ", 2)[1]) if head.startswith("HTTP/") else 0
        ok = 400 <= status < 500 or status == 501
        ok = ok and ("nosniff" in head or "X-Content-Type-Options" in head)
        figures.case("users: malformed requests", ok, f"{line[:40]!r}: {head.splitlines()[0] if head else 'no answer'}")
        assert ok, head


def test_slow_clients_cannot_starve_searches(live, figures):
    """Connections that send headers a byte a second, and readers that
    never read, beside ordinary searches (two sync workers were stalled
    for 62 s by two such clients)."""
    stop = threading.Event()
    held = []

    def slow_sender():
        try:
            c = socket.create_connection(tuple_of(live), timeout=60)
            held.append(c)
            c.sendall(b"GET /api/search?q=allowances HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.is_set():
                c.sendall(b"X")
                stop.wait(1.0)
        except OSError:
            pass

    def slow_reader():
        try:
            c = socket.create_connection(tuple_of(live), timeout=60)
            held.append(c)
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            c.sendall(b"GET /search.csv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            stop.wait(30)
        except OSError:
            pass

    threads = [threading.Thread(target=slow_sender, daemon=True) for _ in range(scale(30, 200))]
    threads += [threading.Thread(target=slow_reader, daemon=True) for _ in range(scale(10, 50))]
    for t in threads:
        t.start()
    time.sleep(2)
    took = []
    try:
        for q in ["allowances", "market stability reserve", "aviation", "benchmark*", "carbon leakage"] * scale(4, 20):
            t0 = time.perf_counter()
            with urllib.request.urlopen(f"{live}/api/search?q={urllib.request.quote(q)}", timeout=30) as r:
                r.read()
                ok = r.status == 200
            took.append(time.perf_counter() - t0)
            figures.case("users: slow clients", ok and took[-1] < 2.0, f"{q}: {took[-1]:.2f} s")
    finally:
        stop.set()
        for c in held:
            c.close()
    took.sort()
    figures.measure("users: slow clients", "search beside them", f"p50 {took[len(took) // 2] * 1000:.0f} ms, max {took[-1] * 1000:.0f} ms ({scale(30, 200)} slow senders, {scale(10, 50)} slow readers)")
    assert took[-1] < 2.0, took


def tuple_of(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


# -- XSS in real Chromium -----------------------------------------------------------------

XSS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=1>",
    '"><svg onload=window.__xss=1>',
    "'><body onload=window.__xss=1>",
    "javascript:window.__xss=1",
    "</title><script>window.__xss=1</script>",
    "<a href=javascript:window.__xss=1>x</a>",
    "{{7*7}}<%= 7*7 %>${7*7}",
    "</textarea><script>window.__xss=1</script>",
    "<iframe srcdoc='<script>parent.__xss=1</script>'>",
]


@pytest.fixture(scope="module")
def xss_index(tmp_path_factory):
    """Documents whose every field, name and text is an injection."""
    base = tmp_path_factory.mktemp("xss")
    docs = base / "docs"
    docs.mkdir()
    rows = []
    for k, p in enumerate(XSS):
        name = f"doc{k}-" + re.sub(r"[/\x00]", "_", p)[:60] + ".html"
        (docs / name).write_text(
            f"<html><head><title>{p}</title><meta name=author content='{p}'><meta name=description content=\"{p}\"></head>"
            f"<body><h1>{p}</h1><p>Emissions trading allowances {p} are auctioned. {p} The cap declines.</p>{p}</body></html>",
            encoding="utf-8",
        )
        rows.append(
            {"path": name, "title": f"Carbon {p}", "authors": [p, "Jane Doe"], "publisher": p, "description": p, "keywords": [p],
             "jurisdictions": [p, "EU"], "topics": [p], "type": p, "language": "en", "year": 2020 + k % 5}
        )
    import yaml

    (docs / "catalog.yaml").write_text(yaml.safe_dump({"documents": rows}, allow_unicode=True), encoding="utf-8")
    out = etslib("ingest", str(docs), "--index", str(base / "ix"), "--json")
    assert out.returncode == 0, out.stderr
    return base / "ix"


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("no `chromium` on PATH (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def test_xss_payloads_in_every_field_stay_inert(xss_index, browser, tmp_path, figures):
    with server(xss_index, tmp_path / "server.log", workers=1) as base:
        with urllib.request.urlopen(f"{base}/api/search?limit=100") as r:
            ids = [x["id"] for x in json.load(r)["results"]]
        urls = ["/", "/about", "/help", "/?q=carbon", "/?q=allowances&sort=title"]
        for p in XSS[: scale(4, len(XSS))]:
            q = urllib.request.quote(p)
            urls += [f"/?q={q}", f"/?q=carbon&jurisdiction={q}", f"/?type={q}&topic={q}&language={q}&publisher={q}", f"/?q={q}&year_from={q}&sort={q}&limit={q}"]
        for i in ids:
            urls += [f"/doc/{i}", f"/doc/{i}/text", f"/doc/{i}?q={urllib.request.quote(XSS[0])}"]
        ctx = browser.new_context(base_url=base)
        page = ctx.new_page()
        fired: list[str] = []
        page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
        try:
            for url in urls:
                page.goto(url)
                page.wait_for_load_state("load")
                hit = page.evaluate("() => window.__xss === 1")
                injected = page.evaluate(
                    "() => [...document.querySelectorAll('[onerror],[onload],iframe,script:not([src])')].map(e => e.outerHTML.slice(0, 80))"
                )
                ok = not hit and not injected and not fired
                figures.case("users: XSS in Chromium", ok, f"{url[:80]}: {injected[:2]} {fired[:2]}")
                assert ok, (url, injected, fired)
        finally:
            ctx.close()
