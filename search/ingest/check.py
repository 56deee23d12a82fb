"""``etslib check``: is the index whole, and does it agree with the files?

Two kinds of finding, each with the way out:

* **damage**: files of the index that differ from the checksums written when
  they were committed (:func:`search.index.checksums.verify`, every byte),
  or an index that cannot be opened at all;
* **disagreement** between the index, the document folders and the catalog:
  a file indexed twice or not at all, an indexed document whose file is gone
  or changed, records that belong to no document, a catalog entry that
  points nowhere.

The check only reads (it takes no lock, so it can run beside searches and
even an ingest, whose unfinished batch it does not see).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..index import IndexProblem, IndexRoot, Snapshot
from ..index.checksums import verify
from .catalog import CatalogError, load_catalog
from .plan import walk
from .report import read_failures, read_report
from .safety import shown

#: Exit codes of ``etslib check``.
HEALTHY, DISAGREES, DAMAGED = 0, 3, 4


@dataclass
class CheckResult:
    documents: int = 0
    pages: int = 0
    files: int = 0  # index files checked against their checksums
    bytes: int = 0
    checked: bool = True  # False: the index has no checksums yet
    damage: list[str] = field(default_factory=list)
    disagreements: list[dict[str, str]] = field(default_factory=list)  # {"kind", "detail"}
    way_out: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return DAMAGED if self.damage else DISAGREES if self.disagreements else HEALTHY

    def to_json(self) -> dict[str, Any]:
        return {
            "status": {HEALTHY: "healthy", DISAGREES: "disagrees", DAMAGED: "damaged"}[self.exit_code],
            "documents": self.documents,
            "pages": self.pages,
            "files_checked": self.files,
            "bytes_checked": self.bytes,
            "checksums": self.checked,
            "damage": self.damage,
            "disagreements": self.disagreements,
            "way_out": self.way_out,
        }


def check_index(root: IndexRoot, paths: list[str] | None = None, catalogs: list[str] | None = None) -> CheckResult:
    """Check the index at ``root``; with ``paths`` (else the folders of the
    last ingest) also whether it agrees with the files and catalogs there.
    Raises :class:`~search.index.IndexMissing` when there is no index."""
    out = CheckResult()
    try:
        store = root.open()
    except IndexProblem as e:
        if type(e).__name__ == "IndexMissing":
            raise
        out.damage.append(str(e).split(": run `", 1)[0])
        out.way_out.append("run `etslib ingest --rebuild PATH...` (the text cache makes it quick)")
        return out
    verdict = verify(store, full=True)
    out.checked, out.files, out.bytes = verdict.checked, verdict.files, verdict.bytes
    out.damage.extend(verdict.problems)
    if verdict.damaged:
        out.way_out.append(
            "run `etslib ingest PATH...` on the indexed folders: it rebuilds the damaged part from the text cache"
            if not verdict.whole
            else "run `etslib ingest --rebuild PATH...` on the indexed folders"
        )
        return out
    try:
        snap = Snapshot(store)
    except IndexProblem as e:
        out.damage.append(str(e).split(": run `", 1)[0])
        out.way_out.append("run `etslib ingest --rebuild PATH...` on the indexed folders")
        return out
    try:
        out.documents, out.pages = snap.n_docs, snap.n_pages
        _check_records(snap, out)
        _check_files(root, snap, paths, catalogs or [], out)
    finally:
        snap.close()
    if out.disagreements:
        out.way_out.append("run `etslib ingest PATH...` on the indexed folders to bring the index up to date")
    return out


def _say(out: CheckResult, kind: str, detail: str) -> None:
    out.disagreements.append({"kind": kind, "detail": detail})


def _check_records(snap: Snapshot, out: CheckResult) -> None:
    """Within the index: one header per document, pages that belong to one."""
    seen: dict[str, dict[str, Any]] = {}
    for key in ("id", "path", "sha256"):
        counts: dict[Any, int] = {}
        for info in snap.infos:
            counts[info.get(key)] = counts.get(info.get(key), 0) + 1
        for value, n in counts.items():
            if n > 1:
                _say(out, "indexed twice", f"{n} documents have the {key} {shown(str(value))}")
        seen[key] = counts
    dns, n_dns = np.unique(snap.doc_dn, return_counts=True)
    for dn in dns[n_dns > 1].tolist():
        _say(out, "indexed twice", f"{int(n_dns[dns == dn][0])} document headers share the number {dn}")
    live_pages = snap.live & (snap.page_num > 0)
    orphans = int((live_pages & (snap.page_doc < 0)).sum())
    if orphans:
        _say(out, "orphan records", f"{orphans:,} page records belong to no indexed document")
    per_doc = np.bincount(snap.page_doc[snap.page_doc >= 0], minlength=snap.n_docs)
    for row in np.flatnonzero(per_doc == 0).tolist():
        info = snap.infos[row]
        if (info.get("page_count") or 0) > 0:
            _say(out, "no pages", f"{info.get('id')} ({shown(str(info.get('path')))}) has no page in the index")


def _check_files(root: IndexRoot, snap: Snapshot, paths: list[str] | None, catalogs: list[str], out: CheckResult) -> None:
    """Between the index and the folders: every file indexed once, no
    document whose file is gone or changed, no catalog entry pointing nowhere."""
    last = read_report(root) or {}
    if not paths:
        paths = [p for p in last.get("paths") or [] if isinstance(p, str) and os.path.isdir(p)]
    by_path = {info.get("path"): info for info in snap.infos}
    for info in snap.infos:
        p = str(info.get("path") or "")
        try:
            st = os.stat(p)
        except OSError:
            _say(out, "file gone", f"{info.get('id')}: {shown(p)} no longer exists")
            continue
        if st.st_size != info.get("size") or st.st_mtime_ns != info.get("mtime_ns"):
            _say(out, "file changed", f"{info.get('id')}: {shown(p)} has changed since it was indexed")
    if not paths:
        return
    skipped: list[dict[str, str]] = []
    try:
        files = walk(paths, skipped)
    except FileNotFoundError as e:
        _say(out, "folder gone", str(e))
        return
    failed = read_failures(root)
    duplicates = {d["path"] for d in last.get("duplicates") or []}
    for f in files:
        if f.path in by_path or f.path in duplicates:
            continue
        if f.path in failed:
            continue  # reported by the ingest that tried it (etslib stats)
        _say(out, "not indexed", f"{shown(f.path)} is not in the index")
    try:
        catalog = load_catalog(paths, catalogs)
    except CatalogError as e:
        _say(out, "catalog", str(e))
        return
    for p in catalog.problems:
        if not p["kept"]:
            _say(out, "catalog", f"{shown(p['file'])}, line {p['line']}: {p['problem']}")
    walked = {f.path for f in files}
    shas = {info.get("sha256") for info in snap.infos}
    for (kind, key), (file, line) in sorted(catalog.origins.items()):
        if kind == "path" and key not in walked and not Path(key).exists():
            _say(out, "catalog points nowhere", f"{shown(file)}, line {line}: no file {shown(key)}")
        elif kind == "sha256" and key not in shas:
            _say(out, "catalog points nowhere", f"{shown(file)}, line {line}: no indexed document has the sha256 {key}")
