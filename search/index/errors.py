"""The index's errors: each message is one line the user can act on."""

from __future__ import annotations


class IndexProblem(Exception):
    """Base of the index errors; the message is one line for the user.

    ``public`` is the same for the web: it names no server path.
    """

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public or message


class IndexMissing(IndexProblem):
    pass


class IndexOutdated(IndexProblem):
    """The index was written by another schema version: rebuild it."""


class IndexBusy(IndexProblem):
    """Another process is writing the index."""


#: What to run about a damaged index (the text cache makes it quick).
REPAIR = (
    "run `etslib ingest` on the indexed folders to rebuild the damaged part from the text cache, "
    "or `etslib ingest --rebuild` on them"
)


class IndexDamaged(IndexProblem):
    """Files of the index are damaged (checksums, unreadable parts)."""

    def __init__(self, what: str):
        super().__init__(f"the index is damaged: {what}: {REPAIR}", f"The index is damaged. An administrator should {REPAIR}.")
