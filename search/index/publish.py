"""Copying the live generation to another index folder, for serving nodes.

A generation is immutable and self-contained: the files its checksums
list (:func:`.checksums.manifest`). :func:`publish` copies them to a
destination that serving nodes read as an ordinary index folder, so a node
picks the new generation up as it picks up an ingest (``CURRENT`` changes,
:class:`~.live.LiveIndex` notices)::

    DEST/CURRENT                   the published store serving nodes read
    DEST/store-<source>-g<N>/      generation N of the source store
    DEST/.publish-<name>.<pid>.tmp  a copy in progress (never read)
    DEST/publish.lock              held (flock) by the one publisher

The copy goes into a temporary folder beside, every file synced and
checked against its checksum, then is renamed into place; only then is
``CURRENT`` replaced (one atomic rename). Segment files never change once
written, so a file the previous published generation already holds is
hard-linked, not copied: publishing after a small ingest copies its new
segment. Old generations are deleted, but never the one just published nor
the one it replaced (a node may be opening it at this moment).

A destination ``HOST:PATH`` is reached with rsync over ssh (``rsh``): the
same steps, run by a few shell commands on the host.
"""

from __future__ import annotations

import fcntl
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .checksums import Manifest, manifest
from .errors import IndexProblem
from .storage import fsync_dir
from .store import CURRENT, STORE_NAME_RE, IndexRoot, Store, index_id, write_text_atomic

__all__ = ["PublishError", "Published", "publish", "published_name", "is_remote"]

_TMP_PREFIX = ".publish-"
_ATTEMPTS = 5
_CHUNK = 4 << 20
#: A destination like ``host:/srv/etslib`` or ``user@host:index`` (rsync's rule:
#: a colon before any slash).
_REMOTE_RE = re.compile(r"^(?P<host>[^/:]+):(?P<path>.*)$")


class PublishError(Exception):
    """Publishing failed; the message is one line saying what to do."""


class _Moved(Exception):
    """The writer committed while a generation was copied: copy the new one."""


@dataclass
class Published:
    """What :func:`publish` did (``etslib publish --json`` prints it)."""

    dest: str
    store: str  # the store folder's name at the destination
    generation: int
    index_id: str  # what ``/api/stats`` reports as ``index`` once a node serves it
    unchanged: bool = False  # the destination served this generation already
    files: int = 0
    copied_bytes: int = 0
    linked: int = 0  # files hard-linked from the previous published generation
    removed: list[str] = field(default_factory=list)  # old generations deleted
    method: str = "copy"  # "copy" (a local folder) or "rsync"
    seconds: float = 0.0

    def to_json(self) -> dict:
        return dict(self.__dict__)


def is_remote(dest: str) -> bool:
    """``HOST:PATH`` (and not a local path that happens to hold a colon)."""
    return bool(_REMOTE_RE.match(dest)) and not dest.startswith((".", "/")) and not os.path.exists(dest)


def published_name(store_name: str, generation: int) -> str:
    """The destination's folder for generation ``generation`` of a store:
    the same on every destination, so every node reports one ``index_id``."""
    base = re.sub(r"-g\d+$", "", store_name)  # publishing a published copy again
    suffix = f"-g{generation}"
    name = base[: 6 + 80 - len(suffix)] + suffix
    assert STORE_NAME_RE.match(name), name
    return name


def publish(root: IndexRoot, dest: str | os.PathLike, *, rsh: str | None = None) -> Published:
    """Copy the live generation of ``root`` to ``dest`` and make it live there.

    :param rsh: the remote shell for ``HOST:PATH`` (default ``$ETSLIB_RSH``,
        else ``ssh``), as rsync's ``-e``.
    :raises PublishError: with a message saying what to do.
    """
    t0 = time.monotonic()
    dest = str(dest)
    if is_remote(dest):
        out = _publish_remote(root, dest, rsh or os.environ.get("ETSLIB_RSH") or "ssh")
    else:
        out = _publish_local(root, Path(dest).expanduser())
    out.seconds = round(time.monotonic() - t0, 3)
    return out


# -- the source ------------------------------------------------------------------


