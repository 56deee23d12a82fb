"""The fast posting reader against Whoosh's own matchers.

search/index/snapshot.py reads whoosh-reloaded 2.7.5's on-disk posting
format directly. These tests build a real index in several commits (so
several segments, with deletions and a merge) from real legal texts and
check every read against what Whoosh's public API returns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.text import analysis
from search.index import DocWriter, IndexRoot, Snapshot, encode_page, tidy
from search.index.positions import decode_many, decode_positions, encode_positions
from search.model import Document, IndexTerms

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted((ROOT / "corpus").glob("*/*.txt")) + sorted((ROOT / "corpus").glob("*/*.md"))


def _pages(text: str, size: int = 2500) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _doc(i: int, path: Path, lang: str) -> tuple[Document, IndexTerms]:
    pages = _pages(path.read_text("utf-8"))
    doc = Document(
        id=f"doc{i}", path=str(path), sha256=f"{i:064x}", size=1, mtime_ns=0, kind="text",
        title=path.stem.replace("_", " "), pages=pages, language=lang,
    )
    t, tx = analysis.analyze(doc.title, lang)
    terms = IndexTerms(title=t, title_exact=tx, meta=["eu"], author=[], pages=[])
    for n, page in enumerate(pages, 1):
        s, e = analysis.analyze(page, lang)
        terms.pages.append(encode_page(n, s, e))
    return doc, terms


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    root = IndexRoot(tmp_path_factory.mktemp("fmt"))
    store = root.create()
    root.publish(store)
    with root.lock():
        w = DocWriter(store)
        for i, path in enumerate(TEXTS):
            lang = "zh" if "cn" in path.parts else "de" if "de" in path.parts else "en"
            doc, terms = _doc(i, path, lang)
            w.add(doc, terms, dn=i)
            w.commit()  # one segment per document
        w.delete("doc1")
        w.delete("doc3")
        w.commit()
        # The bulk merge rewrites the smallest segments into one.
        tidy(store, max_segments=4)
    assert len(store.whoosh._segments()) == 4
    snap = Snapshot(root.open())
    yield snap
    snap.close()


def _whoosh_postings(snap: Snapshot, field: str, term: str):
    r = snap.reader
    ids, weights, poses = [], [], []
    if (field, term) not in r:
        return ids, weights, poses
    m = r.postings(field, term)
    positional = field in ("exact", "title_x")
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if positional:
            poses.append(m.value_as("positions"))
        m.next()
    return ids, weights, poses


def _sample_terms(snap: Snapshot, field: str, k: int = 150) -> list[str]:
    terms = [t.decode("utf-8") if isinstance(t, bytes) else t for t in snap.reader.lexicon(field)]
    rng = np.random.default_rng(7)
    picked = rng.choice(len(terms), size=min(k, len(terms)), replace=False)
    # the most frequent terms too: many blocks per posting list
    common = sorted(terms, key=lambda t: -snap.reader.doc_frequency(field, t))[:20]
    return sorted(set([terms[i] for i in picked] + common))


@pytest.mark.parametrize("field", ["content", "exact", "title", "title_x", "meta"])
def test_postings_match_whoosh(snapshot, field):
    for term in _sample_terms(snapshot, field):
        ids, weights, _ = _whoosh_postings(snapshot, field, term)
        fast = snapshot.postings(field, term)
        # Whoosh's leaf matchers skip deleted records only through the searcher.
        live = [(i, w) for i, w in zip(ids, weights) if snapshot.live[i]]
        assert fast.ids.tolist() == [i for i, _ in live], (field, term)
        assert fast.tf.tolist() == pytest.approx([w for _, w in live]), (field, term)


def test_term_lookups_match_whoosh(snapshot):
    """Every (field, term) of every segment, and terms a segment lacks, read
    through os.pread give Whoosh's own term info."""
    from whoosh.reading import TermNotFound

    from search.index.lookup import SegmentTerms
    from search.index.snapshot import SMALL_FIELDS

    checked = 0
    for seg, _ in snapshot._leaves:
        # pread lookups, then the same with the small fields held in memory
        for fast in (SegmentTerms(seg), SegmentTerms(seg, SMALL_FIELDS)):
            assert fast._fd is not None  # the pread path, not the fallback
            keys = [key for key, _ in seg._terms.items()]
            absent = [(f, t + b"\xff") for f, t in keys[::7]] + [("nofield", b"x"), ("exact", b"")]
            for field, tbytes in keys + absent:
                try:
                    want = seg._terms.term_info(field, tbytes)
                except TermNotFound:
                    want = None
                got = fast.term_info(field, tbytes)
                if want is None:
                    assert got is None, (field, tbytes)
                    continue
                assert (got.doc_frequency(), got.weight(), got.is_inlined()) == (want.doc_frequency(), want.weight(), want.is_inlined())
                if want.is_inlined():
                    assert got.inlined_postings() == want.inlined_postings()
                else:
                    assert got.extent() == want.extent()
                    offset, length = want.extent()
                    length = length[0] if isinstance(length, tuple) else length
                    assert fast.posting_bytes(offset, length) == seg._terms._postfile.get(offset, length)
                checked += 1
    assert checked > 10000


