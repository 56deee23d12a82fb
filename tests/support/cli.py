"""The ``etslib`` command run as a user runs it, in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def etslib(*args: str, env: dict | None = None, timeout: float = 300, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``etslib ARGS`` with its output captured; ``subprocess.TimeoutExpired``
    when it runs longer than ``timeout`` (a hang is a failure, not a wait)."""
    full_env = dict(os.environ, **(env or {}))
    full_env.pop("ETSLIB_FAULT", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "webui.cli", *args],
        capture_output=True,
        text=True,
        errors="replace",
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )
