"""Where an index lives on disk, and who may write it.

Layout of an index folder::

    <root>/CURRENT        name of the live store folder (replaced atomically)
    <root>/store-<stamp>/ the Whoosh files and ``etslib.json`` (schema version,
                          phrase vocabulary)
    <root>/ingest.lock    held (flock) by the one process writing
    <root>/report.json    the last ingest's report
    <root>/textcache/     extracted text by content hash, for fast rebuilds
    <root>/catalogcache/  parsed catalog files by content hash

A rebuild writes a new store folder and then points ``CURRENT`` at it, so
searches go on against the old one until the new one is complete; a crash
before the switch leaves the old index in place.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import re
import shutil
import time
from pathlib import Path

from whoosh.index import EmptyIndexError

from ..text.phrases import EMPTY as EMPTY_PHRASES, PhraseSet
from .errors import IndexBusy, IndexDamaged, IndexMissing, IndexOutdated, IndexProblem  # noqa: F401 (still importable from here)
from .schema import SCHEMA_VERSION, build_schema
from .storage import DurableStorage, fault, fsync_dir
from .whoosh_format import INDEXNAME, latest_generation

CURRENT = "CURRENT"
VERSION_FILE = "etslib.json"
#: What :meth:`IndexRoot.create` names a store folder.
STORE_NAME_RE = re.compile(r"^store-[0-9A-Za-z-]{1,80}$")
#: Tries at opening an index whose table of contents a commit replaces meanwhile.
_OPEN_ATTEMPTS = 5


def index_id(store_name: str, generation: int) -> str:
    """What names one generation of one store to the outside (``/api/stats``
    and ``etslib publish``): the same on every node that serves a copy."""
    return f"{store_name}/{generation}"


def write_text_atomic(path: Path, data: str) -> None:
    """Write a small text file so a reader sees the old one or the new one."""
    _write_atomic(path, data)


def _write_atomic(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_json_atomic(path: Path, obj: object) -> None:
    """Write JSON so a reader sees the old file or the new one, never half."""
    text = json.dumps(obj, indent=1, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (a name that was not UTF-8): escaped
        text = json.dumps(obj, indent=1, ensure_ascii=True, default=str)
    _write_atomic(Path(path), text)


def release_abandoned_files(error: BaseException) -> None:
    """Close the files a Whoosh reader opened before it failed on damaged
    data: it leaves them open in its frames, to be closed (with a
    ResourceWarning) whenever the exception is dropped."""
    tb = error.__traceback__
    while tb is not None:
        for value in list(tb.tb_frame.f_locals.values()):
            f = getattr(value, "file", value)  # a StructFile wraps the file
            if isinstance(f, io.IOBase) and not f.closed:
                try:
                    f.close()
                except OSError:
                    pass
        tb = tb.tb_next


class Store:
    """One store folder: a Whoosh index plus its schema version."""

    def __init__(self, root: Path, name: str):
        self.root = root
        self.name = name
        self.path = root / name
        self.storage = DurableStorage(str(self.path))

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    @property
    def whoosh(self):
        # Opening lists the tables of contents, then reads the newest; a
        # commit in another thread or process can delete that one in
        # between (it keeps only its own), so a vanished table of contents
        # is looked for again while newer ones keep appearing.
        for attempt in range(_OPEN_ATTEMPTS):
            try:
                return self.storage.open_index(INDEXNAME)
            except (EmptyIndexError, FileNotFoundError) as e:
                if attempt + 1 < _OPEN_ATTEMPTS and latest_generation(self.storage, INDEXNAME) >= 0:
                    continue
                raise IndexMissing(f"no index in {self.path}") from e
            except OSError:
                raise
            except Exception as e:  # a table of contents that cannot be read
                release_abandoned_files(e)
                raise IndexDamaged(f"its table of contents cannot be read ({type(e).__name__})") from None
        raise AssertionError("unreachable")

    def generation(self) -> int:
        return self.whoosh.latest_generation()

    def _version_data(self) -> dict:
        try:
            data = json.loads((self.path / VERSION_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def schema_version(self) -> int | None:
        return self._version_data().get("schema_version")

    def phrases(self) -> PhraseSet:
        """The phrases this store counts whole (fixed when it was created:
        a glossary edited since reaches them at the next rebuild)."""
        patterns = self._version_data().get("phrases") or []
        return PhraseSet(p for p in patterns if isinstance(p, str))


class IndexRoot:
    """An index folder (see the module docstring)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"IndexRoot({str(self.root)!r})"

    @property
    def report_path(self) -> Path:
        return self.root / "report.json"

    @property
    def textcache(self) -> Path:
        return self.root / "textcache"

    def current_name(self) -> str | None:
        """The live store's folder name, or None (no CURRENT, or one that is
        not a store's name: see :meth:`current_damaged`)."""
        try:
            raw = (self.root / CURRENT).read_bytes()[:200]
        except OSError:
            return None
        try:
            name = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            return None
        return name if STORE_NAME_RE.match(name) else None

    def current_damaged(self) -> bool:
        """CURRENT exists but does not name a store folder that exists (a
        binary CURRENT defeated even ``--rebuild``)."""
        if not (self.root / CURRENT).exists():
            return False
        name = self.current_name()
        return name is None or not (self.root / name).is_dir()

    def exists(self) -> bool:
        name = self.current_name()
        return bool(name) and (self.root / name).is_dir()

    def open(self) -> Store:
        """The live store; raises when there is none, it is damaged or outdated."""
        if self.current_damaged():
            raise IndexDamaged("its CURRENT file does not name a store folder")
        name = self.current_name()
        if not name:
            raise IndexMissing(
                f"no index at {self.root}: run `etslib ingest PATH` first",
                "No documents have been indexed yet. Run `etslib ingest PATH` to build the index.",
            )
        store = Store(self.root, name)
        version = store.schema_version()
        if version != SCHEMA_VERSION:
            raise IndexOutdated(
                f"the index at {self.root} has schema version {version}, this etslib "
                f"writes {SCHEMA_VERSION}: run `etslib ingest --rebuild PATH`",
                "The index was written by another version of etslib. An administrator should run `etslib ingest --rebuild`.",
            )
        return store

    def create(self, phrases: PhraseSet = EMPTY_PHRASES) -> Store:
        """A new, empty store folder, not yet live (see :meth:`publish`),
        that counts ``phrases`` whole on every page it indexes."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S")
        name = f"store-{stamp}-{os.getpid()}-{time.monotonic_ns() % 100000:05d}"
        path = self.root / name
        path.mkdir()
        store = Store(self.root, name)
        store.storage.create_index(build_schema())
        data = {"schema_version": SCHEMA_VERSION, "phrases": list(phrases.patterns)}
        _write_atomic(path / VERSION_FILE, json.dumps(data, ensure_ascii=False, indent=0))
        return store

    def publish(self, store: Store) -> None:
        """Make ``store`` the live index and delete stores no longer live."""
        fault("before-swap")
        _write_atomic(self.root / CURRENT, store.name + "\n")
        fault("after-swap")
        self.remove_stale(keep=store.name)

    def remove_stale(self, keep: str | None = None) -> None:
        """Delete store folders other than the live one (after a crash or rebuild).

        Call only while holding the ingest lock: an unfinished rebuild of
        another process would otherwise be deleted under it. Open readers keep
        their files until they close (POSIX).
        """
        keep = keep or self.current_name()
        for p in self.root.glob("store-*"):
            if p.name != keep and p.is_dir():
                shutil.rmtree(p, ignore_errors=True)

    def lock(self) -> "IngestLock":
        return IngestLock(self.root)


class IngestLock:
    """An exclusive, non-blocking lock on an index folder.

    ``flock`` is released by the kernel when the process dies, so a killed
    ingest never leaves a stale lock behind.
    """

    def __init__(self, root: Path):
        self.path = root / "ingest.lock"
        self.fd: int | None = None

    def __enter__(self) -> "IngestLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = ""
            try:
                holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
            except OSError:
                pass
            os.close(fd)
            who = f" (pid {holder})" if holder else ""
            raise IndexBusy(f"another process{who} is writing the index at {self.path.parent}") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
