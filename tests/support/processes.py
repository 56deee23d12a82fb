"""Servers the tests run as subprocesses: a free port, and a process that
is started, waited for until it listens, and stopped afterwards."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def listening(cmd: list[str], port: int, log: Path, *, what: str, timeout: float = 30, error_log: Path | None = None,
              **popen) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` (output into ``log``) until it accepts connections on
    ``port``; yields the process and stops it (SIGTERM, then SIGKILL) at the
    end. Raises RuntimeError with the log when it exits or never listens."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, **popen)

    def said() -> str:
        return (error_log or log).read_text(errors="replace") if (error_log or log).exists() else ""

    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}:\n{said()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not listen on port {port} within {timeout:g} s:\n{said()}") from None
                time.sleep(0.05)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
