"""Giving the C heap's free memory back to the operating system.

CPython's large objects (numpy arrays, long lists, unpickled metadata) come
from the C library's malloc. When a batch of an ingest or a generation's
tables are let go, glibc keeps most of the freed memory in its arenas for
later, and a thread's arena (an ingest's background commit) is rarely given
back at all: measured in a 1,000,000-page ingest, the main process held 566
MB, of which ``malloc_trim`` gave back 280. Calling it after such moments
keeps a process's resident memory near what it uses.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
import threading
import time
from typing import Callable

from . import config


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None (another C library, another system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process runs on
    except (OSError, AttributeError):  # musl and others have none
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def release_free_memory() -> bool:
    """Give the heap's free pages back to the system, in every arena.
    True when the C library did (it has the call and had some to give)."""
    return bool(_TRIM(0)) if _TRIM is not None else False


class HeapTrim:
    """When a serving process gives its heap's free memory back.

    After work that left garbage (:meth:`worked`, a search evaluated), at
    once but at most once per ``busy_seconds``: memory given back is
    faulted in again by the next search, so trimming after every one
    costs throughput. And once the process has been idle for
    ``idle_seconds``, whatever a burst left, by a background thread, so
    a worker between bursts holds only what it uses. Both default to
    :data:`search.config.HEAP_TRIM_SECONDS` and
    :data:`~search.config.HEAP_IDLE_SECONDS`, read when used.
    """

    def __init__(
        self,
        *,
        busy_seconds: float | None = None,
        idle_seconds: float | None = None,
        trim: Callable[[], object] | None = None,
    ):
        self._busy_seconds = busy_seconds
        self._idle_seconds = idle_seconds
        self.trims = 0  # how often the idle thread has trimmed (status, tests)
        self.busy_trims = 0  # how often work was followed by a trim at once
        self._trim = trim or release_free_memory
        self._busy_trimmed = time.monotonic()  # the last trim after work
        self._last = 0.0  # the last work
        self._pending = threading.Event()
        self._lock = threading.Lock()
        self._owner: int | None = None  # the process whose thread runs (a fork has none)
        self._closed = False
        self._stop = threading.Event()  # wakes the thread when closed
        self.thread: threading.Thread | None = None

    @property
    def busy_seconds(self) -> float:
        return config.HEAP_TRIM_SECONDS if self._busy_seconds is None else self._busy_seconds

    @property
    def idle_seconds(self) -> float:
        return config.HEAP_IDLE_SECONDS if self._idle_seconds is None else self._idle_seconds

    def worked(self) -> None:
        """Note work that left garbage: trim now if the last such trim is
        ``busy_seconds`` old, and again once idle."""
        now = time.monotonic()
        if now - self._busy_trimmed >= self.busy_seconds:
            self._busy_trimmed = now
            self._trim()
            self.busy_trims += 1
        self._last = now
        self._pending.set()
        if self._owner != os.getpid() and not self._closed:
            with self._lock:
                if self._owner != os.getpid():
                    self._owner = os.getpid()
                    self.thread = threading.Thread(target=self._run, name="etslib-idle-trim", daemon=True)
                    self.thread.start()

    def close(self) -> None:
        """Stop the thread (it ends at once, without trimming)."""
        self._closed = True
        self._stop.set()
        self._pending.set()

    def _run(self) -> None:
        while not self._closed:
            self._pending.wait()
            while not self._closed and (wait := self._last + self.idle_seconds - time.monotonic()) > 0:
                self._stop.wait(wait)
            if self._closed:
                return
            # Work noted from here on waits for the next round; its garbage
            # is freed before it is noted, so this trim may take some too.
            self._pending.clear()
            self._trim()
            self.trims += 1


def freeze_long_lived() -> None:
    """Keep what the process holds now (an index generation's tables, the
    data files, the web app) out of the garbage collector's full passes.

    A full pass walks every tracked object: in a serving worker at
    1,000,000 pages (200,000 objects, 29,000 of them document rows) each
    took 56-130 ms, about once per 100 searches. Garbage is collected
    first, so none is kept. Frozen objects are still freed when their
    last reference goes: a generation let go is, as it forms no cycles.
    """
    gc.collect()
    gc.freeze()
