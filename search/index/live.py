"""The live generation of an index folder, for a long-running reader.

Ingest publishes a new generation by committing into the live store folder
or, on a rebuild, by pointing ``CURRENT`` at a new one. :class:`LiveIndex`
hands out a :class:`Snapshot` of whatever is live and opens a new one when
either has changed, so a server needs no restart after a reindex. A reader
knows the generation changed when it is handed a different snapshot object.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Callable

from . import IndexMissing, IndexRoot, Snapshot
from .checksums import verify
from .store import CURRENT

if TYPE_CHECKING:
    from . import Store

__all__ = ["LiveIndex"]


class LiveIndex:
    """The snapshot of the live generation at ``root``; thread-safe.

    :param open_snapshot: makes a snapshot of a store (tests pass a reader
        built on Whoosh's own matchers).
    """

    def __init__(self, root: IndexRoot, open_snapshot: Callable[[Store], Snapshot] = Snapshot, *, full_check: bool = True):
        self.root = root
        self.full_check = full_check
        self._open_snapshot = open_snapshot
        self._snap: Snapshot | None = None
        self._seen_stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The live generation's snapshot; a new object when the index changed.

        Raises :class:`~search.index.IndexProblem` when there is no usable index.
        """
        snap = self._snap
        stamp = self._stamp(snap)
        if snap is not None and stamp is not None and stamp == self._seen_stamp:
            return snap
        key = self._live_key()
        if snap is not None and snap.key == key:
            self._seen_stamp = stamp
            return snap
        with self._lock:
            snap = self._snap
            if snap is not None and snap.key == key:
                return snap
            store = self.root.open()
            # Damage is found before it can give wrong answers: every file
            # against its checksum (a file already checked by this process
            # is not read again, so a new generation costs its new segment).
            verify(store, full=self.full_check).raise_if_damaged()
            new = self._open_snapshot(store)
            old, self._snap = self._snap, new
            self._seen_stamp = self._stamp(new)
            if old is not None:
                old.close()
            return new

    def close(self) -> None:
        if self._snap is not None:
            self._snap.close()
            self._snap = None

    def _live_key(self) -> tuple[str, int] | None:
        """(store folder, generation) of what is live now: opens the index."""
        if not self.root.current_name():
            return None
        try:
            store = self.root.open()
            return (store.name, store.generation())
        except IndexMissing:
            return None

    def _stamp(self, snap: Snapshot | None) -> tuple[int, int] | None:
        """Modification times of CURRENT and of the live store folder: a
        commit renames a new table of contents into the folder, a rebuild
        rewrites CURRENT. Two stat calls, where opening the index to ask
        for its generation cost ~0.5 ms a request."""
        if snap is None:
            return None
        try:
            return (os.stat(self.root.root / CURRENT).st_mtime_ns, os.stat(snap.store.path).st_mtime_ns)
        except OSError:
            return None
