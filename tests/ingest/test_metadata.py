"""Applying a catalog entry (apply_entry), for a fresh document (derive) and
for an indexed one (with_entry); when a change needs a reprocess; header
terms analysed in the worker (process_file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from search.ingest.metadata import apply_entry, derive, needs_reprocess, with_entry
from search.ingest.plan import sha256_file
from search.ingest.process import FileTask, header_terms, process_file
from search.model import Extracted

TEXT = (
    "Emissions trading in New Zealand\n\n"
    "The New Zealand Emissions Trading Scheme puts a price on greenhouse gas emissions. "
    "New Zealand units are auctioned and allocated for free to emissions-intensive, "
    "trade-exposed industries. The cap on units declines every year in New Zealand.\n"
)

ENTRY = {
    "title": "Catalogued title",
    "jurisdictions": ["EU ETS", "Kalifornien", "Atlantis"],
    "type": "pamphlet",
    "date": "2019-03-01",
    "publisher": "ICAP",
}


def _derive(entry: dict[str, Any] | None = None, path: str = "/docs/nz-ets.txt"):
    ex = Extracted(kind="text", pages=[TEXT], paged=False)
    return derive(ex, path, sha256="0" * 64, size=len(TEXT), mtime_ns=1, entry=entry)


def test_apply_entry_rules() -> None:
    meta = {"title": "Derived", "year": 2011, "language": "en", "sources": {"title": "text", "year": "filename"}}
    out = apply_entry(meta, ENTRY)
    assert out["jurisdictions"] == ["EU", "US-CA", "Atlantis"]  # resolved; unknown names kept
    assert out["type"] == "other"  # not one of DOC_TYPES
    assert out["year"] == 2019  # from the entry's date, as it has no year
    assert out["title"] == "Catalogued title" and out["language"] == "en"
    assert out["sources"] == dict.fromkeys(ENTRY, "catalog") | {"year": "filename"}
    assert meta["title"] == "Derived"  # the input is not changed
    # A date without a readable year keeps the year there was; an entry's year wins over its date.
    assert apply_entry(meta, {"date": "n.d."})["year"] == 2011
    assert apply_entry(meta, {"date": "2019-03-01", "year": 2018})["year"] == 2018


def test_derive_applies_the_entry_by_the_same_rules() -> None:
    doc = _derive(ENTRY)
    assert doc.title == "Catalogued title" and doc.publisher == "ICAP"
    assert doc.jurisdictions == ["EU", "US-CA", "Atlantis"] and doc.type == "other"
    assert (doc.date, doc.year) == ("2019-03-01", 2019)
    assert {k: doc.sources[k] for k in (*ENTRY, "year")} == dict.fromkeys((*ENTRY, "year"), "catalog")
    # Fields the entry does not give are derived.
    assert doc.sources["language"] == "detected" and doc.language == "en"
    plain = _derive()
    assert plain.jurisdictions == ["NZ"] and plain.sources["jurisdictions"] == "rules"
    assert "catalog" not in plain.sources.values()


def test_a_metadata_update_gives_the_fresh_derivations_catalog_values() -> None:
    fresh = _derive(ENTRY)
    indexed = _derive().metadata()
    updated = with_entry(indexed, ENTRY)
    assert updated.pages == []
    for k in (*ENTRY, "year"):
        assert getattr(updated, k) == getattr(fresh, k), k
    assert (updated.id, updated.path, updated.topics) == (indexed["id"], indexed["path"], indexed["topics"])


@pytest.mark.parametrize(
    "sources, language, entry, expected",
    [
        ({"title": "catalog"}, "en", {"title": "New"}, False),  # a value changed
        ({"title": "catalog"}, "en", {"title": "New", "year": 2020}, False),  # a field added
        ({"title": "catalog", "year": "catalog"}, "en", {"title": "New"}, True),  # a field dropped
        ({"title": "text"}, "en", {"language": "en"}, False),  # the same language
        ({"title": "text"}, "en", {"language": "de"}, True),  # another language
    ],
)
def test_needs_reprocess(sources: dict[str, str], language: str, entry: dict[str, Any], expected: bool) -> None:
    assert needs_reprocess({"sources": sources, "language": language}, entry) is expected


def test_the_worker_analyses_the_header_too(tmp_path: Path) -> None:
    path = tmp_path / "nz-ets.txt"
    path.write_text(TEXT, encoding="utf-8")
    st = path.stat()
    task = FileTask(str(path), sha256_file(str(path)), st.st_size, st.st_mtime_ns, {"publisher": "ICAP"})
    done = process_file(task)
    assert done.terms.pages and done.terms.title and done.terms.meta
    expected = header_terms(done.doc)
    assert (done.terms.title, done.terms.title_exact, done.terms.meta, done.terms.author) == (
        expected.title,
        expected.title_exact,
        expected.meta,
        expected.author,
    )


def test_an_article_heading_on_the_last_line_is_no_description() -> None:
    """A text that ends with "§ 1 Zweck" (an act cut short, a table of
    contents at its end) has no subject-matter paragraph to take; it once
    stopped the file's ingest with IndexError."""
    text = "Verordnung über die Zuteilung\n\nDie Anlage wird wie folgt betrieben und überwacht.\n\n§ 1 Zweck der Verordnung\n"
    ex = Extracted(kind="text", pages=[text], paged=False)
    doc = derive(ex, "/docs/zuv.txt", sha256="0" * 64, size=len(text), mtime_ns=1, entry=None)
    assert doc.title and not (doc.description or "").startswith("§")
