"""Checksums of an index's files: written at every commit, checked whenever
the index is opened.

A damaged index used to answer wrongly or not at all: a truncated ``.pst``
left ``stats`` counting 106 documents while every search failed (and
``ingest`` said "unchanged"); a ``.pg.col`` cut to 30% silently gave 25 of
106 documents. So every commit writes ``checksums-<generation>.json``
beside the table of contents (TOC), *before* the TOC is renamed into place:
the size and CRC-32 of each segment file, of the TOC itself, and the
document numbers each segment holds. Segment files never change once
written, so a commit hashes only its new segment.

:func:`verify` compares the files with the checksums of the live
generation (sizes only, or every byte; a file already hashed by this
process at the same size and time is not read again) and returns a
:class:`Verdict`: which segments are damaged, or that the whole index is
(the TOC or the checksums themselves). :func:`repair` drops damaged
segments and the other records of their documents, so the next plan
indexes those documents again from the text cache. An index written before
checksums existed is "unchecked" until :func:`record` blesses it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.filedb.filestore import FileStorage

from .errors import IndexDamaged
from .store import VERSION_FILE, Store, write_json_atomic
from .whoosh_format import INDEXNAME, latest_generation, open_segment, read_int_column, read_toc, toc_filename, write_toc

FORMAT = 1
_NAME = "checksums-{generation}.json"
_NAME_RE = re.compile(r"^checksums-(\d+)\.json$")
_CHUNK = 4 << 20

#: (path, inode, size, mtime_ns) -> CRC-32, for files this process has read.
_memo: dict[tuple[str, int, int, int], int] = {}
_memo_lock = threading.Lock()


def _crc(path: Path) -> int:
    """CRC-32 of a file (~3 GB/s: a 700 MB index in a quarter second)."""
    st = os.stat(path)
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    with _memo_lock:
        if key in _memo:
            return _memo[key]
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    with _memo_lock:
        _memo[key] = crc
    return crc


def _sum_of(payload: dict[str, Any]) -> int:
    return zlib.crc32(json.dumps(payload, sort_keys=True).encode())


def _path(store: Store, generation: int) -> Path:
    return store.path / _NAME.format(generation=generation)


def _toc_name(store: Store, generation: int) -> str:
    return toc_filename(INDEXNAME, generation)


# -- writing -------------------------------------------------------------------


def _segment_files(store: Store, segment_id: str) -> list[str]:
    prefix = segment_id + "."
    return sorted(n for n in store.storage.list() if n.startswith(prefix))


def _describe_segment(store: Store, schema, seg) -> dict[str, Any]:
    """A segment's files with size and CRC, and its document numbers."""
    files = {}
    for name in _segment_files(store, seg.segment_id()):
        p = store.path / name
        files[name] = [p.stat().st_size, _crc(p)]
    reader = open_segment(store.storage, schema, seg)
    try:
        dns = np.unique(read_int_column(reader, "dn", seg.doc_count_all(), -1))
    finally:
        reader.close()
    return {"files": files, "dns": [int(d) for d in dns if d >= 0]}


