"""Two read-only serving nodes (``etslib serve --read-only``) on two
published copies behind a local nginx: a new generation is published
under a stream of searches; no search fails, and both nodes serve the new
generation within a bound."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from search.index import IndexRoot
from search.index.publish import publish
from tests.conftest import build_index, serve_index

from .cluster import ensure_nginx, error_lines, nginx_proxy

#: Seconds from the start of publishing until both nodes serve the new generation.
BOUND_S = 10.0
WORDS = ("allowance auction cap trade offset banking benchmark leakage aviation maritime reserve registry "
         "verification compliance penalty price floor ceiling linkage permit credit scheme phase").split()
QUERIES = ["allowance", "auction cap", '"carbon price"', "bank*", "leakage -zeppelinquota", "registry AND compliance", "phase"]


def _corpus(folder: Path, n: int = 40) -> None:
    folder.mkdir()
    rnd = random.Random(15)
    for i in range(n):
        text = " ".join(rnd.choice(WORDS) for _ in range(300)) + " the carbon price rose."
        (folder / f"doc{i:03d}.txt").write_text(text + "\n", encoding="utf-8")


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read()


def _index_id(base: str) -> str:
    host = urllib.parse.urlsplit(base).netloc
    conn = http.client.HTTPConnection(host, timeout=10)
    try:
        status, body = _get(conn, "/api/stats")
        return json.loads(body)["index"] if status == 200 else f"HTTP {status}"
    finally:
        conn.close()


def test_a_new_generation_reaches_both_nodes_under_load(tmp_path):
    nginx, why = ensure_nginx()
    if nginx is None:
        pytest.skip(why)
    corpus = tmp_path / "corpus"
    _corpus(corpus)
    writer = IndexRoot(tmp_path / "writer")
    build_index([corpus], writer.root)
    nodes = [tmp_path / "node1", tmp_path / "node2"]
    first = [publish(writer, n) for n in nodes][0]
    args = ("--read-only", "--writer-url", "https://writer.example.org")
    with (
        serve_index(nodes[0], tmp_path / "node1.log", args=args) as n1,
        serve_index(nodes[1], tmp_path / "node2.log", args=args) as n2,
        nginx_proxy(nginx, tmp_path / "nginx", [urllib.parse.urlsplit(u).netloc for u in (n1, n2)]) as lb,
    ):
        assert _index_id(n1) == _index_id(n2) == first.index_id
        conn = http.client.HTTPConnection(urllib.parse.urlsplit(lb).netloc, timeout=30)
        conn.request("POST", "/staff/signin", headers={"Accept": "application/json"})
        refused = conn.getresponse()
        assert refused.status == 403 and "the writer at https://writer.example.org" in json.loads(refused.read())["error"]["message"]
        conn.close()
        # The writer indexes a new document (a word no other has) meanwhile.
        (corpus / "new.txt").write_text("The zeppelinquota rule applies from the next phase.\n", encoding="utf-8")
        build_index([corpus], writer.root)

        stop = threading.Event()
        failures: list[str] = []
        done = [0]
        lock = threading.Lock()

        def client(k: int) -> None:
            conn = http.client.HTTPConnection(urllib.parse.urlsplit(lb).netloc, timeout=30)
            i = k
            while not stop.is_set():
                q = QUERIES[i % len(QUERIES)]
                i += 1
                try:
                    status, body = _get(conn, f"/api/search?q={urllib.parse.quote(q)}&limit=10")
                    ok = status == 200 and json.loads(body)["total"] > 0
                    problem = None if ok else f"{q}: HTTP {status} {body[:200]!r}"
                except (OSError, http.client.HTTPException, ValueError) as e:
                    problem = f"{q}: {type(e).__name__}: {e}"
                    conn.close()
                    conn = http.client.HTTPConnection(urllib.parse.urlsplit(lb).netloc, timeout=30)
                with lock:
                    done[0] += 1
                    if problem:
                        failures.append(problem)
            conn.close()

        threads = [threading.Thread(target=client, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            before = done[0]
            t0 = time.monotonic()
            new = [publish(writer, n) for n in nodes]
            published_s = time.monotonic() - t0
            assert new[0].index_id == new[1].index_id != first.index_id
            seen: dict[str, float] = {}
            while len(seen) < 2 and time.monotonic() - t0 < BOUND_S:
                for name, base in (("node1", n1), ("node2", n2)):
                    if name not in seen and _index_id(base) == new[0].index_id:
                        seen[name] = time.monotonic() - t0
                time.sleep(0.05)
            assert len(seen) == 2, f"after {BOUND_S} s only {sorted(seen)} serve {new[0].index_id}"
            # Through nginx, whichever node answers: the new document is found.
            conn = http.client.HTTPConnection(urllib.parse.urlsplit(lb).netloc, timeout=30)
            for _ in range(6):
                status, body = _get(conn, "/api/search?q=zeppelinquota")
                assert status == 200 and json.loads(body)["total"] == 1
            conn.close()
            time.sleep(1.0)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        searches = done[0]
    assert failures == [], failures[:5]
    assert searches - before > 20, "the load did not run"
    assert error_lines(tmp_path / "nginx") == []
    print(
        f"\ntwo nodes behind nginx: {searches} searches, 0 errors; publish to both {published_s:.2f} s; "
        f"serving the new generation after {max(seen.values()):.2f} s (node1 {seen['node1']:.2f} s, node2 {seen['node2']:.2f} s)"
    )
