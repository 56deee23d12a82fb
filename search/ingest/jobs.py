"""Reindexing in the background, for the staff pages: a queue, one runner,
and a progress file the pages poll.

A request (:func:`request`) is a file in ``<index>/staff/queue/``; then a
runner process is started (``python -m search.ingest.jobs INDEX``) unless
one is running (an exclusive ``flock`` on ``runner.lock`` says so). The
runner takes every queued request at once, runs one ingest of the library's
paths (a rebuild if any request asked for one; a rebuild builds beside the
live index and swaps in atomically, so searches go on), writes its progress
to ``job.json`` as it goes, and looks again before it exits, so no request
is ever stranded. Uploads, edits and removals each queue an incremental
reindex: a staff change is searchable within seconds, and changes made
during a long rebuild are applied right after it.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..index import IndexBusy, IndexRoot, write_json_atomic
from . import audit
from .library import library_paths

KINDS = ("incremental", "rebuild")


def _dir(root: IndexRoot) -> Path:
    d = root.root / "staff"
    (d / "queue").mkdir(parents=True, exist_ok=True)
    return d


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def request(root: IndexRoot, kind: str, who: str, reason: str = "", *, start: bool = True) -> str:
    """Queue a reindex (``incremental`` or ``rebuild``) and make sure a
    runner is on it; returns the request's id."""
    if kind not in KINDS:
        raise ValueError(f"unknown reindex kind {kind!r}")
    q = _dir(root) / "queue"
    rid = f"{time.time_ns()}-{os.getpid()}"
    write_json_atomic(q / f"{rid}.json", {"id": rid, "kind": kind, "who": who, "reason": reason, "at": _now()})
    if start:
        spawn_runner(root)
    return rid


def spawn_runner(root: IndexRoot) -> None:
    """Start a runner process (it exits at once if one runs), detached: a
    shell starts it in the background and exits, so the runner belongs to
    no server worker (none waits for it, none leaves a zombie behind)."""
    log = _dir(root) / "runner.log"
    subprocess.run(
        ["/bin/sh", "-c", '"$@" >>"$ETSLIB_RUNNER_LOG" 2>&1 </dev/null &', "sh", sys.executable, "-m", "search.ingest.jobs", str(root.root)],
        env={**os.environ, "ETSLIB_RUNNER_LOG": str(log)},
        cwd=str(Path(__file__).resolve().parents[2]),
        start_new_session=True,
        check=True,
        timeout=30,
    )


def status(root: IndexRoot) -> dict[str, Any]:
    """The last job's progress (``state``: idle, running, done, failed) and
    how many requests wait."""
    try:
        data = json.loads((root.root / "staff" / "job.json").read_text("utf-8"))
    except (OSError, ValueError):
        data = {"state": "idle"}
    try:
        data["queued"] = len(list((root.root / "staff" / "queue").glob("*.json")))
    except OSError:
        data["queued"] = 0
    if data.get("state") == "running" and not _runner_alive(root):
        data["state"] = "failed"
        data["error"] = "the reindex process stopped before finishing"
    data["busy"] = data.get("state") == "running" or data["queued"] > 0
    return data


def wait_idle(root: IndexRoot, timeout: float = 120.0) -> dict[str, Any]:
    """Wait until no job runs or waits (tests, the command line)."""
    deadline = time.monotonic() + timeout
    while True:
        st = status(root)
        if not st["busy"]:
            return st
        if time.monotonic() > deadline:
            raise TimeoutError(f"reindex still busy after {timeout:g} s: {st}")
        time.sleep(0.1)


def _runner_alive(root: IndexRoot) -> bool:
    path = root.root / "staff" / "runner.lock"
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


class _Runner:
    def __init__(self, root: IndexRoot):
        self.root = root
        self.dir = _dir(root)
        self.job: dict[str, Any] = {}
        self._last_write = 0.0

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_write > 0.3:
            write_json_atomic(self.dir / "job.json", self.job)
            self._last_write = now

    def take(self) -> list[tuple[Path, dict[str, Any]]]:
        out = []
        for f in sorted((self.dir / "queue").glob("*.json")):
            try:
                out.append((f, json.loads(f.read_text("utf-8"))))
            except (OSError, ValueError):
                f.unlink(missing_ok=True)
        return out

    def run(self, taken: list[tuple[Path, dict[str, Any]]]) -> None:
        from .run import IngestOptions, ingest

        requests = [r for _, r in taken]
        kind = "rebuild" if any(r.get("kind") == "rebuild" for r in requests) else "incremental"
        who = ", ".join(dict.fromkeys(r.get("who", "") for r in requests))
        self.job = {
            "state": "running",
            "kind": kind,
            "who": who,
            "requests": [r["id"] for r in requests],
            "reasons": [r.get("reason", "") for r in requests if r.get("reason")],
            "started": _now(),
            "finished": None,
            "phase": "planning",
            "done": 0,
            "total": 0,
            "counts": {},
            "error": None,
        }
        self._write(force=True)
        for f, _ in taken:  # only now: the job file says "running" first
            f.unlink(missing_ok=True)
        paths = library_paths(self.root)
        if not paths:
            self._finish("failed", "no library folders known: run `etslib ingest FOLDER` once")
            return

        def progress(results: Iterable[Any], total: int) -> Iterable[Any]:
            self.job.update(phase="extracting", total=total, done=0)
            self._write(force=True)
            for r in results:
                self.job["done"] += 1
                self._write()
                yield r
            self.job["phase"] = "writing"
            self._write(force=True)

        def on_event(kind_: str, data: dict[str, Any]) -> None:
            if kind_ == "plan":
                self.job.update(planned=data)
            elif kind_ == "ocr":
                self.job.update(phase="ocr", ocr_files=data.get("files", 0))
            self._write(force=kind_ != "commit")

        for attempt in range(600):  # another ingest (the command line) may hold the index
            try:
                report = ingest(paths, self.root, IngestOptions(rebuild=kind == "rebuild"), progress=progress, on_event=on_event)
                break
            except IndexBusy:
                self.job["phase"] = "waiting for another ingest to finish"
                self._write(force=True)
                time.sleep(1)
            except Exception as e:  # noqa: BLE001 - recorded for the status page
                audit.record(self.root, who, "reindex-failed", "index", kind=kind, error=str(e)[:300])
                self._finish("failed", f"{type(e).__name__}: {e}")
                return
        else:
            self._finish("failed", "another ingest held the index for 10 minutes")
            return
        self.job["counts"] = report["counts"]
        self.job["documents"] = report.get("documents")
        # Logged before the job says "done": whoever waits for it sees the entry.
        audit.record(self.root, who, "reindex", "index", kind=kind, counts=report["counts"], seconds=report["seconds"])
        self._finish("done")

    def _finish(self, state: str, error: str | None = None) -> None:
        self.job.update(state=state, finished=_now(), error=error, phase=state)
        self._write(force=True)


def run_queue(root: IndexRoot) -> None:
    """Work through the queue while holding the runner lock; return when
    it is empty or another runner holds the lock."""
    runner = _Runner(root)
    path = runner.dir / "runner.lock"
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return  # the other runner will see our requests
        try:
            while True:
                requests = runner.take()
                if not requests:
                    break
                runner.run(requests)
        finally:
            os.close(fd)
        # A request queued after the last look but before the unlock would
        # wait for nobody: look once more.
        if not any((runner.dir / "queue").glob("*.json")):
            return


if __name__ == "__main__":  # pragma: no cover - started by spawn_runner
    run_queue(IndexRoot(sys.argv[1]))
