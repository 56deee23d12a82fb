"""OCR of scanned PDFs: a scan made here from real text is found by a
phrase of that text; the image-only files of the hostile set are read or
reported; ``--no-ocr`` leaves scans as they were."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.extract.ocr import available
from search.index import IndexRoot
from search.ingest import IngestOptions, ingest
from search.model import SearchRequest
from search.query.searcher import Searcher
from tests.support.scans import mixed_of, scan_of

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "corpus" / "eu" / "CELEX_32023L0959_EN_TXT.pdf"

needs_tesseract = pytest.mark.skipif(not available(), reason="tesseract is not installed (scripts/setup --test installs it)")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans")
    texts = scan_of(SOURCE, folder / "scanned-directive.pdf", pages=[1, 2])
    return folder, texts


def _phrase(text: str) -> str:
    """Six words from the middle of a real line of the page."""
    lines = [l.split() for l in text.splitlines() if len(l.split()) >= 10 and l.isascii()]
    words = lines[len(lines) // 2]
    return " ".join(w.strip(".,;:()") for w in words[2:8])


@needs_tesseract
def test_a_scan_is_found_by_a_phrase(scanned, tmp_path):
    folder, texts = scanned
    root = IndexRoot(tmp_path / "index")
    report = ingest([str(folder)], root, IngestOptions(jobs=1))
    assert report["counts"]["new"] == 1 and report["counts"]["ocr"] == 1, report["failures"]
    phrase = _phrase(texts[1])
    with Searcher(root) as s:
        resp = s.search(SearchRequest(q=f'"{phrase}"'))
        assert resp.total == 1, phrase
        info = resp.hits[0].meta
        doc = s.document(resp.hits[0].id)
        assert doc["ocr_pages"] == [1, 2] and "ocr" in doc["flags"]
        assert resp.hits[0].passages and resp.hits[0].passages[0].page in (1, 2)
        assert info["title"]
    # People see where text came from OCR: passages, the text page, the document page.
    from webui import create_app
    from webui.state import close

    app = create_app({"TESTING": True, "INDEX": str(root.root), "SECRET_KEY": "test"})
    try:
        c = app.test_client()
        doc_id = resp.hits[0].id
        assert "text from OCR" in c.get("/", query_string={"q": f'"{phrase}"'}).get_data(as_text=True)
        assert c.get(f"/doc/{doc_id}/text").get_data(as_text=True).count("text from OCR") == 2
        assert "is text from OCR" in c.get(f"/doc/{doc_id}").get_data(as_text=True)
        assert [s["ocr"] for s in c.get(f"/api/doc/{doc_id}/text").get_json()["sections"]] == [True, True]
    finally:
        close(app)
    # The OCR text is cached like any other: a rebuild reads no image.
    again = ingest([str(folder)], root, IngestOptions(jobs=1, rebuild=True))
    assert again["counts"]["from_cache"] == 1 and again["counts"]["ocr"] == 0


@needs_tesseract
def test_the_image_pages_of_a_document_with_text_are_read_by_ocr(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    texts = mixed_of(SOURCE, folder / "directive-with-scanned-annex.pdf", text_pages=[0], scanned_pages=[1, 2])
    phrase = _phrase(texts[1])
    # OCR off: indexed with the text it has, its image pages unread.
    root = IndexRoot(tmp_path / "index")
    report = ingest([str(folder)], root, IngestOptions(jobs=1, ocr=False))
    assert report["counts"]["new"] == 1 and report["counts"]["ocr"] == 0, report["failures"]
    with Searcher(root) as s:
        assert s.search(SearchRequest(q=f'"{phrase}"')).total == 0
    # A rebuild with OCR reads them (the cached text lacked them), and caches the result.
    report = ingest([str(folder)], root, IngestOptions(jobs=1, rebuild=True))
    assert report["counts"]["new"] == 1 and report["counts"]["ocr"] == 1, report
    with Searcher(root) as s:
        resp = s.search(SearchRequest(q=f'"{phrase}"'))
        assert resp.total == 1, phrase
        doc = s.document(resp.hits[0].id)
        assert doc["ocr_pages"] == [2, 3] and resp.hits[0].passages[0].page in (2, 3)
    again = ingest([str(folder)], root, IngestOptions(jobs=1, rebuild=True))
    assert again["counts"]["from_cache"] == 1 and again["counts"]["ocr"] == 0


def test_no_ocr_leaves_a_scan_failed(scanned, tmp_path):
    folder, _texts = scanned
    report = ingest([str(folder)], IndexRoot(tmp_path / "index"), IngestOptions(jobs=1, ocr=False))
    assert [f["code"] for f in report["failures"]] == ["scanned"]


@needs_tesseract
@pytest.mark.shared
def test_the_hostile_image_only_files(shared_corpus, tmp_path):
    folder = tmp_path / "image-only"
    shutil.copytree(shared_corpus / "hostile-pdfs" / "image-only", folder)
    root = IndexRoot(tmp_path / "index")
    report = ingest([str(folder)], root, IngestOptions(jobs=2))
    c = report["counts"]
    assert c["new"] + c["failed"] == 4
    assert c["ocr"] >= 1
    # What OCR cannot read stays a scan, with a reason that says OCR was tried.
    for f in report["failures"]:
        assert f["code"] == "scanned" and "OCR" in f["reason"], f
    with Searcher(root) as s:
        assert s.search(SearchRequest(q="Vicksburg")).total == 1
        ocr_docs = [i for i in s.documents() if i.get("ocr_pages")]
        assert ocr_docs and all("ocr" in i["flags"] for i in ocr_docs)


@needs_tesseract
def test_a_chinese_scan_is_found(tmp_path):
    """Han script is detected and read as simplified Chinese: a page of the
    PRC regulation, printed by Chromium (Noto CJK), scanned, found."""
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("no `chromium` to print the page (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    md = next((ROOT / "corpus" / "cn").glob("*.md")).read_text("utf-8")
    lines = [l for l in md.splitlines() if l.strip()][:12]
    html = "<html><head><meta charset='utf-8'></head><body style=\"font: 15pt 'Noto Sans CJK SC'\">" + "".join(f"<p>{l}</p>" for l in lines) + "</body></html>"
    printed = tmp_path / "printed.pdf"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = b.new_page()
        page.set_content(html)
        page.pdf(path=str(printed), format="A4")
        b.close()
    folder = tmp_path / "scans"
    folder.mkdir()
    scan_of(printed, folder / "cn-scan.pdf", pages=[0])
    root = IndexRoot(tmp_path / "index")
    report = ingest([str(folder)], root, IngestOptions(jobs=1))
    assert report["counts"]["ocr"] == 1, report["failures"]
    with Searcher(root) as s:
        resp = s.search(SearchRequest(q='"常务会议通过"'))
        assert resp.total == 1
        assert s.document(resp.hits[0].id)["language"] == "zh"
