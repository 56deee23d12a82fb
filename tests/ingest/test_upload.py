"""Uploads: the kind of a file by its content; likely new versions; the
needs-attention lists; the library's paths and trash."""

from __future__ import annotations

import pytest

from search.index import IndexRoot
from search.ingest.attention import needs_attention
from search.ingest.report import FailedFile, failure_key
from search.ingest.library import empty_trash, library_paths, move_to_trash, remember_paths, safe_filename, trash_items
from search.ingest.upload import UploadRejected, check_kind, likely_version_of, sniff


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"%PDF-1.7\n%\xe2\xe3", "pdf"),
        (b"\n\n  %PDF-1.4", "pdf"),  # junk before the header, as some writers leave
        (b"<!DOCTYPE html><html><head><title>x</title>", "html"),
        (b"\xef\xbb\xbf<html lang=en><body>hi</body>", "html"),
        (b"Emissions trading notes\n\nAllowances...", "text"),
        ("碳排放权交易管理暂行条例".encode(), "text"),
    ],
)
def test_sniff(head, kind):
    assert sniff(head) == kind


@pytest.mark.parametrize(
    "head, why",
    [
        (b"PK\x03\x04rest", "ZIP"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"MZ\x90\x00", "Windows program"),
        (b"text\x00with\x00nuls", "binary"),
        (b"\xff\xfe\xfa\xfb latin junk \xe9\xe8 and more text after it", "not UTF-8"),
        (b"   \n  ", "empty"),
    ],
)
def test_sniff_refuses(head, why):
    with pytest.raises(UploadRejected, match=why):
        sniff(head)


def test_safe_filename():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\Report 2024 (final).PDF") == "Report-2024-final.pdf"
    assert not safe_filename(".hidden").startswith(".")
    assert safe_filename("碳市场.pdf") == "upload.pdf"


def test_likely_version_of():
    infos = [
        {"id": "a", "title": "Carbon Market Report 2023 on the functioning of the European carbon market", "publisher": "European Commission"},
        {"id": "b", "title": "Annual report", "publisher": None},
    ]
    assert likely_version_of({"title": "Carbon Market Report 2024 on the functioning of the European carbon market"}, infos)["id"] == "a"
    assert likely_version_of({"title": "Carbon Market Report 2024 on the functioning of the European carbon market", "publisher": "Someone else"}, infos) is None
    assert likely_version_of({"title": "Annual report 2024"}, infos) is None  # too short to tell
    assert likely_version_of({"title": "Offsets in the Korean emissions trading scheme"}, infos) is None


def test_needs_attention():
    infos = [
        {"id": "x", "path": "/lib/x.pdf", "title": "Some report on allowances", "year": 2020, "jurisdictions": ["EU"], "flags": ["garbage-text"], "sources": {}},
        {"id": "y", "path": "/lib/y.pdf", "title": "Some report on allowances", "year": 2020, "jurisdictions": [], "flags": [], "sources": {"title": "filename"}},
        {"id": "z", "path": "/lib/z.pdf", "title": "Undated", "year": None, "jurisdictions": ["DE"], "flags": [], "sources": {}, "confidence": {"publisher": 0.2}},
    ]
    report = {"failures": [{"path": "/lib/scan.pdf", "code": "scanned", "reason": "no text layer"}, {"path": "/lib/bad.pdf", "code": "broken", "reason": "broken PDF"}],
              "duplicates": [{"path": "/lib/copy.pdf", "of": "/lib/x.pdf"}]}
    failed = [FailedFile(failure_key(f["path"]), f["path"], f["code"], f["reason"], False) for f in report["failures"]]
    failed.append(FailedFile(failure_key("/lib/old.pdf"), "/lib/old.pdf", "encrypted", "a password is required", True))
    att = needs_attention(infos, report, failed)
    assert [i.file for i in att.failed] == ["bad.pdf", "old.pdf"]
    assert [i.file for i in att.scans] == ["scan.pdf"]
    assert [i.doc_id for i in att.garbage] == ["x"]
    assert [i.doc_id for i in att.no_jurisdiction] == ["y"]
    assert [i.doc_id for i in att.no_year] == ["z"]
    assert {i.doc_id: i.why for i in att.low_confidence} == {"y": "guessed: title", "z": "guessed: publisher"}
    assert [i.doc_id for i in att.duplicates] == ["y", "x"]
    assert att.total == 2 + 1 + 1 + 1 + 1 + 2 + 2


def test_library_and_trash(tmp_path):
    root = IndexRoot(tmp_path / "index")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "a.txt").write_text("a")
    remember_paths(root, [str(lib), str(tmp_path / "gone")])
    assert library_paths(root) == [str(lib)]  # what no longer exists is left out
    item = move_to_trash(root, str(lib / "a.txt"), who="alice", info={"id": "a-1", "title": "A", "lens": {}})
    assert not (lib / "a.txt").exists()
    [t] = trash_items(root)
    assert t.original == str(lib / "a.txt") and t.by == "alice" and "lens" not in t.info and t.name == item.name
    assert empty_trash(root, older_than_days=1) == 0
    assert empty_trash(root) == 1 and trash_items(root) == []


def test_markup_before_the_pdf_header_is_no_pdf():
    assert sniff(b"<html><body><script>alert(1)</script>%PDF-1.4") == "html"


@pytest.mark.parametrize(
    "name, head, kind",
    [
        ("report.pdf", b"%PDF-1.7\n", "pdf"),
        ("REPORT.PDF", b"%PDF-1.7\n", "pdf"),
        ("page.htm", b"<!doctype html><html>", "html"),
        ("fragment.html", b"<p>no page markup</p>", "text"),
        ("notes.md", b"# Notes\n\nAllowances", "text"),
        ("notes.txt", b"<!doctype html><html><script>alert(1)</script>", "text"),  # stays text, never a page
        ("no-suffix", b"%PDF-1.4\n", "pdf"),
    ],
)
def test_check_kind(name, head, kind):
    assert check_kind(name, head) == kind


@pytest.mark.parametrize(
    "name, head, why",
    [
        ("report.pdf", b"<html><body>hi</body></html>", r"name says a PDF \(\.pdf\) but it is an HTML page"),
        ("report.pdf", b"Plain text", "name says a PDF"),
        ("paper.html", b"%PDF-1.4\n", r"name says an HTML page \(\.html\) but it is a PDF"),
        ("chart.svg", b"<svg><script>alert(1)</script></svg>", r"\.svg files are not accepted"),
        ("setup.exe", b"MZ\x90\x00", r"\.exe files are not accepted"),
        ("notes.exe", b"plain text", r"\.exe files are not accepted"),
        ("x.pdf", b"\x7fELF\x02", "a program"),
    ],
)
def test_check_kind_refuses(name, head, why):
    with pytest.raises(UploadRejected, match=why):
        check_kind(name, head)


@pytest.mark.parametrize("name", ["report.pdf.", "report.pdf ", "report.pdf. ."])
def test_trailing_dots_and_spaces_do_not_hide_a_suffix(name):
    with pytest.raises(UploadRejected, match=r"name says a PDF \(\.pdf\)"):
        check_kind(name, b"<html><body>x</body></html>")