def _live_generation(root: IndexRoot) -> tuple[Store, Manifest]:
    for _ in range(3):
        try:
            store = root.open()
            m = manifest(store)
        except IndexProblem as e:
            raise PublishError(str(e)) from None
        if m is not None:
            return store, m
        time.sleep(0.1)  # a commit between listing the files and reading the checksums
    if store.generation() <= 0:
        raise PublishError(f"the index at {root.root} is empty: run `etslib ingest PATH` first")
    raise PublishError(
        f"the index at {root.root} has no checksums yet (written by an older etslib): "
        "run `etslib ingest` on its folders once, which records them, then publish"
    )


# -- a local folder ------------------------------------------------------------------


class _DestLock:
    """``DEST/publish.lock``: one publisher at a time per destination."""

    def __init__(self, dest: Path):
        self.path = dest / "publish.lock"
        self.fd: int | None = None

    def __enter__(self) -> "_DestLock":
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise PublishError(f"another publish to {self.path.parent} is running") from None
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _check_dest(root: IndexRoot, dest: Path) -> Path:
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PublishError(f"cannot create the destination {dest}: {e.strerror}") from None
    dest = dest.resolve()
    if not dest.is_dir():
        raise PublishError(f"the destination {dest} is not a folder")
    if dest == root.root or root.root in dest.parents or dest in root.root.parents:
        raise PublishError(f"the destination {dest} is the index folder or inside it: publish to a folder of its own")
    if (dest / "report.json").exists() or (dest / "ingest.lock").exists():
        raise PublishError(f"{dest} holds an index that ingest writes: publish to an empty folder or one that publish made")
    probe = dest / f".publish-probe.{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise PublishError(f"the destination {dest} is not writable: {e.strerror}") from None
    return dest


def _publish_local(root: IndexRoot, dest: Path) -> Published:
    dest = _check_dest(root, dest)
    with _DestLock(dest):
        target = IndexRoot(dest)
        previous = target.current_name()
        for _ in range(_ATTEMPTS):
            store, m = _live_generation(root)
            name = published_name(store.name, m.generation)
            out = Published(str(dest), name, m.generation, index_id(name, m.generation), files=len(m.files))
            if (dest / name).is_dir() and previous == name:
                out.unchanged = True
                out.files = 0
                return out
            if not (dest / name).is_dir():
                try:
                    _copy(store, m, dest, name, dest / previous if previous else None, out)
                except _Moved:
                    continue
            _switch(dest, name)
            out.removed = _prune(dest, keep={name, previous})
            return out
        raise PublishError(f"the index at {root.root} changed {_ATTEMPTS} times while it was copied: try again when ingest is done")


