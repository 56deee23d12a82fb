"""What a snapshot keeps of the documents' stored metadata."""

from __future__ import annotations

import pytest

from search.index import IndexRoot, Snapshot, indexed_infos
from search.index.snapshot import ROW_KEYS


def test_lean_and_dropped_keys_are_read_on_demand(index_dir):
    store = IndexRoot(index_dir).open()
    full = Snapshot(store, terms=False)
    lean = Snapshot(store, lean=True)
    some = Snapshot(store, terms=False, drop=("section_marks",))
    try:
        assert full.n_docs == lean.n_docs == some.n_docs > 3
        unpaged = [row for row, info in enumerate(full.infos) if info.get("section_marks")]
        assert unpaged, "the sample corpus has unpaged documents with sections"
        for row in range(full.n_docs):
            assert set(lean.infos[row]) <= ROW_KEYS
            assert {k: v for k, v in full.infos[row].items() if k in ROW_KEYS} == lean.infos[row]
            assert "section_marks" not in some.infos[row] and "minhash" in some.infos[row]
            # The dropped keys are read from the index when wanted.
            assert lean.full_info(row) == some.full_info(row) == full.infos[row]
        row = unpaged[0]
        assert lean.full_info(row)["section_marks"] == full.infos[row]["section_marks"]
        # A reader asking a lean row for more than it keeps is told, not
        # handed a silent None.
        with pytest.raises(KeyError, match="full_info"):
            lean.infos[row].get("path")
    finally:
        for s in (full, lean, some):
            s.close()


def test_metadata_keys_and_short_values_are_shared(index_dir):
    """Every header's dict once had its own copy of each key and of values
    repeated across documents: half of a 1M-page snapshot's metadata."""
    snap = Snapshot(IndexRoot(index_dir).open(), lean=True)
    try:
        a, b = snap.infos[0], snap.infos[1]
        key_a = next(k for k in a if k == "title")
        key_b = next(k for k in b if k == "title")
        assert key_a is key_b
        assert a["kind"] is b["kind"] or a["kind"] != b["kind"]
        same_lang = [i for i in snap.infos if i.get("language") == a.get("language")]
        assert len({id(i["language"]) for i in same_lang}) == 1
    finally:
        snap.close()


def test_indexed_infos_reads_the_stored_metadata(index_dir):
    store = IndexRoot(index_dir).open()
    snap = Snapshot(store, terms=False)
    try:
        assert indexed_infos(store) == snap.infos
    finally:
        snap.close()


def test_positions_within_reads_only_the_blocks_near_the_records(tmp_path, monkeypatch):
    """Proximity wants a word's positions on the pages of a few documents:
    only the posting blocks that may hold those pages are decoded, and what
    they hold equals the whole table's."""
    import numpy as np

    from search.index import bulk
    from tests.conftest import CORPUS, build_index

    monkeypatch.setattr(bulk, "BLOCK", 8)  # many blocks from a small corpus
    build_index([CORPUS], tmp_path / "ix")
    snap = Snapshot(IndexRoot(tmp_path / "ix").open(), lean=True)
    try:
        whole = snap.positions("exact", "emissions")
        assert len(whole) > 64, "a word on many pages of the sample corpus"
        snap.clear_cache()
        picks = [whole.ids[:3], whole.ids[len(whole) // 2 : len(whole) // 2 + 2], whole.ids[-1:]]
        records = np.concatenate(picks + [np.array([whole.ids[-1] + 1], dtype=whole.ids.dtype)])  # one without the word
        part = snap.positions_within("exact", "emissions", records)
        assert len(part) < len(whole) // 2  # the other blocks were skipped
        assert set(records[:-1].tolist()) <= set(part.ids.tolist()) <= set(whole.ids.tolist())
        idx_whole = np.searchsorted(whole.ids, part.ids)
        owner_p, pos_p = part.decode(np.arange(len(part)))
        owner_w, pos_w = whole.decode(idx_whole)
        assert np.array_equal(owner_p, owner_w) and np.array_equal(pos_p, pos_w)
        # Once the whole table is cached, it is what is returned.
        cached = snap.positions("exact", "emissions")
        assert snap.positions_within("exact", "emissions", records) is cached
    finally:
        snap.close()


def test_a_posting_list_read_a_window_at_a_time_decodes_as_read_whole(tmp_path, monkeypatch):
    """Posting lists are read from their file a window at a time (a common
    word's list with positions is tens of MB at 1,000,000 pages): with
    windows smaller than a block, every block is read across windows, and
    the postings and positions equal those of the list read whole."""
    import numpy as np

    from search.index import bulk, whoosh_format
    from search.index.whoosh_format import PostingSource, decode_blocks, posting_extent
    from tests.conftest import CORPUS, build_index

    monkeypatch.setattr(bulk, "BLOCK", 8)  # many blocks from a small corpus
    build_index([CORPUS], tmp_path / "ix")
    snap = Snapshot(IndexRoot(tmp_path / "ix").open(), lean=True)
    try:
        lookup, _ = snap._lookups[0]
        ti = lookup.term_info("exact", b"emissions")
        start, length = posting_extent(ti)
        raw = lookup.posting_bytes(start, length)
        whole = list(decode_blocks(raw, True))
        assert len(whole) > 8
        for window in (16, 100, 4096):
            monkeypatch.setattr(whoosh_format, "READ_WINDOW", window)
            reads = []

            def read(a: int, n: int) -> bytes:
                reads.append(n)
                return lookup.posting_bytes(start + a, n)

            parts = list(decode_blocks(PostingSource(read, length), True))
            assert len(parts) == len(whole) and len(reads) > 1
            assert max(reads) < length  # never the whole list at once
            for (ids, w, vals), (ids2, w2, vals2) in zip(whole, parts):
                assert np.array_equal(ids, ids2) and np.array_equal(w, w2)
                assert bytes(vals.blob) == bytes(vals2.blob) and bytes(vals.ends) == bytes(vals2.ends)
        # A list cut short is reported, not read past.
        cut = PostingSource(lambda a, n: raw[a : min(a + n, length - 10)], length)
        with pytest.raises(ValueError):
            list(decode_blocks(cut, True))
    finally:
        snap.close()


def test_field_lengths_and_navigation_pages_become_arrays_not_row_keys(corpus_index):
    """Every document's field lengths and navigation pages are read once
    into arrays over rows and records; a serving snapshot's rows do not
    keep them (7 MB at 1,000,000 pages)."""
    import numpy as np

    root, _ = corpus_index
    store = root.open()
    full = {info["id"]: info for info in indexed_infos(store)}
    with Snapshot(store, lean=True) as snap:
        assert not {"lens", "nav_pages"} & ROW_KEYS
        listed = 0
        for row, info in enumerate(snap.infos):
            assert "lens" not in dict(info) and "nav_pages" not in dict(info)
            stored = full[info["id"]]
            assert snap.doc_title_len[row] == stored["lens"]["title"]
            assert snap.doc_meta_len[row] == stored["lens"]["meta"]
            recs = np.flatnonzero(snap.page_doc == row)
            nav = set(stored.get("nav_pages") or [])
            marked = set() if snap.page_nav is None else set(snap.page_num[recs[snap.page_nav[recs]]].tolist())
            assert marked == nav & set(snap.page_num[recs].tolist()), info["id"]
            listed += len(nav)
        assert listed > 0 or snap.page_nav is None
