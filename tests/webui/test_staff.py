"""The staff pages over a real index with the real reindex runner: sign-in,
the guard on every route, CSRF, rate limits, upload, edit, remove, needs
attention, status, audit log."""

from __future__ import annotations

import io
import json
import re
import time

import pytest

from search.ingest import audit, jobs, staffcatalog
from search.ingest.library import trash_items
from tests.support.staff import NAME, OTHER, OTHER_PASSWORD, PASSWORD, csrf_of, make_library, sign_in


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("staff-lib"))


@pytest.fixture(scope="module")
def staff_app(library):
    from webui import create_app
    from webui.state import close

    _corpus, root = library
    app = create_app({"TESTING": True, "INDEX": str(root.root)})
    yield app
    close(app)


@pytest.fixture
def client(staff_app):
    return staff_app.test_client()


@pytest.fixture
def signed_in(client):
    token = sign_in(client)
    return client, token


def _wait(root):
    jobs.wait_idle(root, timeout=120)


def _doc(client, q: str) -> dict:
    r = client.get("/api/search", query_string={"q": q, "limit": 1})
    return r.get_json()["results"][0]


# -- the guard ------------------------------------------------------------------------


def _staff_rules(app) -> list[tuple[str, set[str]]]:
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") and rule.endpoint != "staff.signin":
            url = re.sub(r"<[^>]+>", "some-id", rule.rule)
            out.append((url, set(rule.methods or ()) - {"HEAD", "OPTIONS"}))
    return out


def test_every_staff_route_needs_sign_in(staff_app, client):
    rules = _staff_rules(staff_app)
    assert len(rules) >= 12
    for url, methods in rules:
        if "GET" in methods:
            r = client.get(url)
            assert r.status_code in (302, 401), url
            if r.status_code == 302:
                assert r.headers["Location"].startswith("/staff/signin"), url
        if "POST" in methods:
            # With a valid CSRF token but no sign-in: 401.
            token = csrf_of(client.get("/staff/signin").get_data(as_text=True))
            r = client.post(url, data={"csrf_token": token})
            assert r.status_code == 401, url


def test_every_post_needs_a_valid_csrf_token(staff_app, signed_in):
    client, token = signed_in
    for url, methods in _staff_rules(staff_app) + [("/staff/signin", {"POST"})]:
        if "POST" not in methods:
            continue
        assert client.post(url, data={}).status_code == 400, url
        assert client.post(url, data={"csrf_token": token[:-4] + "AAAA"}).status_code == 400, url
    # and a token from another session is worth nothing
    other = client.application.test_client()
    foreign = csrf_of(other.get("/staff/signin").get_data(as_text=True))
    assert client.post("/staff/reindex", data={"csrf_token": foreign, "kind": "incremental"}).status_code == 400


def test_json_twin_answers_401(client):
    r = client.get("/staff/job.json")
    assert r.status_code == 401 and r.get_json()["error"]["status"] == 401


def test_no_default_account(tmp_path):
    from webui import create_app

    app = create_app({"TESTING": True, "INDEX": str(tmp_path / "empty-index")})
    c = app.test_client()
    page = c.get("/staff/signin").get_data(as_text=True)
    assert "No staff account exists yet" in page
    token = csrf_of(page)
    for name, pw in (("admin", "admin"), ("staff", "staff"), ("admin", "password")):
        assert c.post("/staff/signin", data={"name": name, "password": pw, "csrf_token": token}).status_code == 401


