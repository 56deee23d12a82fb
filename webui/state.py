"""One :class:`~search.query.Searcher` per app (and so per worker process).

It is created on first use, not at import or app creation, so a worker
starts even before an index exists and the friendly "run etslib ingest"
page can be shown. The searcher reopens itself when ingest publishes a newer
index, so nothing here needs to watch the index.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from search.query import Searcher

_KEY = "etslib"


class _Holder:
    def __init__(self, index: str, freeze: bool):
        self.index = index
        self.freeze = freeze
        self.searcher: Searcher | None = None
        self.lock = threading.Lock()

    def get(self) -> Searcher:
        if self.searcher is None:
            with self.lock:  # the dev server runs requests in threads
                if self.searcher is None:
                    self.searcher = Searcher(self.index, freeze=self.freeze)
        return self.searcher


def init_app(app: Flask) -> None:
    # A server worker lives long: its index stays out of the garbage
    # collector's full passes (see search.heap.freeze_long_lived).
    app.extensions[_KEY] = _Holder(str(app.config["INDEX"]), bool(app.config.get("SERVER_WORKER")))


def get_searcher() -> Searcher:
    """The app's searcher (raises :class:`~search.query.IndexProblem` when there is no usable index)."""
    return current_app.extensions[_KEY].get()


def close(app: Flask) -> None:
    """Close the app's searcher (tests; a worker just exits)."""
    holder = app.extensions.get(_KEY)
    if holder is not None and holder.searcher is not None:
        holder.searcher.close()
        holder.searcher = None