def _copy(store: Store, m: Manifest, dest: Path, name: str, previous: Path | None, out: Published) -> None:
    tmp = dest / f"{_TMP_PREFIX}{name}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o755)
    try:
        for fname, (size, crc) in sorted(m.files.items()):
            if crc is not None and previous is not None and _same(previous / fname, size, crc):
                os.link(previous / fname, tmp / fname)
                out.linked += 1
                continue
            out.copied_bytes += _copy_file(store.path / fname, tmp / fname, size, crc)
        fsync_dir(tmp)
        os.rename(tmp, dest / name)
        fsync_dir(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _same(path: Path, size: int, crc: int) -> bool:
    try:
        if path.stat().st_size != size:
            return False
        return _crc_of(path) == crc
    except OSError:
        return False


def _crc_of(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def _copy_file(src: Path, dst: Path, size: int, crc: int | None) -> int:
    """Copy, sync and check one file; its size."""
    try:
        fin = open(src, "rb")
    except FileNotFoundError:
        raise _Moved() from None  # a commit merged it away: copy the new generation
    with fin, open(dst, "xb") as fout:
        got, n = 0, 0
        while chunk := fin.read(_CHUNK):
            got = zlib.crc32(chunk, got)
            n += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    os.chmod(dst, 0o644)
    if crc is not None and (n != size or got != crc):
        raise PublishError(f"{src} does not match its checksum: the index is damaged; run `etslib check`")
    return n


def _switch(dest: Path, name: str) -> None:
    write_text_atomic(dest / CURRENT, name + "\n")


def _prune(dest: Path, keep: set[str | None]) -> list[str]:
    """Delete old generations and abandoned copies (the lock is held: no
    other publisher is writing one). Nodes that still read a deleted one
    keep its open files (POSIX) until they move on."""
    removed = []
    for p in sorted(dest.iterdir()):
        if p.name.startswith("store-") and p.name not in keep and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
        elif p.name.startswith(_TMP_PREFIX) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
    return removed


# -- HOST:PATH, with rsync ------------------------------------------------------------


def _remote(rsh: str, host: str, script: str) -> subprocess.CompletedProcess:
    """Run a POSIX shell script on ``host`` through the remote shell."""
    try:
        return subprocess.run([*shlex.split(rsh), host, "sh -c " + shlex.quote(script)], capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        raise PublishError(f"cannot run the remote shell {rsh!r}: install ssh or give --rsh") from None
    except subprocess.TimeoutExpired:
        raise PublishError(f"{host} did not answer within 300 s") from None


def _publish_remote(root: IndexRoot, dest: str, rsh: str) -> Published:
    rsync = shutil.which("rsync")
    if rsync is None:
        raise PublishError("publishing to HOST:PATH needs rsync here and on the host (apt install rsync)")
    match = _REMOTE_RE.match(dest)
    assert match
    host, path = match["host"], match["path"] or "."
    q = shlex.quote(path)
    probe = _remote(
        rsh, host,
        f"mkdir -p {q} && cd {q} && test -w . || exit 3; "
        "if [ -e report.json ] || [ -e ingest.lock ]; then echo INGEST; exit 4; fi; cat CURRENT 2>/dev/null || true",
    )
    if probe.returncode == 3:
        raise PublishError(f"the destination {dest} cannot be created or is not writable")
    if probe.returncode == 4:
        raise PublishError(f"{dest} holds an index that ingest writes: publish to an empty folder or one that publish made")
    if probe.returncode != 0:
        raise PublishError(f"cannot reach {host}: {(probe.stderr.strip().splitlines() or ['exit ' + str(probe.returncode)])[-1]}")
    previous = probe.stdout.strip()
    previous = previous if STORE_NAME_RE.match(previous) else ""
    for _ in range(_ATTEMPTS):
        store, m = _live_generation(root)
        name = published_name(store.name, m.generation)
        out = Published(dest, name, m.generation, index_id(name, m.generation), files=len(m.files), method="rsync")
        if previous == name:
            out.unchanged, out.files = True, 0
            return out
        tmp = f"{_TMP_PREFIX}{name}.{os.getpid()}.tmp"
        with tempfile.NamedTemporaryFile("w", suffix=".files") as listing:
            listing.write("".join(f + "\n" for f in sorted(m.files)))
            listing.flush()
            cmd = [rsync, "-rt", "--chmod=D755,F644", "--files-from", listing.name, "--stats", "-e", rsh]
            if previous:
                cmd.append(f"--link-dest=../{previous}")
            cmd += [f"{store.path}/", f"{host}:{path.rstrip('/') or '.'}/{tmp}/"]
            run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode in (23, 24):  # files vanished: the writer committed meanwhile
            _remote(rsh, host, f"rm -rf {shlex.quote(path.rstrip('/') + '/' + tmp)}")
            continue
        if run.returncode != 0:
            raise PublishError(f"rsync to {dest} failed: {(run.stderr.strip().splitlines() or ['exit ' + str(run.returncode)])[-1]}")
        sent = re.search(r"Total transferred file size: ([\d,]+)", run.stdout)
        out.copied_bytes = int(sent.group(1).replace(",", "")) if sent else 0
        n, t, p = shlex.quote(name), shlex.quote(tmp), shlex.quote(previous)
        switch = _remote(
            rsh, host,
            f"set -e; cd {q}; if [ -d {n} ]; then rm -rf {t}; else mv {t} {n}; fi; sync; "
            f"printf '%s\\n' {n} > .CURRENT.tmp; sync; mv -f .CURRENT.tmp {CURRENT}; sync; "
            f"for d in store-* {_TMP_PREFIX}*; do [ -d \"$d\" ] || continue; "
            f"case \"$d\" in {n}|{p or n}) ;; *) rm -rf \"$d\"; echo \"$d\";; esac; done",
        )
        if switch.returncode != 0:
            raise PublishError(f"cannot switch {dest} to the new generation: {(switch.stderr.strip().splitlines() or ['?'])[-1]}")
        out.removed = [d for d in switch.stdout.split() if d.startswith("store-")]
        return out
    raise PublishError(f"the index at {root.root} changed {_ATTEMPTS} times while it was copied: try again when ingest is done")
