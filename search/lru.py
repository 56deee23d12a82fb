"""A least-recently-used cache bounded by the bytes of what it holds.

Counting entries is not enough here: one common word's posting list at
100,000 pages is ~0.8 MB, a rare word's a few bytes, and a serving worker
must stay within a few hundred MB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable


class SizedLRU:
    """``oversize``: whether an entry larger than the whole budget is kept
    (alone) until the next one comes; without, it is only returned.

    Safe to share between threads (the development server's, a program's
    own): six threads on one cache raised KeyError and lost count of its
    bytes without the lock.
    """

    def __init__(self, budget_bytes: int, sizeof: Callable[[Any], int], *, oversize: bool = True):
        self.budget = budget_bytes
        self.sizeof = sizeof
        self.oversize = oversize
        self.bytes = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                return None
            self._items.move_to_end(key)
            return hit[0]

    def put(self, key: Hashable, value: Any) -> Any:
        size = self.sizeof(value)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            if size > self.budget and not self.oversize:
                return value
            self._items[key] = (value, size)
            self.bytes += size
            self._evict(keep=1)
            return value

    def resize(self, budget_bytes: int) -> None:
        """A new budget; the least recently used entries over it go."""
        with self._lock:
            self.budget = budget_bytes
            self._evict(keep=0)

    def _evict(self, keep: int) -> None:
        """Entries go until the budget holds, leaving at least ``keep``."""
        while self.bytes > self.budget and len(self._items) > keep:
            _, (_, freed) = self._items.popitem(last=False)
            self.bytes -= freed

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        hit = self.get(key)
        return hit if hit is not None else self.put(key, compute())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0


class SegmentedLRU(SizedLRU):
    """A :class:`SizedLRU` that entries asked for once cannot empty of those
    asked for again (a segmented LRU, as memcached and Caffeine keep).

    A new entry is on probation; asked for again, it joins the protected
    part, which holds up to ``protected`` of the budget (its least recently
    used entries go back on probation). Room is made on probation first, so
    queries asked once (a crawler, the long tail) push out each other and
    not the popular ones.
    """

    def __init__(self, budget_bytes: int, sizeof: Callable[[Any], int], *, protected: float = 0.8, oversize: bool = True):
        super().__init__(budget_bytes, sizeof, oversize=oversize)
        self.protected_share = protected
        self._protected: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.protected_bytes = 0

    def __len__(self) -> int:
        return len(self._items) + len(self._protected)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            hit = self._protected.get(key)
            if hit is not None:
                self._protected.move_to_end(key)
                return hit[0]
            hit = self._items.pop(key, None)
            if hit is None:
                return None
            self._protected[key] = hit  # asked for again: promoted
            self.protected_bytes += hit[1]
            while self.protected_bytes > self.budget * self.protected_share and len(self._protected) > 1:
                old, entry = self._protected.popitem(last=False)
                self.protected_bytes -= entry[1]
                self._items[old] = entry  # back on probation, as its most recent
            return hit[0]

    def put(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            old = self._protected.pop(key, None)
            if old is not None:
                self.protected_bytes -= old[1]
                self.bytes -= old[1]
            return super().put(key, value)

    def _evict(self, keep: int) -> None:
        while self.bytes > self.budget and len(self) > keep:
            # Probation's oldest first, but not the entry just put there
            # while protected ones could go instead.
            if len(self._items) > 1 or (self._items and not self._protected):
                _, (_, freed) = self._items.popitem(last=False)
            else:
                _, (_, freed) = self._protected.popitem(last=False)
                self.protected_bytes -= freed
            self.bytes -= freed

    def clear(self) -> None:
        with self._lock:
            super().clear()
            self._protected.clear()
            self.protected_bytes = 0
