"""Isolated worker processes for work that may hang, crash or eat memory.

Parsers of hostile files can loop forever, segfault (PDFium is C++) or
allocate without bound, and threads cannot be killed.  So each task runs
in a worker process with a wall-clock timeout and an address-space limit
(RLIMIT_AS); a worker that times out is killed (SIGKILL) and replaced, a
worker that dies is replaced, and every task yields exactly one
:class:`TaskResult` with a one-line reason on failure.

Workers are started with the "forkserver" context (where available,
else "spawn"): forking a parent that already runs threads is unsafe.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator

from .. import config

__all__ = ["TaskResult", "WorkerPool"]

log = logging.getLogger("etslib.pool")

_REASON_MAX = 200


@dataclass
class TaskResult:
    """The outcome of one task."""

    key: Any  # what the caller passed in
    ok: bool
    value: Any = None  # the function's return value when ok
    code: str = ""  # ExtractionError.code, or "timeout", "memory", "crashed", "error"
    reason: str = ""  # one line
    seconds: float = 0.0


# --------------------------------------------------------------------------
# Worker side


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= _REASON_MAX else text[: _REASON_MAX - 1] + "…"


def _failure(e: BaseException) -> tuple[str, str]:
    """(code, reason) of an exception raised by the task function."""
    if isinstance(e, MemoryError):
        return "memory", "out of memory"
    code = getattr(e, "code", None)
    reason = getattr(e, "reason", None)
    if isinstance(code, str) and isinstance(reason, str):  # ExtractionError and look-alikes
        return code, _one_line(reason)
    message = str(e)
    return "error", _one_line(f"{type(e).__name__}: {message}" if message else type(e).__name__)


def _limit_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    try:
        import resource

        limit = int(memory_mb) * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError) as e:  # not on this platform
        log.debug("cannot limit worker memory: %s", e)


def _exit_with_parent() -> None:
    """Die with the parent even while the task function is busy: if the
    parent is killed, nobody would ever kill a hung worker."""
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent's sentinel closes
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_main(
    conn: Connection,
    func: Callable[[Any], Any],
    memory_mb: int | None,
    initializer: Callable[[], None] | None,
) -> None:
    """Loop of a worker process: receive (seq, arg), send (seq, ok, value, code, reason)."""
    # Ctrl-C reaches the whole process group: the parent decides and kills us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent()
    _limit_memory(memory_mb)
    init_error = ""
    if initializer is not None:
        try:
            initializer()
        except BaseException as e:  # noqa: BLE001 - reported with every task
            init_error = "initializer failed: " + _failure(e)[1]
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        seq, arg = msg
        if init_error:
            _send(conn, (seq, False, None, "error", init_error))
            continue
        try:
            out = (seq, True, func(arg), "", "")
        except BaseException as e:  # noqa: BLE001 - every failure becomes a result
            code, reason = _failure(e)
            out = (seq, False, None, code, reason)
            del e
        _send(conn, out)


def _send(conn: Connection, out: tuple[Any, ...]) -> None:
    try:
        conn.send(out)
    except MemoryError:
        conn.send((out[0], False, None, "memory", "out of memory sending the result"))
    except (EOFError, OSError, BrokenPipeError):
        os._exit(0)  # the parent is gone
    except Exception as e:  # noqa: BLE001 - e.g. an unpicklable result
        conn.send((out[0], False, None, "error", _one_line(f"result cannot be sent: {type(e).__name__}: {e}")))


# --------------------------------------------------------------------------
# Parent side


class _Worker:
    def __init__(self, ctx: Any, func: Callable[[Any], Any], memory_mb: int | None, initializer: Any):
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.process = ctx.Process(
            target=_worker_main,
            args=(child_conn, func, memory_mb, initializer),
            daemon=True,
            name="etslib-worker",
        )
        self.process.start()
        child_conn.close()
        self.conn: Connection = parent_conn
        # The task in flight: (seq, key, started, deadline), or None.
        self.task: tuple[int, Any, float, float] | None = None

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        """Ask an idle worker to exit, kill it if it does not."""
        try:
            self.conn.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=1)
        self.kill()

    def death_reason(self) -> str:
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is None:
            return "worker stopped answering"
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (out of memory?)" if name == "SIGKILL" else ""
            return f"worker died: killed by {name}{hint}"
        return f"worker died: exit code {code}"


class WorkerPool:
    """Run ``func(arg)`` for many items in isolated worker processes.

    ``func`` must be a module-level function (it is pickled by name).
    Each task gets ``timeout`` seconds of wall-clock time; each worker
    may use ``memory_mb`` of address space (``None``: no limit).
    """

    def __init__(
        self,
        func: Callable[[Any], Any],
        *,
        jobs: int | None = None,
        timeout: float = config.TIMEOUT_S,
        memory_mb: int | None = config.WORKER_MEMORY_MB,
        recycle_mb: int | None = config.WORKER_RECYCLE_MB,
        initializer: Callable[[], None] | None = None,
    ):
        self.func = func
        self.jobs = max(1, int(jobs if jobs is not None else config.default_jobs()))
        self.timeout = float(timeout)
        self.memory_mb = memory_mb
        self.recycle_mb = recycle_mb
        self.recycled = 0  # workers replaced for their size
        self.initializer = initializer
        self._ctx = _context(func)
        self._workers: list[_Worker] = []
        self._seq = 0
        self._closed = False

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop all workers (kill busy ones).  Idempotent."""
        self._closed = True
        workers, self._workers = self._workers, []
        for w in workers:
            if w.task is None and w.process.is_alive():
                w.stop()
            else:
                w.kill()

    def map_unordered(self, items: Iterable[tuple[Any, Any]]) -> Iterator[TaskResult]:
        """Yield one result per ``(key, arg)`` item, in completion order.

        Items are read lazily: at most one task per worker is in flight.
        Abandoning the iterator (or Ctrl-C) kills the busy workers.
        """
        if self._closed:
            raise RuntimeError("the pool is closed")
        source = iter(items)
        exhausted = False
        try:
            while True:
                while not exhausted and self._idle_slot():
                    try:
                        key, arg = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    failed = self._submit(key, arg)
                    if failed is not None:
                        yield failed
                busy = [w for w in self._workers if w.task is not None]
                if not busy:
                    if exhausted:
                        return
                    continue
                yield from self._collect(busy)
        finally:
            # Results nobody will read: kill the workers computing them.
            for w in [w for w in self._workers if w.task is not None]:
                w.kill()
                self._workers.remove(w)

    # -- internals --------------------------------------------------------

    def _idle_slot(self) -> bool:
        if any(w.task is None for w in self._workers):
            return True
        return len(self._workers) < self.jobs

    def _submit(self, key: Any, arg: Any) -> TaskResult | None:
        """Send a task to an idle (or new) worker; a result only if it cannot be sent."""
        try:
            payload = _pickle((self._seq + 1, arg))
        except Exception as e:  # noqa: BLE001 - an argument that cannot be pickled
            return TaskResult(key, False, code="error", reason=_one_line(f"argument cannot be sent: {type(e).__name__}: {e}"))
        self._seq += 1
        for attempt in range(2):
            worker = next((w for w in self._workers if w.task is None), None)
            if worker is None:
                worker = _Worker(self._ctx, self.func, self.memory_mb, self.initializer)
                self._workers.append(worker)
            now = time.monotonic()
            try:
                worker.conn.send_bytes(payload)
            except (OSError, ValueError) as e:
                # A worker that died while idle: replace it and try once more.
                self._replace(worker)
                if attempt:
                    return TaskResult(key, False, code="crashed", reason=_one_line(f"cannot reach a worker: {e}"))
                continue
            worker.task = (self._seq, key, now, now + self.timeout)
            return None
        return None  # pragma: no cover

    def _collect(self, busy: list[_Worker]) -> Iterator[TaskResult]:
        """Wait for the first result, death or deadline among busy workers."""
        deadline = min(w.task[3] for w in busy if w.task)
        wait_for = max(0.0, deadline - time.monotonic())
        handles: list[Any] = []
        for w in busy:
            handles.append(w.conn)
            handles.append(w.process.sentinel)
        ready = set(wait(handles, timeout=wait_for))
        now = time.monotonic()
        for w in busy:
            assert w.task is not None
            seq, key, started, task_deadline = w.task
            if w.conn in ready or (w.process.sentinel in ready and _poll(w.conn)):
                result = self._receive(w)
                if result is not None:
                    yield result
            elif w.process.sentinel in ready:
                reason = w.death_reason()
                self._replace(w)
                yield TaskResult(key, False, code="crashed", reason=reason, seconds=now - started)
            elif now >= task_deadline:
                w.kill()
                self._replace(w)
                yield TaskResult(
                    key, False, code="timeout", reason=f"timed out after {self.timeout:g} s", seconds=now - started
                )

    def _receive(self, w: _Worker) -> TaskResult | None:
        assert w.task is not None
        seq, key, started, _deadline = w.task
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):
            reason = w.death_reason()
            self._replace(w)
            return TaskResult(key, False, code="crashed", reason=reason, seconds=time.monotonic() - started)
        except Exception as e:  # noqa: BLE001 - a result the parent cannot unpickle
            w.task = None
            return TaskResult(key, False, code="error", reason=_one_line(f"result unreadable: {type(e).__name__}: {e}"))
        seconds = time.monotonic() - started
        r_seq, ok, value, code, reason = msg
        if r_seq != seq:  # cannot happen with one task per worker; be safe
            self._replace(w)
            return TaskResult(key, False, code="crashed", reason="worker out of step", seconds=seconds)
        w.task = None
        if code == "memory":
            # A heap that ran out may be left fragmented: start afresh.
            self._replace(w)
        elif self.recycle_mb and _resident_mb(w.process.pid) > self.recycle_mb:
            self._replace(w)  # idle now: a fresh one starts with the next task
            self.recycled += 1
        return TaskResult(key, ok, value=value, code=code, reason=reason, seconds=seconds)

    def _replace(self, w: _Worker) -> None:
        """Drop a worker; a new one starts when a task needs it."""
        w.task = None
        w.kill()
        if w in self._workers:
            self._workers.remove(w)


def _resident_mb(pid: int | None) -> float:
    """A process's resident memory in MB (0 where /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _pickle(obj: Any) -> bytes:
    from multiprocessing.reduction import ForkingPickler

    return bytes(ForkingPickler.dumps(obj))


def _poll(conn: Connection) -> bool:
    try:
        return conn.poll(0)
    except (EOFError, OSError):
        return False


def _context(func: Callable[[Any], Any]) -> Any:
    """forkserver where available (Linux, macOS), else spawn."""
    try:
        ctx = mp.get_context("forkserver")
    except ValueError:
        return mp.get_context("spawn")
    module = getattr(func, "__module__", None)
    if module and module != "__main__":
        # Import the task's module once in the fork server, so workers
        # start without re-importing PDFium and friends.  Only effective
        # before the server first starts; harmless afterwards.
        try:
            ctx.set_forkserver_preload([module])
        except Exception:  # noqa: BLE001 - an optimisation only
            pass
    return ctx
