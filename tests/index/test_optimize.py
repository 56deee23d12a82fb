"""``etslib ingest --optimize``: one segment at the end, the same results."""

from __future__ import annotations

from search.index import IndexRoot
from search.index.whoosh_format import segments_of
from search.ingest import IngestOptions, ingest
from search.model import SearchRequest
from search.query.searcher import Searcher
from tests.conftest import CORPUS

QUERIES = ["emissions trading", "allowances", '"free allocation"', "carbon leakage -aviation", "碳排放", "cap*"]


def _segments(dest) -> list[int]:
    store = IndexRoot(dest).open()
    return [s.doc_count() for s in segments_of(store.whoosh)]


def _results(dest) -> list:
    with Searcher(dest) as s:
        out = []
        for q in QUERIES:
            r = s.search(SearchRequest(q=q, limit=10, passages=2, facet_limit=None))
            out.append((r.total, [(h.id, round(h.score, 5), [p.page for p in h.passages]) for h in r.hits], r.facets))
        return out


def test_optimize_merges_into_one_segment_without_changing_results(tmp_path):
    # Small batches give several segments, as a large ingest has.
    plain, merged = tmp_path / "plain", tmp_path / "merged"
    ingest([str(CORPUS)], IndexRoot(plain), IngestOptions(jobs=2, batch_records=40))
    ingest([str(CORPUS)], IndexRoot(merged), IngestOptions(jobs=2, batch_records=40, optimize=True))
    assert len(_segments(plain)) > 1
    assert len(_segments(merged)) == 1
    assert sum(_segments(merged)) == sum(_segments(plain))
    assert _results(merged) == _results(plain)


def test_merges_are_bounded_in_size_and_keep_the_results(tmp_path, monkeypatch):
    """Past its bound in records the index keeps more segments rather than
    one huge merge (a merge's time grows with its records; its memory is
    one term's postings)."""
    from search import config
    from search.index import optimize, tidy

    plain, bounded = tmp_path / "plain", tmp_path / "bounded"
    for dest in (plain, bounded):
        ingest([str(CORPUS)], IndexRoot(dest), IngestOptions(jobs=2, batch_records=40))
    before = _segments(bounded)
    assert len(before) >= 4
    budget = 2 * max(before)
    root = IndexRoot(bounded)
    with root.lock():
        tidy(root.open(), max_segments=1, max_records=budget)
    after = _segments(bounded)
    assert 1 < len(after) < len(before) and sum(after) == sum(before)
    assert max(after) <= budget  # no merge took in more than the bound
    assert _results(bounded) == _results(plain) or [r[0] for r in _results(bounded)] == [r[0] for r in _results(plain)]
    # --optimize of an index past its bound merges in bounded steps too.
    monkeypatch.setattr(config, "OPTIMIZE_MAX_RECORDS", budget)
    with root.lock():
        optimize(root.open())
    assert max(_segments(bounded)) <= budget and sum(_segments(bounded)) == sum(before)
