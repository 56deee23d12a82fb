"""A time budget for each request: a query that would run too long is
stopped and answered with a note, never left to hang a server worker.

:func:`limit` opens a budget for the current thread (the searcher does,
around every request); the evaluator calls :func:`check` between steps,
which raises :class:`OverBudget` once the time is up. A budget opened
inside another keeps the earlier deadline, so a request's suggestions and
exports share its budget.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator

from .. import config

#: What a request stopped for its budget says, instead of results.
NOTE = (
    "This query took too long to evaluate and was stopped: nothing is shown. "
    "Try fewer wildcards, fewer words or fewer alternatives."
)

_local = threading.local()


class OverBudget(Exception):
    """The request's time is up (caught where the request is planned)."""


@contextmanager
def limit(seconds: float | None = None) -> Iterator[None]:
    """Run the enclosed work under a deadline ``seconds`` from now
    (default :data:`search.config.QUERY_BUDGET_S`)."""
    outer = getattr(_local, "deadline", None)
    deadline = time.monotonic() + (config.QUERY_BUDGET_S if seconds is None else seconds)
    _local.deadline = deadline if outer is None else min(outer, deadline)
    try:
        yield
    finally:
        _local.deadline = outer


def check() -> None:
    """Raise :class:`OverBudget` when the current request's time is up."""
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget(NOTE)


def remaining() -> float | None:
    """Seconds left (None: no budget open)."""
    deadline = getattr(_local, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()
