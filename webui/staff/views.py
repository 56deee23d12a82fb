"""Typed view models of the staff pages, built from ``search.ingest``'s
objects; routes compute only what they show."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from search.ingest import audit
from search.ingest.attention import Attention, Item
from search.ingest.status import IndexStatus
from search.ingest.upload import Staged

from .forms import FieldView


_PATH_RE = re.compile(r"(?<![\w.:/])/(?:[^\s/:'\"]+/)+([^\s/:'\"]*)")


def no_paths(text: str | None) -> str | None:
    """``text`` with server paths cut to their last part (messages from
    ingest name files by their full path; staff need the name only)."""
    return _PATH_RE.sub(lambda m: m.group(1) or "…", text) if text else text


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


@dataclass
class JobView:
    state: str  # idle, running, done, failed
    kind: str
    phase: str
    done: int
    total: int
    queued: int
    who: str
    started: str
    finished: str
    error: str | None
    counts: dict[str, int]

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)


def job_view(st: dict[str, Any]) -> JobView:
    return JobView(
        st.get("state", "idle"),
        st.get("kind", ""),
        st.get("phase", ""),
        int(st.get("done") or 0),
        int(st.get("total") or 0),
        int(st.get("queued") or 0),
        st.get("who", ""),
        st.get("started") or "",
        st.get("finished") or "",
        no_paths(st.get("error")),
        dict(st.get("counts") or {}),
    )


def job_json(st: dict[str, Any]) -> dict[str, Any]:
    j = job_view(st)
    return {
        "state": j.state,
        "kind": j.kind,
        "phase": j.phase,
        "done": j.done,
        "total": j.total,
        "percent": j.percent,
        "queued": j.queued,
        "busy": bool(st.get("busy")),
        "started": j.started,
        "finished": j.finished,
        "error": j.error,
        "counts": j.counts,
    }


@dataclass
class StatusView:
    documents: int
    pages: int
    store_size: str
    cache_size: str
    schema_version: int | None
    schema_current: int
    problem: str | None
    library: list[str]
    last: dict[str, Any] | None  # the last ingest's report (no server paths shown)
    failures: list[tuple[str, str, str]]  # (file name, code, reason)
    job: JobView
    phrases_counted: int = 0
    phrases_pending: int = 0  # glossary phrases the index does not count whole yet (a rebuild does)


def status_view(st: IndexStatus, job: dict[str, Any]) -> StatusView:
    r = st.report
    fails = [(f["path"].rsplit("/", 1)[-1], f.get("code", ""), no_paths(f.get("reason", "")) or "") for f in (r or {}).get("failures", [])]
    if r is not None:
        r = {**r, "notes": [no_paths(n) for n in r.get("notes") or []]}
    return StatusView(
        st.documents,
        st.pages,
        human_bytes(st.store_bytes),
        human_bytes(st.cache_bytes),
        st.schema_version,
        st.schema_current,
        no_paths(st.problem),
        st.library,
        r,
        fails,
        job_view(job),
        st.phrases_counted,
        st.phrases_pending,
    )


@dataclass
class AttentionItemView:
    title: str
    file: str
    why: str
    edit_url: str | None
    doc_url: str | None


@dataclass
class AttentionSection:
    key: str
    heading: str
    count: int
    items: list[AttentionItemView]


def attention_view(att: Attention, limit: int = 200) -> list[AttentionSection]:
    def item(i: Item) -> AttentionItemView:
        if i.doc_id:
            edit = url_for("staff.edit", doc_id=i.doc_id)
        elif i.failure:
            edit = url_for("staff.failed", key=i.failure)  # what can be done with a file that has no record
        else:
            edit = None
        doc = url_for("pages.document", doc_id=i.doc_id) if i.doc_id else None
        return AttentionItemView(i.title, i.file, no_paths(i.why) or "", edit, doc)

    return [AttentionSection(k, h, len(items), [item(i) for i in items[:limit]]) for k, h, items in att.sections()]


@dataclass
class EditView:
    doc_id: str
    title: str
    file: str
    rev: int
    fields: list[FieldView]
    conflict: list[tuple[str, str, str]] = field(default_factory=list)  # (label, theirs, yours)
    conflict_by: str = ""
    errors: list[str] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)


@dataclass
class UploadItemView:
    index: int
    name: str
    original: str
    kind: str
    size: str
    ok: bool
    problem: str  # why no text could be read (still addable when a scan)
    sample: str
    fields: list[FieldView]
    version_of: dict[str, str] | None  # {"id", "title", "url"} of a likely earlier version


@dataclass
class UploadView:
    token: str
    items: list[UploadItemView]
    rejected: list[tuple[str, str]]
    duplicates: list[tuple[str, str, str]]  # (file name, existing title, its URL)


@dataclass
class AuditView:
    entries: list[audit.AuditEntry]
    total: int
    page: int
    pages: int
    action: str


def staged_size(item: Staged) -> str:
    return human_bytes(item.size)

