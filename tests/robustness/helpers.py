"""What the robustness tests share: a real server, ingests as child
processes, the state of an index and the answers it gives."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from search.index import IndexProblem, IndexRoot, Snapshot
from search.model import SearchRequest
from tests.conftest import CORPUS, serve_index
from tests.support.processes import free_port
from tests.support.cli import ROOT, etslib

#: Queries whose answers a damaged index must either give exactly or refuse.
QUERIES = [
    "allowances",
    "market stability reserve",
    '"free allocation"',
    "auction* AND aviation",
    "emissions trading -aviation",
    "carbon border adjustment",
    "Emissionshandel",
    "碳排放权交易",
    "year:2018..2024 benchmark",
]


def state(index: Path) -> tuple[int, int, frozenset]:
    """(documents, pages, their ids, hashes and page counts) of an index."""
    with Snapshot(IndexRoot(index).open()) as snap:
        ids = [info["id"] for info in snap.infos]
        assert len(ids) == len(set(ids)), "a document is indexed twice"
        return snap.n_docs, snap.n_pages, frozenset((i["id"], i["sha256"], i["page_count"]) for i in snap.infos)


def answers(index: Path) -> list[tuple[int, tuple]]:
    """Each query's total and top ten (id, score); raises IndexProblem."""
    from search.query.searcher import Searcher

    out = []
    with Searcher(index) as s:
        for q in QUERIES:
            r = s.search(SearchRequest(q=q, limit=10, passages=1))
            out.append((r.total, tuple((h.id, round(h.score, 4)) for h in r.hits)))
    return out


def ingest(corpus: Path, index: Path, *args: str, fault: str | None = None, wait: bool = True, timeout: float = 300):
    """``etslib ingest`` as a child process (``fault``: ETSLIB_FAULT)."""
    env = dict(os.environ)
    env.pop("ETSLIB_FAULT", None)
    if fault:
        env["ETSLIB_FAULT"] = fault
    cmd = [sys.executable, "-m", "webui.cli", "ingest", str(corpus), "--index", str(index), *args]
    if not wait:
        return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def copy_corpus(dest: Path) -> Path:
    return Path(shutil.copytree(CORPUS, dest))


@contextlib.contextmanager
def server(index: Path, log: Path, *, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """``etslib serve`` on a free port (``env``: settings such as
    ``ETSLIB_UPLOAD_MAX_MB``); yields its base URL."""
    with serve_index(index, log, workers=workers, env=env, timeout=40) as url:
        yield url


def clear_check_memo() -> None:
    """Forget which files this process has checked, as a new process would."""
    from search.index import checksums

    checksums._memo.clear()


__all__ = ["IndexProblem", "QUERIES", "answers", "clear_check_memo", "copy_corpus", "etslib", "free_port", "ingest", "server", "state"]
