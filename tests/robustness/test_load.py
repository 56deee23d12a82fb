"""Load: the real server (``etslib serve``, two workers) answers a stream
of searches while an ingest adds documents, a ``--rebuild`` replaces the
index and a catalog edit updates metadata: zero errors, zero empty
answers to queries that have hits, latency percentiles printed."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.parse
import urllib.request

from tests.conftest import SHARED, has_shared_corpus

from .figures import scale
from .helpers import copy_corpus, ingest, server

MIX = [
    "allowances", "market stability reserve", "free allocation", "aviation", "auction*", "benchmark",
    "carbon leakage", "Emissionshandel", "碳排放权交易", "monitoring reporting verification", '"emission allowances"',
    "cap-and-trade", "Directive 2003/87/EC", "year:2018..2024 allowances", "jurisdiction:EU auctioning",
]


def test_searches_during_ingest_rebuild_and_metadata_edit(tmp_path, figures):
    area = "load: searches during writes"
    corpus = copy_corpus(tmp_path / "corpus")
    index = tmp_path / "ix"
    assert ingest(corpus, index, "--jobs", "2").returncode == 0
    extra = tmp_path / "corpus" / "extra"
    sources = []
    if has_shared_corpus():
        sources = sorted((SHARED / "real-ets").rglob("*.pdf"))[: scale(4, 12)] + sorted((SHARED / "real-ets/news-html/nz").glob("*.html"))[: scale(10, 45)]
    with server(index, tmp_path / "server.log", workers=2) as base:

        def get(q: str) -> tuple[int, int, float]:
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/api/search?q={urllib.parse.quote(q)}&limit=10", timeout=30) as r:
                    total = json.load(r)["total"]
                    return r.status, total, time.perf_counter() - t0
            except urllib.error.HTTPError as e:
                return e.code, -1, time.perf_counter() - t0
            except OSError:
                return 0, -1, time.perf_counter() - t0

        expected = {q: get(q)[1] for q in MIX}
        with_hits = [q for q, n in expected.items() if n > 0]
        assert len(with_hits) >= 8, expected
        stop = threading.Event()
        results: list[tuple[str, int, int, float]] = []
        lock = threading.Lock()

        def client(k: int) -> None:
            i = k
            while not stop.is_set():
                q = with_hits[i % len(with_hits)]
                i += 1
                status, total, took = get(q)
                with lock:
                    results.append((q, status, total, took))

        clients = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(scale(6, 16))]
        for t in clients:
            t.start()
        steps = []
        try:
            # 1. An ingest adds documents.
            extra.mkdir()
            for p in sources:
                shutil.copy2(p, extra / p.name)
            for k in range(scale(20, 200)):
                (extra / f"note-{k}.txt").write_text(f"Note {k}\n\nAllowances auctioned under the market stability reserve, note {k}.\n")
            t0 = time.monotonic()
            steps.append(("ingest", ingest(corpus, index, "--jobs", "2").returncode, time.monotonic() - t0))
            # 2. A rebuild replaces the whole index.
            t0 = time.monotonic()
            steps.append(("rebuild", ingest(corpus, index, "--jobs", "2", "--rebuild").returncode, time.monotonic() - t0))
            # 3. A metadata edit (the staff's catalog) updates headers only.
            cat = corpus / "catalog.yaml"
            cat.write_text(cat.read_text().replace("type: legislation", "type: guide", 2), encoding="utf-8")
            t0 = time.monotonic()
            steps.append(("metadata edit", ingest(corpus, index, "--jobs", "2").returncode, time.monotonic() - t0))
            time.sleep(scale(2, 20))
        finally:
            stop.set()
            for t in clients:
                t.join(35)
    for name, code, took in steps:
        assert code == 0, f"{name} failed"
    errors = [r for r in results if r[1] != 200]
    empty = [r for r in results if r[1] == 200 and r[2] == 0]
    for q, status, total, took in results:
        figures.case(area, status == 200 and total > 0, f"{q}: status {status}, total {total}")
    lat = sorted(r[3] for r in results)
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000  # noqa: E731
    figures.measure(area, "requests", f"{len(results):,} ({len(results) / sum(s[2] for s in steps):.0f}/s) by {len(clients)} clients")
    figures.measure(area, "latency", f"p50 {pct(0.5):.0f} ms, p95 {pct(0.95):.0f} ms, p99 {pct(0.99):.0f} ms, max {lat[-1] * 1000:.0f} ms")
    figures.measure(area, "writes", ", ".join(f"{n} {t:.0f} s" for n, _, t in steps))
    assert not errors, errors[:5]
    assert not empty, empty[:5]