def test_sign_in_cookie_sign_out(client, library):
    _corpus, root = library
    token = csrf_of(client.get("/staff/signin").get_data(as_text=True))
    r = client.post("/staff/signin?next=//evil.example/x", data={"name": NAME, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/staff/"  # no open redirect
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert client.get("/staff/").status_code == 200
    token = csrf_of(client.get("/staff/").get_data(as_text=True))
    assert client.post("/staff/signout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/").status_code == 302
    actions = [e.action for e in audit.entries(root, limit=5)[0]]
    assert "sign-out" in actions and "sign-in" in actions


def test_cookie_is_secure_over_tls(client):
    r = client.get("/staff/signin", base_url="https://localhost")
    token = csrf_of(r.get_data(as_text=True))
    r = client.post(
        "/staff/signin", base_url="https://localhost", data={"name": NAME, "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/staff/signin"},
    )
    assert r.status_code == 302
    assert "Secure" in r.headers["Set-Cookie"]


def test_sessions_expire_and_end_with_the_account(staff_app, library):
    from webui.accounts import add_user

    _corpus, root = library
    c = staff_app.test_client()
    sign_in(c, OTHER, OTHER_PASSWORD)
    with c.session_transaction() as s:
        s["staff"] = dict(s["staff"], seen=time.time() - 2 * 3600)  # idle for two hours
    assert c.get("/staff/").status_code == 302
    sign_in(c, OTHER, OTHER_PASSWORD)
    with c.session_transaction() as s:
        s["staff"] = dict(s["staff"], issued=time.time() - 9 * 3600, seen=time.time())
    assert c.get("/staff/").status_code == 302
    sign_in(c, OTHER, OTHER_PASSWORD)
    add_user(root, OTHER, OTHER_PASSWORD, replace=True)  # a new password ends old sessions
    assert c.get("/staff/").status_code == 302


def test_failed_sign_ins_are_rate_limited(staff_app, library):
    c = staff_app.test_client()
    token = csrf_of(c.get("/staff/signin").get_data(as_text=True))
    codes = [
        c.post("/staff/signin", data={"name": "mallory", "password": f"guess{i}", "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # even the right password waits for that address
    r = c.post("/staff/signin", data={"name": NAME, "password": PASSWORD, "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.get_data(as_text=True)


# -- edit ------------------------------------------------------------------------------


def test_edit_shows_provenance_saves_and_reindexes(signed_in, library):
    client, token = signed_in
    _corpus, root = library
    doc = _doc(client, "market stability reserve directive")
    page = client.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)
    assert re.search(r'data-source="title">from (library catalogue|PDF properties|document header|etslib rules)', page), page
    rev = re.search(r'name="rev" value="(\d+)"', page).group(1)
    r = client.post(f"/staff/doc/{doc['id']}/edit", data={"csrf_token": token, "rev": rev, "publisher": "Staff Corrected Publisher", "year": "2023"})
    assert r.status_code == 302
    _wait(root)
    counts = jobs.status(root)["counts"]
    assert counts["metadata"] == 1 and counts["updated"] == 0 and counts["new"] == 0  # metadata only
    meta = client.get(f"/api/doc/{doc['id']}").get_json()["document"]
    assert meta["publisher"] == "Staff Corrected Publisher"
    assert meta["sources"]["publisher"] == "catalog"
    page = client.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)
    assert f"from staff ({NAME}," in page
    last = audit.entries(root, action="edit", limit=1)[0][0]
    assert last.who == NAME and last.target == doc["id"] and last.detail["changes"]["publisher"]["to"] == "Staff Corrected Publisher"
    hits = client.get("/api/search", query_string={"q": "publisher:\"Staff Corrected Publisher\""}).get_json()
    assert [h["id"] for h in hits["results"]] == [doc["id"]]


def test_two_concurrent_edits_conflict_visibly(staff_app, signed_in, library):
    client, token = signed_in
    other = staff_app.test_client()
    other_token = sign_in(other, OTHER, OTHER_PASSWORD)
    doc = _doc(client, "carbon market report")
    page_a = client.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)
    page_b = other.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)
    rev_a = re.search(r'name="rev" value="(\d+)"', page_a).group(1)
    rev_b = re.search(r'name="rev" value="(\d+)"', page_b).group(1)
    assert rev_a == rev_b
    assert other.post(f"/staff/doc/{doc['id']}/edit", data={"csrf_token": other_token, "rev": rev_b, "title": "Bob's title"}).status_code == 302
    r = client.post(f"/staff/doc/{doc['id']}/edit", data={"csrf_token": token, "rev": rev_a, "title": "Alice's title"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert f"{OTHER} saved this record while you were editing it" in html
    assert "Bob&#39;s title" in html and "Alice&#39;s title" in html
    _corpus, root = library
    from search.query import Searcher

    with Searcher(root) as s:  # public output names no server path; the staff catalog keys by it
        path = s.document(doc["id"])["path"]
    assert staffcatalog.load(root).get(path).fields["title"] == "Bob's title"
    _wait(root)


def test_edit_rejects_bad_values(signed_in):
    client, token = signed_in
    doc = _doc(client, "allowances")
    page = client.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)
    rev = re.search(r'name="rev" value="(\d+)"', page).group(1)
    r = client.post(f"/staff/doc/{doc['id']}/edit", data={"csrf_token": token, "rev": rev, "year": "soon"})
    assert r.status_code == 400 and "year must be a number" in r.get_data(as_text=True)
    r = client.post(f"/staff/doc/{doc['id']}/edit", data={"csrf_token": token, "rev": rev, "title": "<script>alert(1)</script>x"})
    assert "<script>alert(1)" not in r.get_data(as_text=True)
    # Values the vocabularies do not know are refused with why, as a CSV import refuses them.
    for field, value, why in (("type", "../../x", "unknown type"), ("language", "<script>", "language must be a code"), ("jurisdictions", "Atlantis", "unknown jurisdiction")):
        rev = re.search(r'name="rev" value="(\d+)"', client.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)).group(1)
        r = client.post(f"/staff/doc/{doc['id']}/edit", data={"csrf_token": token, "rev": rev, field: value})
        assert r.status_code == 400 and why in r.get_data(as_text=True), (field, r.status_code)
    edit_page = client.get(f"/staff/doc/{doc['id']}/edit").get_data(as_text=True)
    assert "../../x" not in edit_page and "Atlantis" not in edit_page  # nothing was saved


# -- upload ----------------------------------------------------------------------------


NOTE = "Cross-border zebrafish allowances\n\nA staff note on how the zebrafish allowance registry links two emissions trading systems.\n".encode()


def test_upload_type_by_content_duplicates_and_search(signed_in, library):
    client, token = signed_in
    corpus, root = library
    existing = (corpus / "eu" / "CELEX_32023D0136_EN_TXT.txt").read_bytes()
    r = client.post(
        "/staff/upload",
        data={
            "csrf_token": token,
            "files": [
                (io.BytesIO(NOTE), "zebrafish.txt"),
                (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 100), "looks-like.pdf"),
                (io.BytesIO(existing), "again.txt"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "“looks-like.pdf” was not accepted: this is a PNG image" in html
    assert "“again.txt” is already in the library as <a href=\"/doc/" in html
    assert 'value="Cross-border zebrafish allowances"' in html  # the derived title, for confirmation
    stage_token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    r = client.post("/staff/upload/confirm", data={"csrf_token": token, "token": stage_token, "add": "0", "f0-title": "Zebrafish registry note", "f0-year": "2025", "f0-jurisdictions": "EU"})
    assert r.status_code == 302
    new_id = r.headers["Location"].split("ids=")[1]
    t0 = time.monotonic()
    _wait(root)
    hits = client.get("/api/search", query_string={"q": "zebrafish"}).get_json()
    assert [h["id"] for h in hits["results"]] == [new_id]
    assert time.monotonic() - t0 < 30
    assert hits["results"][0]["title"] == "Zebrafish registry note"
    stored = list((corpus / "staff-uploads" / "2025").iterdir())
    assert [p.name for p in stored] == ["zebrafish.txt"]
    assert client.post("/staff/upload/confirm", data={"csrf_token": token, "token": stage_token, "add": "0"}).status_code == 410
    actions = {e.action for e in audit.entries(root, limit=10)[0]}
    assert {"upload", "upload-rejected", "upload-duplicate", "reindex"} <= actions


def test_upload_over_the_size_limit(staff_app, library):
    from webui import create_app

    _corpus, root = library
    from webui.state import close

    # A small limit: a test request body over 500 KB is spooled to a file the test client leaves open.
    app = create_app({"TESTING": True, "INDEX": str(root.root), "UPLOAD_MAX_MB": 0.125})
    try:
        c = app.test_client()
        token = sign_in(c)
        big = b"%PDF-1.4\n" + b"0" * (200 << 10) + b"\n%%EOF"
        r = c.post("/staff/upload", data={"csrf_token": token, "files": [(io.BytesIO(big), "big.pdf")]}, content_type="multipart/form-data")
        assert r.status_code == 422 and "larger than the limit of 0.125 MB" in r.get_data(as_text=True)
    finally:
        close(app)  # its searcher holds the index's files open


# -- remove ----------------------------------------------------------------------------


def test_remove_needs_confirmation_and_goes_to_trash(signed_in, library):
    client, token = signed_in
    _corpus, root = library
    doc = _doc(client, "Decision 2023/136")
    assert "Yes, remove this record" in client.get(f"/staff/doc/{doc['id']}/remove").get_data(as_text=True)
    assert client.post(f"/staff/doc/{doc['id']}/remove", data={"csrf_token": token}).status_code == 400
    r = client.post(f"/staff/doc/{doc['id']}/remove", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 302
    _wait(root)
    assert client.get(f"/api/doc/{doc['id']}").status_code == 404
    assert doc["path"].rsplit("/", 1)[-1] in [t.file for t in trash_items(root)]
    last = audit.entries(root, action="remove", limit=1)[0][0]
    assert last.who == NAME and last.target == doc["id"]


# -- the other pages -------------------------------------------------------------------


def test_status_attention_audit_pages(signed_in, library):
    client, token = signed_in
    corpus, root = library
    (corpus / "misc").mkdir(exist_ok=True)
    (corpus / "misc" / "untitled-notes.txt").write_text("Some notes\n\nNotes on nothing in particular, from no place and no time.\n", "utf-8")
    client.post("/staff/reindex", data={"csrf_token": token, "kind": "incremental"})
    _wait(root)
    status = client.get("/staff/status").get_data(as_text=True)
    for label in ("Documents", "Pages", "Size on disk", "Schema version", "Last ingest"):
        assert label in status
    assert str(root.root) not in status  # no server paths
    att = client.get("/staff/attention").get_data(as_text=True)
    assert "Records without a jurisdiction" in att and "Likely duplicates" in att
    section = att.split('id="no_jurisdiction"')[1].split("</section>")[0]
    assert re.search(r'href="/staff/doc/untitled-notes-[0-9a-f]+/edit"', section), section
    log = client.get("/staff/audit").get_data(as_text=True)
    assert "sign-in" in log
    job = client.get("/staff/job.json").get_json()
    assert job["state"] in ("idle", "done", "running")
    st = client.get("/staff/status.json").get_json()
    assert st["documents"] > 5 and st["schema_version"] == st["schema_current"] and st["last_ingest"]["counts"]
    assert st["phrases"]["counted"] > 300 and st["phrases"]["pending"] == 0  # built with this glossary
    assert str(root.root) not in json.dumps(st)
    att_json = client.get("/staff/attention.json").get_json()
    assert att_json["no_jurisdiction"]["count"] >= 1 and att_json["no_jurisdiction"]["items"][0]["edit_url"].startswith("/staff/doc/")


def test_a_failed_file_links_to_what_staff_can_do(signed_in, library):
    client, token = signed_in
    corpus, root = library
    (corpus / "misc").mkdir(exist_ok=True)
    bad = corpus / "misc" / "damaged-report.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" + b"\x00garbage" * 200)
    client.post("/staff/reindex", data={"csrf_token": token, "kind": "incremental"})
    _wait(root)
    section = client.get("/staff/attention").get_data(as_text=True).split('id="failed"')[1].split("</section>")[0]
    link = re.search(r'<a href="(/staff/failed/[0-9a-f]+)">damaged-report.pdf</a>', section)
    assert link, section
    page = client.get(link.group(1)).get_data(as_text=True)
    assert "damaged-report.pdf" in page and "Try again" in page and "Remove the file" in page
    assert str(corpus) not in page and str(root.root) not in page  # no server paths
    # Try again: the failure is forgotten, the file read again (and it fails again, listed anew).
    assert client.post(link.group(1) + "/retry", data={"csrf_token": token}).status_code == 302
    _wait(root)
    assert audit.entries(root, action="retry", limit=1)[0][0].target == "damaged-report.pdf"
    assert client.get(link.group(1)).status_code == 200
    # Remove: to the trash after confirmation, and no longer listed.
    assert client.post(link.group(1) + "/remove", data={"csrf_token": token}).status_code == 400
    assert client.post(link.group(1) + "/remove", data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    _wait(root)
    assert not bad.exists() and "damaged-report.pdf" in [t.file for t in trash_items(root)]
    assert client.get(link.group(1)).status_code == 404
    assert "damaged-report.pdf" not in client.get("/staff/attention").get_data(as_text=True).split('id="failed"')[1].split("</section>")[0]
    assert client.get("/staff/failed/0123456789abcdef0123").status_code == 404


def test_reindex_from_the_page(signed_in, library):
    client, token = signed_in
    _corpus, root = library
    r = client.post("/staff/reindex", data={"csrf_token": token, "kind": "incremental"})
    assert r.status_code == 302
    _wait(root)
    st = client.get("/staff/job.json").get_json()
    assert st["state"] == "done" and st["kind"] == "incremental"
    assert client.post("/staff/reindex", data={"csrf_token": token, "kind": "everything"}).status_code == 400


def test_upload_offers_a_new_version(signed_in, library):
    client, token = signed_in
    corpus, root = library
    name = "CELEX_32023R0957_EN_TXT.txt"
    old = next(r for r in client.get("/api/search", query_string={"limit": 100}).get_json()["results"] if r["path"].endswith(name))
    # A revised edition: the same title, a corrected annex.
    text = old["title"] + "\n\n" + (corpus / "eu" / name).read_text("utf-8")
    r = client.post(
        "/staff/upload",
        data={"csrf_token": token, "files": [(io.BytesIO((text + "\nCorrigendum: the Zanzibar annex.\n").encode()), "decision-corrected.txt")]},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert "This looks like a new version of" in html and f'value="{old["id"]}"' in html
    stage_token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    title = re.search(r'id="f0-title" name="f0-title" type="text" value="([^"]*)"', html).group(1)
    r = client.post("/staff/upload/confirm", data={"csrf_token": token, "token": stage_token, "add": "0", "f0-title": title, "version-0": old["id"]})
    assert r.status_code == 302
    _wait(root)
    assert client.get(f"/api/doc/{old['id']}").status_code == 404
    assert client.get("/api/search", query_string={"q": "zanzibar"}).get_json()["total"] == 1
    assert audit.entries(root, action="upload", limit=1)[0][0].detail["replaces"] == old["id"]


def test_too_many_files_at_once(signed_in):
    client, token = signed_in
    files = [(io.BytesIO(b"note %d\n" % i), f"n{i}.txt") for i in range(11)]
    r = client.post("/staff/upload", data={"csrf_token": token, "files": files}, content_type="multipart/form-data")
    assert r.status_code == 413 and "at most 10 files" in r.get_data(as_text=True)


def test_behind_a_tls_proxy(library):
    from webui import create_app
    from webui.state import close

    _corpus, root = library
    app = create_app({"TESTING": True, "INDEX": str(root.root), "TRUSTED_PROXIES": 1})
    try:
        c = app.test_client()
        fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
        token = csrf_of(c.get("/staff/signin", headers=fwd).get_data(as_text=True))
        r = c.post("/staff/signin", headers={**fwd, "Referer": "https://localhost/staff/signin"}, data={"name": NAME, "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 302 and "Secure" in r.headers["Set-Cookie"]
        assert audit.entries(root, action="sign-in", limit=1)[0][0].detail["address"] == "203.0.113.7"
    finally:
        close(app)


def test_staff_pages_are_well_formed(signed_in):
    from bs4 import BeautifulSoup

    client, _token = signed_in
    doc = _doc(client, "allowances")
    for path in ("/staff/", "/staff/upload", "/staff/attention", "/staff/status", "/staff/audit", f"/staff/doc/{doc['id']}/edit", f"/staff/doc/{doc['id']}/remove"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["Cache-Control"] == "no-store"
        page = BeautifulSoup(r.get_data(as_text=True), "html.parser")
        ids = [el["id"] for el in page.find_all(id=True)]
        assert len(ids) == len(set(ids)), path
        assert page.find("main", id="main") and len(page.find_all("h1")) == 1, path
        for field in page.select("input[id], select[id], textarea[id]"):
            assert page.find("label", attrs={"for": field["id"]}), (path, field["id"])


# -- regressions from the robustness attacks (issue 14) -----------------------------------


@pytest.mark.parametrize(
    "target",
    ["/staff\r\nSet-Cookie: x=1", "/staff/\nLocation: //evil.example", "/staff/../..//evil.example", "/staff//evil.example", "/staff\\..\\evil.example", "/staff/./x"],
)
def test_next_with_control_characters_or_odd_paths_goes_home(staff_app, target):
    """A newline in ``next`` made the redirect after a right password a 500."""
    c = staff_app.test_client()
    token = csrf_of(c.get("/staff/signin").get_data(as_text=True))
    r = c.post("/staff/signin", query_string={"next": target}, data={"name": NAME, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/staff/"
    assert c.get("/staff/").status_code == 200
    ok = c.post("/staff/signin?next=/staff/audit%3Faction%3Dedit", data={"name": NAME, "password": PASSWORD, "csrf_token": csrf_of(c.get("/staff/signin").get_data(as_text=True))})
    assert ok.headers["Location"] == "/staff/audit?action=edit"


def test_sign_out_ends_the_session_on_the_server(staff_app):
    """A copy of the cookie taken while signed in was still signed in after sign-out."""
    c = staff_app.test_client()
    token = sign_in(c)
    copied = c.get_cookie("etslib_session").value
    assert c.post("/staff/signout", data={"csrf_token": token}).status_code == 302
    thief = staff_app.test_client()
    thief.set_cookie("etslib_session", copied)
    assert thief.get("/staff/").status_code == 302
    assert thief.get("/staff/status.json").status_code == 401


def test_retry_after_is_the_true_wait(staff_app):
    """Retry-After said 60 s while sign-in waited 15 minutes."""
    from webui.accounts import FAILURE_WINDOW_S, MAX_FAILURES

    c = staff_app.test_client()
    token = csrf_of(c.get("/staff/signin").get_data(as_text=True))
    env = {"REMOTE_ADDR": "10.9.9.10"}
    for i in range(MAX_FAILURES):
        assert c.post("/staff/signin", data={"name": "trudy", "password": f"x{i}", "csrf_token": token}, environ_base=env).status_code == 401
    r = c.post("/staff/signin", data={"name": "trudy", "password": "x", "csrf_token": token}, environ_base=env)
    assert r.status_code == 429
    assert FAILURE_WINDOW_S - 60 <= int(r.headers["Retry-After"]) <= FAILURE_WINDOW_S
    assert "Try again in 15 minutes" in r.get_data(as_text=True)


def test_parallel_guesses_cannot_pass_the_limit(staff_app):
    """The limit was checked before the (slow) password check and counted
    after it, so guesses sent together all got a try."""
    from concurrent.futures import ThreadPoolExecutor

    from webui.accounts import MAX_FAILURES

    def guess(i: int) -> int:
        c = staff_app.test_client()
        token = csrf_of(c.get("/staff/signin").get_data(as_text=True))
        return c.post("/staff/signin", data={"name": "eve", "password": f"guess{i}", "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.9.9.11"}).status_code

    with ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(guess, range(24)))
    assert codes.count(401) == MAX_FAILURES and codes.count(429) == 24 - MAX_FAILURES, codes


def test_upload_names_must_agree_with_contents(signed_in, library):
    """A page named .pdf, a script in .svg, an .exe of text and an HTML page
    with "%PDF-" in it were all accepted (as .html, .txt, .txt and .pdf)."""
    client, token = signed_in
    corpus, _root = library
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    files = [
        (io.BytesIO(b"<html><body><script>alert(1)</script>Allowances</body></html>"), "report.pdf"),
        (io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), "chart.svg"),
        (io.BytesIO(b"Allowances and the cap, as plain text."), "notes.exe"),
        (io.BytesIO(b"<html><body><script>alert(1)</script>%PDF-1.4 allowances</body></html>"), "polyglot.pdf"),
        (io.BytesIO(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF"), "paper.txt"),
    ]
    r = client.post("/staff/upload", data={"csrf_token": token, "files": files}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422, html
    assert "“report.pdf” was not accepted: its name says a PDF (.pdf) but it is an HTML page" in html
    assert "“chart.svg” was not accepted: .svg files are not accepted" in html
    assert "“notes.exe” was not accepted: .exe files are not accepted" in html
    assert "“polyglot.pdf” was not accepted: its name says a PDF (.pdf) but it is an HTML page" in html
    assert "“paper.txt” was not accepted: its name says a text file (.txt) but it is a PDF" in html
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == before


def test_an_idle_session_ends_on_the_server(staff_app):
    """An idle session was only dropped from the cookie that came in: a copy
    taken before its idle clock ran out stayed valid."""
    c = staff_app.test_client()
    sign_in(c)
    copy = c.get_cookie("etslib_session").value
    with c.session_transaction() as s:
        s["staff"] = dict(s["staff"], seen=time.time() - 2 * 3600)
    assert c.get("/staff/").status_code == 302
    other = staff_app.test_client()
    other.set_cookie("etslib_session", copy)
    assert other.get("/staff/").status_code == 302


def test_cookie_is_secure_when_the_site_is_https(library):
    """Behind a proxy that does not pass the scheme on, a BASE_URL of https
    still makes the session cookie Secure."""
    from webui import create_app
    from webui.state import close

    _corpus, root = library
    app = create_app({"TESTING": True, "INDEX": str(root.root), "BASE_URL": "https://library.example.org", "ALLOWED_HOSTS": ["localhost"]})
    try:
        c = app.test_client()
        r = c.get("/staff/signin")
        assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
    finally:
        close(app)
