"""Killing ingest at any moment leaves an index that opens, and the next run
ends with exactly the documents of a clean ingest: nothing lost, nothing
indexed twice.

Crashes are real: the ingest runs as a separate ``etslib`` process that is
SIGKILLed, either at a chosen commit (``ETSLIB_FAULT``, a fault-injection
point just before or after Whoosh renames its table of contents into place)
or at a moment during extraction.

The documents are ~30 files of the shared corpus when present, else the
shipped sample corpus.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.index import IndexRoot, Snapshot
from tests.conftest import CORPUS


def _corpus(source: Path, dest: Path) -> Path:
    if source == CORPUS:  # the sample corpus: all of it
        return Path(shutil.copytree(source, dest))
    dest.mkdir()
    for p in sorted((source / "real-ets/news-html/nz").glob("*.html"))[:24]:
        shutil.copy2(p, dest / p.name)
    for p in (source / "real-ets/ca-ab").glob("*.pdf"):
        shutil.copy2(p, dest / p.name)
    shutil.copy2(source / "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf", dest)
    return dest


def _ingest(corpus: Path, index: Path, fault: str | None = None, *, wait: bool = True):
    env = dict(os.environ)
    env.pop("ETSLIB_FAULT", None)
    if fault:
        env["ETSLIB_FAULT"] = fault
    cmd = [sys.executable, "-m", "webui.cli", "ingest", str(corpus), "--index", str(index), "--batch-pages", "15", "--jobs", "2"]
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def _state(index: Path) -> tuple[set, int]:
    with Snapshot(IndexRoot(index).open()) as snap:
        ids = [info["id"] for info in snap.infos]
        assert len(ids) == len(set(ids)), "a document is indexed twice"
        docs = {(info["id"], info["sha256"], info["page_count"]) for info in snap.infos}
        return docs, snap.n_pages


@pytest.fixture(scope="module")
def corpus(real_corpus, tmp_path_factory):
    return _corpus(real_corpus, tmp_path_factory.mktemp("crash") / "corpus")


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory):
    index = tmp_path_factory.mktemp("clean") / "ix"
    done = _ingest(corpus, index)
    assert done.returncode == 0, done.stderr
    return _state(index)


@pytest.mark.parametrize("fault", ["before-commit:1", "before-commit:3", "after-commit:2", "after-commit:4"])
def test_killed_at_a_commit(corpus, clean, tmp_path, fault):
    index = tmp_path / "ix"
    crashed = _ingest(corpus, index, fault)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    # Commit 1 creates the empty index: killed before it, there is none yet.
    if fault != "before-commit:1":
        docs, _ = _state(index)  # the index opens and is consistent
        assert docs < clean[0]
    rerun = _ingest(corpus, index)
    assert rerun.returncode == 0, rerun.stderr
    assert _state(index) == clean


@pytest.mark.parametrize("delay", [0.3, 1.2, 2.5])
def test_killed_during_extraction(corpus, clean, tmp_path, delay):
    index = tmp_path / "ix"
    proc = _ingest(corpus, index, wait=False)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    if IndexRoot(index).exists():
        _state(index)
    rerun = _ingest(corpus, index)
    assert rerun.returncode == 0, rerun.stderr
    assert _state(index) == clean
    # The killed run's workers did not outlive it.
    time.sleep(0.5)
    out = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True, text=True).stdout
    assert str(index) not in out


def test_ctrl_c_keeps_committed_batches(corpus, clean, tmp_path):
    index = tmp_path / "ix"
    proc = _ingest(corpus, index, wait=False)
    # Once it has started writing (not while Python still imports, which a
    # loaded machine can stretch past a fixed sleep).
    deadline = time.monotonic() + 60
    while not any(index.glob("store-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 130), err
    if proc.returncode == 130:
        assert b"interrupted" in err
    rerun = _ingest(corpus, index)
    assert rerun.returncode == 0, rerun.stderr
    assert _state(index) == clean
