"""The main ingest process stays bounded (issue 14, defect 4): text and
HTML files too large to be documents are refused before they are read, a
document with too much text is refused in its worker, and commits come by
the text waiting as well as by the page count."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from search import config
from search.ingest.process import refuse_large_file, refuse_large_text
from search.model import Extracted, ExtractionError
from tests.support.cli import ROOT

MEASURE = textwrap.dedent(
    """
    import json, sys
    from search.index import IndexRoot
    from search.ingest import IngestOptions, ingest

    def peak_mb():
        # VmHWM is this process's own peak: ru_maxrss would carry over the
        # pytest process's size through fork and exec (Linux keeps it).
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024

    if __name__ == "__main__":
        r = ingest([sys.argv[1]], IndexRoot(sys.argv[2]), IngestOptions(jobs=2))
        print(json.dumps({"failures": r["failures"], "counts": r["counts"],
                          "maxrss_mb": peak_mb()}))
    """
)


def test_huge_text_and_html_files_are_refused_with_a_reason_in_bounded_memory(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    with open(docs / "huge.txt", "wb") as f:  # 60 MB took 4.4 GB and 186 s in the main process
        f.write(b"carbon allowances auction " * 40)
        f.truncate(60 << 20)
    with open(docs / "nested.html", "wb") as f:  # 100 MB of nested markup
        f.write(b"<html><body>" + b"<div><p>carbon " * 1000)
        f.truncate(100 << 20)
    (docs / "ok.txt").write_text("Carbon market notes.\n\nAllowances are auctioned.\n")
    script = tmp_path / "measure.py"
    script.write_text(MEASURE)
    out = subprocess.run([sys.executable, str(script), str(docs), str(tmp_path / "ix")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout.strip().splitlines()[-1])
    codes = {f["path"].rsplit("/", 1)[-1]: (f["code"], f["reason"]) for f in r["failures"]}
    assert codes["huge.txt"][0] == "too-large" and "60 MB" in codes["huge.txt"][1]
    assert codes["nested.html"][0] == "too-large"
    assert r["counts"]["new"] == 1
    assert r["maxrss_mb"] < 400, r["maxrss_mb"]


def test_refusals():
    refuse_large_file("/x/a.pdf", 10 * config.MAX_MARKUP_BYTES)  # PDFs are bounded by their pages
    with pytest.raises(ExtractionError, match="at most"):
        refuse_large_file("/x/a.md", config.MAX_MARKUP_BYTES + 1)
    big = Extracted(kind="text", pages=["x" * (config.MAX_DOCUMENT_CHARS // 2 + 1)] * 2)
    with pytest.raises(ExtractionError, match="characters of text") as e:
        refuse_large_text(big, 5000)
    assert e.value.code == "too-large"
    with pytest.raises(ExtractionError, match="pages or sections"):
        refuse_large_text(Extracted(kind="text", pages=["x"] * 11), 10)
    refuse_large_text(Extracted(kind="text", pages=["x"] * 10), 10)


def test_commits_come_by_the_text_waiting(tmp_path):
    """A few huge pages must not pile up: the writer counts their text."""
    from search.index import DocWriter, IndexRoot
    from search.ingest.metadata import derive
    from search.ingest.process import header_terms, page_terms
    from search.model import IndexTerms

    root = IndexRoot(tmp_path / "ix")
    store = root.create()
    root.publish(store)
    w = DocWriter(store)
    pages = ["allowances " * 5000, "auction " * 5000]
    ex = Extracted(kind="text", pages=pages)
    doc = derive(ex, str(tmp_path / "a.txt"), sha256="0" * 64, size=1, mtime_ns=1)
    w.add(doc, header_terms(doc, IndexTerms(pages=page_terms(pages, "en"))), 0)
    assert w.pending == 3 and w.pending_chars == sum(map(len, pages))
    assert w.pending_postings == 2 + 2  # one stem and one exact word a page
    w.commit()
    assert w.pending_chars == w.pending_postings == 0