@pytest.mark.parametrize("field", ["exact", "content"])
def test_similar_terms_match_whoosh_terms_within(snapshot, field):
    """"Did you mean" candidates: one automaton and pread lookups give what
    Whoosh's terms_within finds segment by segment."""
    words = _sample_terms(snapshot, field, 40)
    typos = [w[:-1] + "q" for w in words if len(w) > 3] + [w[1:] for w in words if len(w) > 4] + ["allowancs", "zzzzzz"]
    for word in typos:
        for maxdist, prefix in [(1, 1), (2, 2)]:
            want: dict[str, int] = {}
            for seg, _ in snapshot._leaves:
                for t in seg.terms_within(field, word, maxdist, prefix=min(prefix, len(word) - 1)):
                    want[t] = want.get(t, 0) + seg.doc_frequency(field, t)
            assert snapshot.similar_terms(field, word, maxdist, prefix) == sorted(want.items(), key=lambda kv: (-kv[1], kv[0])), word


@pytest.mark.parametrize("field", ["exact", "title_x"])
def test_positions_match_whoosh(snapshot, field):
    for term in _sample_terms(snapshot, field, 60):
        ids, _, poses = _whoosh_postings(snapshot, field, term)
        table = snapshot.positions(field, term)
        expect = {i: p for i, p in zip(ids, poses) if snapshot.live[i]}
        assert table.ids.tolist() == sorted(expect)
        owner, pos = table.decode(np.arange(len(table)))
        for j, rec in enumerate(table.ids.tolist()):
            assert pos[owner == j].tolist() == expect[rec]


def test_columns_match_stored_fields(snapshot):
    r = snapshot.reader
    assert snapshot.n_docs == len(TEXTS) - 2
    for rec in range(snapshot.n_records):
        if not snapshot.live[rec]:
            continue
        key = r.stored_fields(rec)["key"]
        if key.startswith("d:"):
            assert snapshot.page_doc[rec] == -1
            row = snapshot.record_row[rec]
            assert snapshot.infos[row]["id"] == key[2:]
        else:
            _, doc_id, page = key.split(":")
            assert snapshot.infos[snapshot.page_doc[rec]]["id"] == doc_id
            assert snapshot.page_num[rec] == int(page)
    ids = [info["id"] for info in snapshot.infos]
    assert "doc1" not in ids and "doc3" not in ids


def test_whoosh_searches_the_bulk_written_segments(snapshot):
    from whoosh import query

    with snapshot.ix.searcher() as s:
        for term in ["emission", "allow", "verif"]:
            hits = s.search(query.Term("content", term), limit=None)
            assert sorted(h.docnum for h in hits) == snapshot.postings("content", term).ids.tolist()
            assert all(h.score > 0 for h in hits)
        phrase = s.search(query.Phrase("exact", ["greenhouse", "gas"]), limit=None)
        assert len(phrase) > 0
        headers = s.search(query.Prefix("key", "d:"), limit=None)
        assert len(headers) == snapshot.n_docs


