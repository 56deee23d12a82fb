"""The staff pages in real headless Chromium against ``etslib serve``:
sign in, upload, edit, remove; and searches that keep answering while a
rebuild started from the status page runs."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request

import pytest

from search.ingest import audit, jobs
from tests.conftest import serve_index
from tests.support.browser import open_page
from tests.support.staff import NAME, PASSWORD, make_library

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return make_library(tmp_path_factory.mktemp("browser-lib"))


@pytest.fixture(scope="module")
def server(library, tmp_path_factory):
    _corpus, root = library
    with serve_index(root.root, tmp_path_factory.mktemp("staff-server") / "server.log", workers=2) as url:
        yield url


@pytest.fixture
def page(browser, server):
    ctx, pg, errors = open_page(browser, server, timeout_ms=15_000, viewport={"width": 1280, "height": 1000})
    yield pg
    ctx.close()
    assert not errors, errors


def _sign_in(page) -> None:
    page.goto("/staff/")
    assert "/staff/signin" in page.url
    page.fill("#name", NAME)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/$"))


def _api(server: str, path: str) -> dict:
    with urllib.request.urlopen(server + path, timeout=10) as r:
        return json.loads(r.read())


def _until(fn, timeout: float = 45.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.3)


def test_sign_in_upload_edit_remove(page, server, library, shots, tmp_path):
    corpus, root = library
    _sign_in(page)
    page.screenshot(path=str(shots / "staff-home.png"), full_page=True)

    # Upload: etslib shows what it derived; staff correct the title.
    note = tmp_path / "Quokka_registry_2024.txt"
    note.write_text("Quokka registry linking\n\nHow the quokka registry links allowance accounts across two emissions trading systems, 2024.\n", "utf-8")
    page.click("text=Upload")
    page.set_input_files("#files", [str(note)])
    page.click("text=Read the files")
    assert page.input_value("#f0-title") == "Quokka registry linking"
    assert "from" in page.locator("[data-source=title]").first.inner_text()
    page.fill("#f0-title", "Quokka registry linking (staff)")
    page.fill("#f0-jurisdictions", "AU")
    page.screenshot(path=str(shots / "staff-upload-confirm.png"), full_page=True)
    page.click("text=Add to the library")
    page.wait_for_url(re.compile(r"/staff/uploaded"))
    hit = _until(lambda: _api(server, "/api/search?q=quokka")["results"])
    doc_id = hit[0]["id"]
    assert hit[0]["title"] == "Quokka registry linking (staff)"

    # Edit from the document page.
    page.goto(f"/doc/{doc_id}")
    page.click("text=Edit record")
    assert "from staff (alice" in page.locator("[data-source=title]").inner_text()
    page.fill("#publisher", "Quokka Institute")
    page.click("button:has-text('Save')")
    assert "Saved" in page.locator("p.note").first.inner_text()
    _until(lambda: _api(server, f"/api/doc/{doc_id}")["document"]["publisher"] == "Quokka Institute")
    page.screenshot(path=str(shots / "staff-edit.png"), full_page=True)

    # Remove, after confirming.
    page.goto(f"/doc/{doc_id}")
    page.click("text=Remove…")
    page.check("input[name=confirm]")
    page.click("button:has-text('Remove')")
    page.wait_for_url(re.compile(r"/staff/$"))
    _until(lambda: _api(server, "/api/search?q=quokka")["total"] == 0)
    assert not list((corpus / "staff-uploads").rglob("Quokka*"))

    actions = [(e.action, e.who) for e in audit.entries(root, limit=50)[0]]
    for action in ("sign-in", "upload", "edit", "remove", "reindex"):
        assert (action, NAME) in actions, (action, actions)
    page.goto("/staff/audit")
    log = page.locator("table.audit").inner_text()
    assert "upload" in log and "edit" in log and "remove" in log and doc_id in log


def test_searches_answer_during_a_staff_started_rebuild(page, server, library):
    _corpus, root = library
    jobs.wait_idle(root, 60)
    before = root.current_name()
    _sign_in(page)
    page.goto("/staff/status")
    page.check("input[value=rebuild]")
    answers: list[tuple[int, int]] = []
    failures: list[str] = []
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            try:
                with urllib.request.urlopen(server + "/api/search?q=allowances&limit=3", timeout=10) as r:
                    answers.append((r.status, json.loads(r.read())["total"]))
            except Exception as e:  # noqa: BLE001 - every failure counts
                failures.append(repr(e))

    t = threading.Thread(target=hammer)
    t.start()
    try:
        page.click("button:has-text('Start')")
        # The page follows the job live.
        page.wait_for_selector("[data-job-url][data-state]")
        during = _until(lambda: jobs.status(root)["state"] == "running" and len(answers), 30)
        assert during
        n_running = len(answers)
        jobs.wait_idle(root, 180)
        n_after = len(answers)
        assert n_after - n_running >= 3, "too few searches during the rebuild to tell"
        _until(lambda: len(answers) > n_after + 5, 10)
    finally:
        stop.set()
        t.join()
    assert not failures, failures[:5]
    assert answers and all(status == 200 and total > 0 for status, total in answers), set(answers)
    st = jobs.status(root)
    assert st["state"] == "done" and st["kind"] == "rebuild"
    assert root.current_name() != before  # a new store, swapped in
    page.goto("/staff/status")
    assert "Last reindex (rebuild) finished" in page.locator(".job__state").inner_text()