def _load(store: Store, generation: int) -> dict[str, Any] | None:
    """The checksums of ``generation`` when present and intact, else None."""
    try:
        data = json.loads(_path(store, generation).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("generation") != generation:
        return None
    body = {k: v for k, v in data.items() if k != "checksum"}
    if data.get("checksum") != _sum_of(body) or not isinstance(data.get("segments"), dict):
        return None
    return data


def _on_disk(store: Store) -> bool:
    """Files on a disk (tests keep some stores in memory: nothing to check)."""
    return isinstance(store.storage, FileStorage)


def _generations(store: Store) -> list[int]:
    return [int(m.group(1)) for p in store.path.glob("checksums-*.json") if (m := _NAME_RE.match(p.name))]


def remove_unpublished(store: Store) -> None:
    """Delete the checksums of generations newer than the live one (a
    commit killed between writing them and its table of contents)."""
    if not _on_disk(store):
        return
    live = latest_generation(store.storage, INDEXNAME)
    for g in _generations(store):
        if g > live:
            _path(store, g).unlink(missing_ok=True)


def publish(store: Store, schema, segments: list, generation: int) -> None:
    """Commit ``segments`` as ``generation``: the checksums first (known
    segments' from the previous generation's, new ones hashed now), then
    the TOC, whose own checksum goes in as it is renamed into place."""
    if not _on_disk(store):
        write_toc(store.storage, INDEXNAME, schema, segments, generation)
        return
    previous = _load(store, generation - 1) or {"segments": {}}
    described = {}
    for seg in segments:
        sid = seg.segment_id()
        known = previous["segments"].get(sid)
        described[sid] = known if known is not None else _describe_segment(store, schema, seg)

    def before_publish(temp_toc: str) -> None:
        toc = store.path / temp_toc
        body = {
            "format": FORMAT,
            "generation": generation,
            "toc": [toc.stat().st_size, _crc(toc)],
            "segments": described,
        }
        write_json_atomic(_path(store, generation), {**body, "checksum": _sum_of(body)})

    write_toc(store.storage, INDEXNAME, schema, segments, generation, before_publish=before_publish)
    for p in store.path.glob("checksums-*.json"):
        m = _NAME_RE.match(p.name)
        if m and int(m.group(1)) != generation:
            p.unlink(missing_ok=True)


def record(store: Store) -> None:
    """Write checksums for the live generation of an index written before
    etslib kept them (call after it has opened cleanly)."""
    toc = read_toc(store.whoosh)
    body = {
        "format": FORMAT,
        "generation": toc.generation,
        "toc": [],
        "segments": {s.segment_id(): _describe_segment(store, toc.schema, s) for s in toc.segments},
    }
    toc_file = store.path / _toc_name(store, toc.generation)
    body["toc"] = [toc_file.stat().st_size, _crc(toc_file)]
    write_json_atomic(_path(store, toc.generation), {**body, "checksum": _sum_of(body)})


# -- checking ------------------------------------------------------------------


@dataclass
class Verdict:
    """What :func:`verify` found."""

    checked: bool = True  # False: no checksums (an index written before them)
    whole: bool = False  # the TOC or the checksums are damaged: only a rebuild helps
    segments: set[str] = field(default_factory=set)  # damaged segments
    dns: set[int] = field(default_factory=set)  # the documents (by number) they hold
    problems: list[str] = field(default_factory=list)
    files: int = 0  # files checked
    bytes: int = 0

    @property
    def damaged(self) -> bool:
        return self.whole or bool(self.segments)

    def raise_if_damaged(self) -> None:
        if self.damaged:
            raise IndexDamaged(self.problems[0] + (f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""))


def verify(store: Store, *, full: bool = True) -> Verdict:
    """Check the live generation's files against its checksums: sizes
    only, or (``full``) every byte. Never raises for damage."""
    out = Verdict()
    if not _on_disk(store):
        out.checked = False
        return out
    generation = latest_generation(store.storage, INDEXNAME)
    if generation < 0:  # the live store has no table of contents at all
        out.whole = True
        out.problems.append("its table of contents is missing")
        return out
    data = _load(store, generation)
    if data is None:
        # No checksums for the live generation: an index written before
        # they were kept, or the empty one Whoosh creates (generation 0;
        # a commit killed after writing its checksums leaves a newer file).
        # Older ones present, or a file that does not read, is damage.
        older = [g for g in _generations(store) if g < generation]
        if not _path(store, generation).exists() and not older:
            out.checked = False
            return out
        out.whole = True
        out.problems.append(f"the checksums of generation {generation} are missing or damaged")
        return out
    toc = store.path / _toc_name(store, generation)
    try:
        good = list(data["toc"]) == [toc.stat().st_size, _crc(toc)]
    except (OSError, TypeError):
        good = False
    if not good:
        out.whole = True
        out.problems.append(f"the table of contents {toc.name} does not match its checksum")
        return out
    for sid, desc in sorted(data["segments"].items()):
        files = desc.get("files") if isinstance(desc, dict) else None
        if not isinstance(files, dict) or not files:
            out.whole = True
            out.problems.append(f"the checksums of segment {sid} are damaged")
            continue
        for name, want in sorted(files.items()):
            try:
                size, crc = want
                p = store.path / Path(str(name)).name  # a name, never a path out of the store
            except (TypeError, ValueError):
                out.whole = True
                out.problems.append(f"the checksums of segment {sid} are damaged")
                continue
            out.files += 1
            try:
                actual = p.stat().st_size
            except OSError:
                problem = "is missing"
            else:
                out.bytes += actual
                if actual != size:
                    problem = f"is {actual:,} bytes, {size:,} when written"
                elif full and _crc(p) != crc:
                    problem = "has changed since it was written (checksum mismatch)"
                else:
                    continue
            out.segments.add(sid)
            out.dns.update(int(d) for d in desc.get("dns", []))
            out.problems.append(f"segment file {name} {problem}")
    return out


def repair(store: Store, verdict: Verdict) -> int:
    """Drop the damaged segments and, in the others, every record of the
    documents they held (one atomic commit); returns how many documents
    are gone from the index and must be indexed again."""
    ix = store.whoosh
    toc = read_toc(ix)
    affected = np.array(sorted(verdict.dns), dtype=np.int64)
    keep = []
    for seg in toc.segments:
        if seg.segment_id() in verdict.segments:
            continue
        if len(affected):
            reader = open_segment(store.storage, toc.schema, seg)
            try:
                dn = read_int_column(reader, "dn", seg.doc_count_all(), -1)
            finally:
                reader.close()
            for docnum in np.flatnonzero(np.isin(dn, affected)).tolist():
                if not seg.is_deleted(docnum):
                    seg.delete_document(docnum)
        if seg.doc_count() > 0:
            keep.append(seg)
    publish(store, toc.schema, keep, toc.generation + 1)
    return len(affected)


# -- copying -------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """Every file of one generation with its size and CRC-32: what a copy
    of the generation must hold (:mod:`.publish`)."""

    generation: int
    files: dict[str, tuple[int, int | None]]  # name -> (size, CRC-32; None: not recorded)


def manifest(store: Store) -> Manifest | None:
    """The live generation's files, from its checksums; None when it has
    none (an empty index, or one written before checksums were kept)."""
    if not _on_disk(store):
        return None
    generation = latest_generation(store.storage, INDEXNAME)
    data = _load(store, generation) if generation >= 0 else None
    if data is None:
        return None
    files: dict[str, tuple[int, int | None]] = {}
    for desc in data["segments"].values():
        for name, (size, crc) in desc["files"].items():
            files[Path(str(name)).name] = (int(size), int(crc))
    size, crc = data["toc"]
    files[_toc_name(store, generation)] = (int(size), int(crc))
    for name in (_path(store, generation).name, VERSION_FILE):
        try:
            files[name] = ((store.path / name).stat().st_size, None)
        except OSError:
            return None
    return Manifest(generation, files)
