"""Whoosh file storage that survives a power cut.

Whoosh writes a segment's files, then the table of contents (TOC) under a
temporary name and renames it. Without fsync a power cut can leave a TOC on
disk that points at data still in the page cache; so every file is synced
before it is closed and the directory after every rename.
"""

from __future__ import annotations

import errno
import os
import signal

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class _SyncedFile(StructFile):
    def close(self):
        if not self.is_closed and hasattr(self.file, "fileno"):
            try:
                self.file.flush()
                os.fsync(self.file.fileno())
            except (OSError, ValueError):
                pass
        super().close()


def fsync_dir(path: str | os.PathLike) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DurableStorage(FileStorage):
    """A FileStorage whose writes are on disk once Whoosh closes them."""

    #: Called with a new table of contents' temporary name before it is
    #: renamed into place (the checksums are written then; see
    #: :func:`~.whoosh_format.write_toc`).
    before_toc_rename = None

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        f = super().create_file(name, excl=excl, mode=mode, **kwargs)
        raw = f.file
        if _fault_spec("enospc") is not None:
            raw = _FullDisk(raw)
        synced = _SyncedFile(raw, name=name, **kwargs)
        return synced

    def rename_file(self, oldname, newname, safe=False):
        hook = self.before_toc_rename
        if hook is not None and newname.endswith(".toc"):
            hook(oldname)
        fault("before-commit")
        super().rename_file(oldname, newname, safe=safe)
        fsync_dir(self.folder)
        fault("after-commit")


_fault_counts: dict[str, int] = {}
_written = [0]


def _fault_spec(point: str) -> str | None:
    spec = os.environ.get("ETSLIB_FAULT")
    if not spec or not spec.startswith(point + ":"):
        return None
    return spec.split(":", 1)[1]


class _FullDisk:
    """Crash tests: ``ETSLIB_FAULT=enospc:BYTES`` makes index files fail
    with ENOSPC ("No space left on device") once this process has written
    BYTES to them, as a full disk does."""

    def __init__(self, raw):
        self._raw = raw

    def write(self, data) -> int:
        budget = int(_fault_spec("enospc") or 0)
        if _written[0] + len(data) > budget:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _written[0] += len(data)
        return self._raw.write(data)

    def __getattr__(self, name):
        return getattr(self._raw, name)


def fault(point: str) -> None:
    """Crash tests: ``ETSLIB_FAULT=before-commit:3`` kills the process with
    SIGKILL at the third commit, before its table of contents is renamed
    into place (``after-commit``: just after; ``before-swap`` and
    ``after-swap``: around CURRENT's rename when an index is published)."""
    spec = os.environ.get("ETSLIB_FAULT")
    if not spec or not spec.startswith(point + ":"):
        return
    n = _fault_counts[point] = _fault_counts.get(point, 0) + 1
    if n == int(spec.split(":", 1)[1]):
        os.kill(os.getpid(), signal.SIGKILL)
