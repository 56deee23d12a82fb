"""What ingest may read: regular files inside the folders it was given.

A document folder is not trusted: a symbolic link ``shadow.txt`` →
``/etc/shadow`` was indexed and served, a FIFO named ``pipe.txt`` or a link
to ``/dev/zero`` hung the main process (and with it the ingest lock) for
ever, and one file name that was not UTF-8 made every ingest exit with a
traceback. :func:`refusal` says why a walked path is left out (``None``:
it may be read), :func:`open_regular` opens a file without blocking on a
FIFO and refuses anything that is not a regular file, and
:func:`shown` writes any path so it can be printed safely.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Iterable

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


class NotRegularFile(OSError):
    """A path that is not (or is no longer) a regular file."""


def kind_of(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def is_within(path: str | os.PathLike, roots: Iterable[str | os.PathLike]) -> bool:
    """``path`` (resolved) is one of ``roots`` (resolved) or below one."""
    p = str(path)
    for r in roots:
        r = str(r)
        if p == r or p.startswith(r.rstrip(os.sep) + os.sep):
            return True
    return False


def utf8_name(path: str) -> bool:
    """The path's bytes are UTF-8 (Python keeps others as lone surrogates)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(path: str | os.PathLike) -> str:
    """A path as it may be printed or saved: bytes that are not UTF-8 as
    ``\\xNN``, control characters (a newline in a file name) escaped."""
    raw = os.fsencode(path)
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii") for ch in text)


def refusal(path: Path, roots: list[str]) -> tuple[str | None, os.stat_result | None]:
    """Why ``path`` must not be read (``(reason, None)``), or ``(None, stat)``.

    Symbolic links are followed only to regular files inside ``roots`` (the
    resolved folders being ingested); FIFOs, devices and sockets are never
    opened.
    """
    try:
        st = os.lstat(path)
    except OSError as e:
        return f"cannot read: {e.strerror or e}", None
    if stat.S_ISLNK(st.st_mode):
        try:
            real = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):
            return "a symbolic link that leads nowhere", None
        if not is_within(real, roots):
            return "a symbolic link to a file outside the folders being ingested: not followed", None
        try:
            st = os.stat(path)
        except OSError as e:
            return f"cannot read: {e.strerror or e}", None
    if not stat.S_ISREG(st.st_mode):
        return f"{kind_of(st.st_mode)}, not a regular file: not read", None
    return None, st


def open_regular(path: str) -> int:
    """A read-only descriptor of ``path``, which must be a regular file.

    ``O_NONBLOCK`` makes opening a FIFO return at once (a file swapped for
    one after the walk), and the type is checked on the open descriptor.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{kind_of(st.st_mode)}, not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


class FileChanged(Exception):
    """An indexed file that may not be served as it is now; the message says why."""


def open_indexed(info: dict) -> tuple[int, os.stat_result]:
    """Open an indexed document's file for serving, after checking that it
    is still the file that was indexed: its resolved path inside the folder
    it was ingested from (no symbolic link swapped in since), a regular
    file, and the size and modification time the index recorded.

    Returns the open descriptor and its stat; raises :class:`FileChanged`.
    Documents indexed before the folder was recorded (``root``) are served
    only from a path with no symbolic link in it.
    """
    path = str(info.get("path") or "")
    if not path or not utf8_name(path):
        raise FileChanged("The index has no file for this document.")
    real = os.path.realpath(path)
    root = info.get("root")
    inside = is_within(real, [root]) if isinstance(root, str) and root else real == os.path.abspath(path)
    if not inside:
        raise FileChanged("The file of this document now leads outside the indexed folders: it is not served.")
    try:
        fd = open_regular(real)
    except FileNotFoundError:
        raise FileChanged("The file of this document is no longer where it was indexed; re-run `etslib ingest`.") from None
    except OSError:
        raise FileChanged("The file of this document cannot be read as a regular file: it is not served.") from None
    st = os.fstat(fd)
    if st.st_size != info.get("size") or st.st_mtime_ns != info.get("mtime_ns"):
        os.close(fd)
        raise FileChanged("The file of this document has changed since it was indexed: it is served again after the next `etslib ingest`.")
    return fd, st
