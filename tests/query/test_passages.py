"""Passages are plain segments; the JSON contract renders their ``<mark>``
HTML exactly as the engine once did itself."""

from __future__ import annotations

import pytest

from search.model import Passage
from search.query import passage_html, passage_json
from search.query.passages import make_passage
from search.text import analysis

PAGE = "Allowances & <b>caps</b>: \"the allowance\" isn't free; &amp; stays text. <mark>x</mark> " * 3


def _passage(**kw) -> Passage:
    stems = set(analysis.stem_variants("allowance", ["en"]))
    return make_passage(PAGE, 4, "en", stems, {"allowance"}, **kw)


def test_a_passage_carries_text_segments_and_no_markup():
    p = _passage(label="iv")
    assert not hasattr(p, "text")
    assert p.segments[:3] == [("Allowances", True), (' & <b>caps</b>: "the ', False), ("allowance", True)]
    # The page's own text comes through as it is, markup-like bits included.
    text = "".join(s for s, _ in p.segments)
    assert "<mark>x</mark>" in text and text.removesuffix(" …").strip() in PAGE
    assert (p.page, p.label) == (4, "iv")


@pytest.mark.parametrize(
    "segments, html",
    [
        ([], ""),
        ([("plain", False)], "plain"),
        (
            [("… ", False), ("Allowances", True), (' & <b>caps</b>: "the ', False), ("allowance", True), ("\" isn't", False), (" …", False)],
            "… <mark>Allowances</mark> &amp; &lt;b&gt;caps&lt;/b&gt;: &quot;the <mark>allowance</mark>&quot; isn&#x27;t …",
        ),
        ([("<mark>", False), ("&amp;", True)], "&lt;mark&gt;<mark>&amp;amp;</mark>"),
        ([("排放权", True), ("交易", False)], "<mark>排放权</mark>交易"),
    ],
)
def test_passage_html_escapes_and_marks(segments, html):
    assert passage_html(segments) == html


def test_passage_json_is_the_contract_shape():
    p = _passage(label="iv")
    assert passage_json(p) == {"page": 4, "text": passage_html(p.segments), "label": "iv"}
    assert passage_json(_passage()) == {"page": 4, "text": passage_html(p.segments)}
    assert passage_json(p)["text"].startswith(
        "<mark>Allowances</mark> &amp; &lt;b&gt;caps&lt;/b&gt;: &quot;the <mark>allowance</mark>&quot; isn&#x27;t free; "
        "&amp;amp; stays text. &lt;mark&gt;x&lt;/mark&gt; <mark>Allowances</mark>"
    )


def test_an_unpaged_law_labels_its_passages_with_the_paragraph_they_stand_in(index_dir):
    """The BEHG (markdown, unpaged) puts its fixed price in § 10 and its
    penalty for missed surrenders, twice the fixed price, in § 21: each
    passage is labelled with the heading above the words it shows."""
    from search.model import SearchRequest
    from search.query.searcher import Searcher

    with Searcher(index_dir) as s:
        hits = s.search(SearchRequest(q="Festpreis", limit=20, passages=3)).hits
    behg = next(h for h in hits if "Brennstoffemissionen" in h.meta["title"] and "Zertifikatehandel" in h.meta["title"])
    labels = [p.label for p in behg.passages]
    assert labels[0] == "§ 10"
    assert "§ 21" in labels
    assert all(lab and lab.startswith(("§", "Anlage")) for lab in labels)
