"""Reporting a fast reader that falls back to Whoosh's slow path.

The pread readers (term lookups, stored fields) handle the files etslib
writes; anything else (an index in memory, a layout Whoosh wrote another
way) is read through Whoosh's own readers: correct, several times slower.
That is worth one warning per process and kind, not one per segment or
per snapshot.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("etslib.index")

_warned: set[str] = set()
_lock = threading.Lock()


def warn_once(kind: str, why: str) -> bool:
    """Log that ``kind`` falls back to Whoosh's reader because of ``why``,
    the first time only; returns whether it logged."""
    with _lock:
        if kind in _warned:
            return False
        _warned.add(kind)
    log.warning("%s fall back to Whoosh's slower reader: %s", kind, why)
    return True


def forget_warnings() -> None:
    """Warn again (tests)."""
    with _lock:
        _warned.clear()
