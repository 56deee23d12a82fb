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
import sys
from typing import Callable


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
