"""Ingesting real documents: coverage, failures, incremental runs, catalogs."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from search.index import IndexBusy, IndexOutdated, IndexRoot, Snapshot
from search.ingest import IngestOptions, ingest, read_report, supported_suffixes
from search.model import SearchRequest
from search.query.searcher import Searcher


def _supported_files(*folders: Path) -> list[Path]:
    out = []
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file() and p.suffix.lower() in supported_suffixes() and not p.name.startswith("."):
                out.append(p)
    return out


def test_every_real_document_is_indexed(shared_corpus, shared_index):
    root, report = shared_index
    files = _supported_files(shared_corpus / "real-ets", shared_corpus / "climate-policy")
    assert report["status"] == "ok"
    assert report["failures"] == []
    snap = Snapshot(root.open())
    try:
        indexed = {info["path"] for info in snap.infos}
        dup_paths = {d["path"] for d in report["duplicates"]}
        assert {str(p.resolve()) for p in files} == indexed | dup_paths
        kinds = {info["kind"] for info in snap.infos}
        assert kinds == {"pdf", "html", "text"}
        # Every PDF keeps its page count (what researchers cite).
        for info in snap.infos:
            if info["kind"] == "pdf":
                assert info["page_count"] == len(pdfium.PdfDocument(info["path"]))
    finally:
        snap.close()


def _page_with(pdf_path: str, phrase: str) -> int:
    doc = pdfium.PdfDocument(pdf_path)
    for i in range(len(doc)):
        text = " ".join(doc[i].get_textpage().get_text_bounded().split())
        if phrase in text:
            return i + 1
    raise AssertionError(f"{phrase!r} not in {pdf_path}")


@pytest.mark.parametrize(
    "pdf, phrase",
    [
        ("real-ets/eu/CELEX_32023L0959_EN_TXT.pdf", "linear reduction factor is being increased"),
        ("real-ets/eu/EC_2024_carbon_market_report_en.pdf", "Balancing supply and demand"),
        ("real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf", "Technology Innovation and Emissions Reduction"),
    ],
)
def test_known_phrase_is_found_on_its_page(shared_corpus, shared_searcher, pdf, phrase):
    path = str((shared_corpus / pdf).resolve())
    page = _page_with(path, phrase)
    # Every version listed: the directive's text file may stand for its work.
    resp = shared_searcher.search(SearchRequest(q=f'"{phrase}"', limit=50, passages=10, all_versions=True))
    hit = next(h for h in resp.hits if h.meta["path"] == path)
    assert page in [p.page for p in hit.passages]
    passage = next(p for p in hit.passages if p.page == page)
    assert any(is_match for _, is_match in passage.segments)


def test_jurisdiction_and_year_filters_narrow(shared_searcher):
    everything = shared_searcher.search(SearchRequest(q="emissions"))
    eu = shared_searcher.search(SearchRequest(q="emissions", filters={"jurisdiction": ["EU"]}))
    assert 0 < eu.total < everything.total
    for meta in shared_searcher.iter_matching(SearchRequest(q="emissions", filters={"jurisdiction": ["EU"]})):
        assert "EU" in meta["jurisdictions"]
    ranged = shared_searcher.search(SearchRequest(q="emissions", year_from=2018, year_to=2022))
    assert 0 < ranged.total < everything.total
    for meta in shared_searcher.iter_matching(SearchRequest(q="emissions", year_from=2018, year_to=2022)):
        assert 2018 <= meta["year"] <= 2022
    both = shared_searcher.search(SearchRequest(q="emissions", filters={"jurisdiction": ["EU"]}, year_from=2018, year_to=2022))
    assert both.total <= min(eu.total, ranged.total)


@pytest.mark.parametrize("q", ["", "carbon price", "allowances", '"free allocation"'])
@pytest.mark.parametrize("every_version", [True, False], ids=["documents", "works"])
def test_facet_counts_are_document_counts(shared_searcher, q, every_version):
    """Facet counts are the matching documents carrying a value, or (by
    default) the works with a matching version carrying it."""
    resp = shared_searcher.search(SearchRequest(q=q, limit=5, all_versions=every_version))
    docs = list(shared_searcher.iter_matching(SearchRequest(q=q, all_versions=True)))
    assert len(list(shared_searcher.iter_matching(SearchRequest(q=q, all_versions=every_version)))) == resp.total

    def count(has) -> int:
        holders = [d for d in docs if has(d)]
        return len(holders) if every_version else len({d["family"] for d in holders})

    assert count(lambda d: True) == resp.total
    if every_version:
        assert sum(v.count for v in resp.facets["type"]) == resp.total
    for facet, key in (("jurisdiction", "jurisdictions"), ("topic", "topics")):
        for v in resp.facets[facet]:
            assert v.count == count(lambda d: v.value in (d[key] or []))
    for facet in ("type", "language", "publisher"):
        for v in resp.facets[facet]:
            assert v.count == count(lambda d: d[facet] == v.value)
    for v in resp.facets["year"]:
        assert v.count == count(lambda d: str(d["year"]) == v.value)


def test_hostile_pdfs_are_reported_and_the_rest_indexed(shared_corpus, tmp_path):
    folder = shared_corpus / "hostile-pdfs"
    files = _supported_files(folder)
    root = IndexRoot(tmp_path / "ix")
    report = ingest([str(folder)], root, IngestOptions(jobs=2, timeout=20, memory_mb=2048))
    assert report["status"] == "ok"
    failed = {f["path"] for f in report["failures"]}
    for f in report["failures"]:
        assert f["code"] and f["reason"] and "\n" not in f["reason"]
        if f["code"] == "timeout":  # the per-file bound given to the workers held
            assert f["reason"] == "timed out after 20 s"
    codes = {f["code"] for f in report["failures"]}
    assert {"encrypted", "scanned", "broken"} <= codes
    snap = Snapshot(root.open())
    try:
        indexed = {info["path"] for info in snap.infos}
        dups = {d["path"] for d in report["duplicates"]}
        assert indexed | failed | dups == {str(p.resolve()) for p in files}
        assert not indexed & failed
        assert len(indexed) >= 30
    finally:
        snap.close()
    with Searcher(root) as s:
        assert s.search(SearchRequest(q="tracemonkey")).total >= 1
    assert read_report(root)["counts"]["failed"] == len(failed)


def _small_corpus(shared_corpus: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    nz = sorted((shared_corpus / "real-ets/news-html/nz").glob("*.html"))[:6]
    for p in nz + [shared_corpus / "real-ets/news/CLEW_Understanding_the_EU_ETS_2024-05-23.txt",
                   shared_corpus / "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf"]:
        shutil.copy2(p, dest / p.name)
    return dest


def test_reingest_processes_only_what_changed(shared_corpus, tmp_path):
    corpus = _small_corpus(shared_corpus, tmp_path / "corpus")
    root = IndexRoot(tmp_path / "ix")
    first = ingest([str(corpus)], root, IngestOptions(jobs=2))
    n = first["counts"]["new"]
    assert n == 8 and first["counts"]["failed"] == 0

    events = []
    again = ingest([str(corpus)], root, IngestOptions(jobs=2), on_event=lambda k, d: events.append((k, d)))
    assert again["counts"]["unchanged"] == n
    assert again["counts"]["new"] == again["counts"]["updated"] == again["counts"]["removed"] == 0
    assert ("plan", {"tasks": 0, "removed": 0, "metadata": 0}) in events  # nothing re-extracted

    files = sorted(corpus.glob("*.html"))
    changed, deleted = next(corpus.glob("*.txt")), files[1]
    with open(changed, "a", encoding="utf-8") as f:
        f.write("\n\nPostscript about the market stability reserve and zanzibarite.\n")
    deleted.unlink()
    shutil.copy2(shared_corpus / "real-ets/news-html/nz" / sorted(os.listdir(shared_corpus / "real-ets/news-html/nz"))[10], corpus)
    touched = files[2]
    os.utime(touched, ns=(time.time_ns(), time.time_ns()))

    third = ingest([str(corpus)], root, IngestOptions(jobs=2))
    c = third["counts"]
    assert (c["new"], c["updated"], c["removed"], c["metadata"]) == (1, 1, 1, 1)
    assert c["unchanged"] == n - 3
    with Searcher(root) as s:
        assert s.search(SearchRequest(q="zanzibarite")).total == 1
        assert s.stats()["documents"] == n


def test_catalog_metadata_wins_and_edits_are_metadata_only(shared_corpus, tmp_path):
    corpus = _small_corpus(shared_corpus, tmp_path / "corpus")
    target = sorted(corpus.glob("*.html"))[0]
    root = IndexRoot(tmp_path / "ix")
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    (corpus / "catalog.yaml").write_text(
        f"documents:\n  - path: {target.name}\n    title: Catalogued Kiwi Carbon Release\n    jurisdictions: [NZ, AU]\n    type: report\n    year: 1999\n",
        encoding="utf-8",
    )
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert report["counts"]["metadata"] == 1 and report["counts"]["new"] == 0
    with Searcher(root) as s:
        resp = s.search(SearchRequest(q="title:catalogued"))
        assert resp.total == 1
        meta = resp.hits[0].meta
        assert meta["title"] == "Catalogued Kiwi Carbon Release"
        assert meta["jurisdictions"] == ["NZ", "AU"] and meta["type"] == "report" and meta["year"] == 1999
        assert s.document(resp.hits[0].id)["sources"]["title"] == "catalog"
        # Removing the entry brings the derived metadata back (the searcher
        # picks up the new generation by itself).
        (corpus / "catalog.yaml").write_text("documents: []\n", encoding="utf-8")
        ingest([str(corpus)], root, IngestOptions(jobs=2))
        assert s.search(SearchRequest(q="title:catalogued")).total == 0


def test_a_second_writer_is_refused(tmp_path, shared_corpus):
    corpus = _small_corpus(shared_corpus, tmp_path / "corpus")
    root = IndexRoot(tmp_path / "ix")
    with root.lock():
        with pytest.raises(IndexBusy, match="another process"):
            ingest([str(corpus)], root, IngestOptions(jobs=1))


def test_an_index_of_another_schema_is_rebuilt_not_misread(tmp_path, shared_corpus):
    corpus = _small_corpus(shared_corpus, tmp_path / "corpus")
    root = IndexRoot(tmp_path / "ix")
    ingest([str(corpus)], root, IngestOptions(jobs=2))
    store = root.open()
    (store.path / "etslib.json").write_text('{"schema_version": 1}', encoding="utf-8")
    with pytest.raises(IndexOutdated, match="rebuild"), Searcher(root) as s:
        s.search(SearchRequest(q="ets"))
    report = ingest([str(corpus)], root, IngestOptions(jobs=2))
    assert any("rebuilding" in n for n in report["notes"])
    assert report["counts"]["new"] == 8
    with Searcher(root) as s:
        assert s.search(SearchRequest(q="emissions")).total > 0
    assert len(list(root.root.glob("store-*"))) == 1


def test_a_failed_file_is_not_extracted_again_until_it_changes(shared_corpus, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    broken = corpus / "broken.pdf"
    shutil.copy2(shared_corpus / "hostile-pdfs/encrypted/pypdf__r4-aes-user-password.pdf", broken)
    shutil.copy2(shared_corpus / "real-ets/news/CLEW_Understanding_the_EU_ETS_2024-05-23.txt", corpus)
    root = IndexRoot(tmp_path / "ix")
    first = ingest([str(corpus)], root, IngestOptions(jobs=1))
    assert first["counts"]["failed"] == 1 and first["failures"][0]["code"] == "encrypted"
    events = []
    again = ingest([str(corpus)], root, IngestOptions(jobs=1), on_event=lambda k, d: events.append((k, d)))
    assert again["counts"]["failed"] == 1 and again["failures"][0]["remembered"]
    assert ("plan", {"tasks": 0, "removed": 0, "metadata": 0}) in events
    retried = ingest([str(corpus)], root, IngestOptions(jobs=1, retry_failed=True))
    assert not retried["failures"][0].get("remembered")
    shutil.copy2(shared_corpus / "hostile-pdfs/control/pdfjs__tracemonkey.pdf", broken)  # fixed by staff
    fixed = ingest([str(corpus)], root, IngestOptions(jobs=1))
    assert fixed["counts"]["failed"] == 0 and fixed["counts"]["new"] == 1


def test_parsed_catalogs_are_cached_by_content(tmp_path):
    """A re-ingest reuses the parsed catalog only while its bytes are the same."""
    from search.ingest.catalog import load_catalog

    docs, cache = tmp_path / "docs", tmp_path / "ix" / "catalogcache"
    docs.mkdir()
    cat = docs / "catalog.yaml"
    versions = ["documents:\n  - path: a.pdf\n    title: First\n", "documents:\n  - path: a.pdf\n    title: Second\n"]
    for text in versions + versions[:1]:
        cat.write_text(text, encoding="utf-8")
        for _ in range(2):  # parsed, then from the cache
            assert load_catalog([docs], cache_dir=cache).lookup(os.path.normpath(str(docs / "a.pdf")), None)["title"] == text.split("title: ")[1].strip()
    assert len(list(cache.glob("*.json"))) == 2  # data, not pickles (see test_catalog_checks)
    for p in cache.glob("*.json"):  # a damaged cache file is parsed again
        p.write_bytes(b"not json")
    assert load_catalog([docs], cache_dir=cache).lookup(os.path.normpath(str(docs / "a.pdf")), None)["title"] == "First"
