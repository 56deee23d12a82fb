"""A news item without a stated publisher is grouped by the source its file name gives."""

from __future__ import annotations

import pytest

from search.ingest.metadata import _source_from_filename, derive
from search.model import Extracted


@pytest.mark.parametrize(
    "name, source",
    [
        ("2016-05-12_motu_re-activating-the-nz-ets.html", "Motu"),
        ("2009-11-19_new-zealand-labour-party_maori-families-hit-by-ets.html", "New Zealand Labour Party"),
        ("2011-05-17_te-pati-maori_indigenous-rights.html", "Te Pati Maori"),
        ("2020-01-01_institute-for-climate-economics_note.html", "Institute for Climate Economics"),
        ("CLEW_Understanding_the_EU_ETS_2024-05-23.txt", None),  # not date_source_title
        ("2024-05-23_report.pdf", None),
    ],
)
def test_source_from_filename(name, source):
    assert _source_from_filename(f"/corpus/news/{name}") == source


def test_news_without_publisher_gets_its_source():
    ex = Extracted(kind="html", pages=["Press release. The emissions trading scheme will change, the party said today. " * 20], paged=False, title="Party wants ETS delayed")
    doc = derive(ex, "/c/news/2010-05-04_act-new-zealand_call-to-delay-ets.html", sha256="0" * 64, size=1, mtime_ns=1, entry={"type": "news"})
    assert doc.publisher == "Act New Zealand" and doc.sources["publisher"] == "filename"
    doc = derive(ex, "/c/news/2010-05-04_act-new-zealand_call-to-delay-ets.html", sha256="0" * 64, size=1, mtime_ns=1, entry={"type": "report"})
    assert doc.publisher is None  # only news items are named after their source
