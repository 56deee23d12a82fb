"""A least-recently-used cache bounded by the bytes of what it holds.

Counting entries is not enough here: one common word's posting list at
100,000 pages is ~0.8 MB, a rare word's a few bytes, and a serving worker
must stay within a few hundred MB.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Hashable


class SizedLRU:
    """``oversize``: whether an entry larger than the whole budget is kept
    (alone) until the next one comes; without, it is only returned."""

    def __init__(self, budget_bytes: int, sizeof: Callable[[Any], int], *, oversize: bool = True):
        self.budget = budget_bytes
        self.sizeof = sizeof
        self.oversize = oversize
        self.bytes = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any | None:
        hit = self._items.get(key)
        if hit is None:
            return None
        self._items.move_to_end(key)
        return hit[0]

    def put(self, key: Hashable, value: Any) -> Any:
        old = self._items.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        size = self.sizeof(value)
        if size > self.budget and not self.oversize:
            return value
        self._items[key] = (value, size)
        self.bytes += size
        while self.bytes > self.budget and len(self._items) > 1:
            _, (_, freed) = self._items.popitem(last=False)
            self.bytes -= freed
        return value

    def resize(self, budget_bytes: int) -> None:
        """A new budget; the least recently used entries over it go."""
        self.budget = budget_bytes
        while self.bytes > self.budget and self._items:
            _, (_, freed) = self._items.popitem(last=False)
            self.bytes -= freed

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        hit = self.get(key)
        return hit if hit is not None else self.put(key, compute())

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0
