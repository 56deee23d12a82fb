"""The index's errors: each message is one line the user can act on."""

from __future__ import annotations


class IndexProblem(Exception):
    """Base of the index errors; the message is one line for the user."""


class IndexMissing(IndexProblem):
    pass


class IndexOutdated(IndexProblem):
    """The index was written by another schema version: rebuild it."""


class IndexBusy(IndexProblem):
    """Another process is writing the index."""