def test_whoosh_can_merge_the_segments_too(snapshot, tmp_path):
    """Whoosh's own optimize reads the bulk-written and bulk-merged segments."""
    import shutil

    from whoosh.filedb.filestore import FileStorage

    copy = tmp_path / "copy"
    shutil.copytree(snapshot.store.path, copy)
    ix = FileStorage(str(copy)).open_index()
    ix.writer().commit(optimize=True)
    with ix.searcher() as s:
        r = s.reader()
        for term in ["emission", "allow", "verif"]:
            assert r.doc_frequency("content", term) == len(snapshot.postings("content", term))


def test_content_lengths_are_term_counts(snapshot):
    r = snapshot.reader
    for rec in np.flatnonzero(snapshot.page_doc >= 0)[:50]:
        # Whoosh keeps lengths lossy in a byte; ours are exact and agree with it.
        assert abs(r.doc_field_length(int(rec), "content") - snapshot.page_len[rec]) <= max(2, 0.1 * snapshot.page_len[rec])


@pytest.mark.parametrize("positions", [[0], [3, 7, 8], list(range(0, 200000, 50000)), [65535, 65536 + 70000]])
def test_position_encoding_roundtrip(positions):
    assert decode_positions(encode_positions(positions)).tolist() == positions


def test_decode_many_equals_one_by_one():
    lists = [[0], [3, 7, 8], [1, 2, 70000, 70001], list(range(5, 500, 7)), [65535, 65536 + 70000], [9]]
    for chosen in (lists, [l for l in lists if max(l) < 65536]):
        values = [encode_positions(p) for p in chosen]
        owner, pos = decode_many(values)
        assert [pos[owner == i].tolist() for i in range(len(chosen))] == chosen


def test_only_the_index_package_imports_whoosh():
    offenders = []
    for path in list((ROOT / "search").rglob("*.py")) + list((ROOT / "webui").rglob("*.py")):
        if "index" in path.relative_to(ROOT / "search").parts[:1] if path.is_relative_to(ROOT / "search") else False:
            continue
        text = path.read_text("utf-8")
        if "import whoosh" in text or "from whoosh" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_search_layer_never_imports_flask():
    for path in (ROOT / "search").rglob("*.py"):
        text = path.read_text("utf-8")
        assert "import flask" not in text and "from flask" not in text, path


def test_stored_fields_read_directly_match_whoosh(snapshot):
    """Page text read with pread from the stored column equals Whoosh's read."""
    assert all(col is not None for col in snapshot._stored_columns)
    for rec in range(snapshot.n_records):
        assert snapshot.stored(rec) == snapshot.reader.stored_fields(rec), rec


def test_a_closed_snapshot_never_reads_another_file(tmp_path):
    """A search still running on a snapshot that was replaced and closed
    (another thread) reads its own files, whatever the kernel has handed
    the old descriptor numbers to; the descriptors go with the snapshot."""
    import gc
    import os

    root = IndexRoot(tmp_path / "ix")
    store = root.create()
    root.publish(store)
    with root.lock():
        w = DocWriter(store)
        for i, path in enumerate(TEXTS[:3]):
            doc, terms = _doc(i, path, "en")
            w.add(doc, terms, dn=i)
        w.commit()
    before = len(os.listdir("/proc/self/fd"))
    snap = Snapshot(root.open())
    rec = int(np.flatnonzero(snap.page_doc >= 0)[0])
    text, ids = snap.page_text(rec), snap.postings("exact", "the").ids.tolist()
    snap.close()
    snap.clear_cache()
    others = [open(p, "rb") for p in TEXTS for _ in range(3)]  # take the freed numbers
    try:
        assert snap.page_text(rec) == text
        assert snap.postings("exact", "the").ids.tolist() == ids
    finally:
        for f in others:
            f.close()
    del snap
    gc.collect()
    assert len(os.listdir("/proc/self/fd")) <= before
