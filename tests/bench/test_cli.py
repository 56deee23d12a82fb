"""``scripts/bench`` as a new user meets it: without the shared corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_without_the_shared_corpus_says_so(tmp_path):
    missing = tmp_path / "no-such-corpus"
    env = dict(os.environ, ETSLIB_SHARED_CORPUS=str(missing), ETSLIB_BENCH_NO_REEXEC="1")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench"), "--cache", str(tmp_path / "cache"), "--quiet"],
                       capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert r.returncode != 0
    assert "shared corpus is missing" in r.stderr
    assert str(missing) in r.stderr and "ETSLIB_SHARED_CORPUS" in r.stderr
    assert "not selected" not in r.stdout + r.stderr
    assert not (tmp_path / "cache").exists()  # stopped before doing anything
