"""Shared helpers: paths, logging, timing, percentiles, memory sampling."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("ETSLIB_SHARED_CORPUS", ROOT.parent / "shared" / "corpus"))
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "etslib-bench"


class Skip(Exception):
    """A stage (or part of one) that cannot run here; the message says why."""


_T0 = time.monotonic()
QUIET = False


def log(msg: str) -> None:
    """Progress on stderr, prefixed with the elapsed time of the run."""
    if not QUIET:
        print(f"[{time.monotonic() - _T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def etslib_cmd() -> list[str]:
    """How to run the ``etslib`` command of this checkout."""
    exe = Path(sys.executable).with_name("etslib")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "webui.cli"]


def env_for_children() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0–100), linear interpolation; None when empty."""
    if not values:
        return None
    xs = sorted(values)
    if len(xs) == 1:
        return float(xs[0])
    k = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (k - lo))


def latency_summary(ms: Sequence[float]) -> dict[str, Any]:
    """p50/p95/p99/mean/max of latencies in milliseconds."""
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(sum(ms) / len(ms), 3),
        "max_ms": round(max(ms), 3),
    }


def ratio(a: float | None, b: float | None, digits: int = 3) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, digits)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class MemorySampler:
    """Samples the resident memory of a process and its children (psutil).

    ``peak_tree_mb`` is the largest sum over the tree at one instant,
    ``peak_process_mb`` the largest single process; ``cpu`` the CPU seconds
    (user + system) each process had used when last seen, which counts
    workers that no waited-for process reaps (a forkserver's).
    """

    pid: int
    interval: float = 0.05
    peak_tree_mb: float = 0.0
    peak_process_mb: float = 0.0
    samples: int = 0
    cpu: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> "MemorySampler":
        if importlib.util.find_spec("psutil") is None:
            return self
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
                except psutil.Error:
                    continue
                total += rss
                self.peak_process_mb = max(self.peak_process_mb, rss / 2**20)
            self.peak_tree_mb = max(self.peak_tree_mb, total / 2**20)
            self.samples += 1
            self._stop.wait(self.interval)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def result(self) -> dict[str, Any]:
        if self._thread is None:
            return {"skipped": "psutil is not installed"}
        return {
            "peak_tree_rss_mb": round(self.peak_tree_mb, 1),
            "peak_process_rss_mb": round(self.peak_process_mb, 1),
            "samples": self.samples,
            "cpu_seconds_sampled": round(sum(self.cpu.values()), 2),
        }


def cpu_seconds(*, children: bool = True, own: bool = False) -> float:
    """User + system CPU seconds used so far by this process's waited-for
    descendants (``children``) and/or itself (``own``).

    On a machine shared with other work a run's wall time depends on the
    load, its CPU time much less: throughput per CPU-second compares runs
    made under different loads.
    """
    total = 0.0
    for who, on in ((resource.RUSAGE_CHILDREN, children), (resource.RUSAGE_SELF, own)):
        if on:
            r = resource.getrusage(who)
            total += r.ru_utime + r.ru_stime
    return total


def run_measured(cmd: list[str], *, cwd: Path | None = None, timeout: float | None = None) -> tuple[subprocess.CompletedProcess, float, dict[str, Any]]:
    """Run a command, timing it and sampling its process tree's memory; the
    memory dict also holds ``cpu_seconds``, the CPU time of the whole tree
    (the larger of what the waited-for processes report and the samples)."""
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env_for_children())
    with MemorySampler(proc.pid) as mem:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise RuntimeError(f"{cmd[0]} timed out after {timeout} s") from None
    wall = time.perf_counter() - t0
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, {**(m := mem.result()), "cpu_seconds": round(max(cpu_seconds() - cpu0, m.get("cpu_seconds_sampled") or 0), 2)}


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    os.replace(tmp, path)

