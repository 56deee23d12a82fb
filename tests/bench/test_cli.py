"""``scripts/bench`` and ``scripts/setup`` as a new user meets them: no shared
corpus, a version manager's shims on PATH. Neither needs the shared corpus."""

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


def _shim(folder: Path, name: str, script: str) -> None:
    p = folder / name
    p.write_text("#!/bin/sh\n" + script + "\n")
    p.chmod(0o755)


def test_setup_probes_pythons_quietly(tmp_path):
    """pyenv's shims exist for every version it knows but fail with "command
    not found" on stderr for versions not selected; setup must pass over them
    silently and take the first interpreter that really runs."""
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("python3.13", "python3.12"):
        _shim(shims, name, f'echo "pyenv: {name}: command not found" >&2; exit 127')
    _shim(shims, "python3.11", f'exec "{sys.executable}" "$@"')
    env = dict(os.environ, PATH=f"{shims}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHON", None)
    r = subprocess.run(["bash", str(ROOT / "scripts" / "setup"), "--which-python"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.strip() == "python3.11"


def test_setup_refuses_when_no_python_runs(tmp_path):
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("python3.13", "python3.12", "python3.11", "python3"):
        _shim(shims, name, f'echo "pyenv: {name}: command not found" >&2; exit 127')
    # Only the shims and the basic tools setup needs before the probe.
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("dirname", "bash"):
        (bindir / tool).symlink_to(subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True).stdout.strip())
    env = dict(os.environ, PATH=f"{shims}{os.pathsep}{bindir}")
    env.pop("PYTHON", None)
    r = subprocess.run(["bash", str(ROOT / "scripts" / "setup"), "--which-python"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1
    assert r.stderr.strip() == "etslib needs Python 3.11 or newer"
