"""The staff routes. Each parses the request, hands the work to
``search.ingest`` and renders a view model (:mod:`.views`); every change
is written to the audit log and queues a reindex, so it is searchable
within seconds while searches go on against the live index."""

from __future__ import annotations

import os
from typing import Any

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for

from search.ingest import audit, jobs
from search.ingest import staffcatalog
from search.ingest.attention import needs_attention
from search.ingest.catalog import CatalogError
from search.ingest.catalogio import check_values
from search.ingest.library import in_library, move_to_trash, relative_name, upload_dir
from search.ingest.metadata import doc_id_for
from search.ingest.preview import preview_files
from search.ingest.process import FileTask
from search.ingest.report import failed_file, failed_files, forget_failure, read_report
from search.ingest.status import index_status
from search.ingest.upload import drop_staging, duplicate_of, likely_version_of, load_staging, stage, store

from ..errors import no_such_document
from ..state import get_searcher
from . import bp
from .auth import index_root, who
from .forms import LABELS, as_input, changes, fields_view, read_form
from .views import (
    AuditView,
    EditView,
    UploadItemView,
    UploadView,
    attention_view,
    job_json,
    job_view,
    no_paths,
    staged_size,
    status_view,
)


def _reindex(reason: str, kind: str = "incremental") -> None:
    jobs.request(index_root(), kind, who(), reason)


# -- home, status, reindex ----------------------------------------------------------


def _status(root):
    stats = get_searcher().index_stats()
    return status_view(index_status(root, (stats.documents, stats.pages)), jobs.status(root))


@bp.get("/")
def home():
    root = index_root()
    view = _status(root)
    att = attention_view(needs_attention(get_searcher().documents(), read_report(root), failed_files(root)), limit=0)
    return render_template("staff/home.html", view=view, attention=att)


@bp.get("/status")
def status():
    root = index_root()
    return render_template("staff/status.html", view=_status(root))


@bp.get("/job.json")
def job():
    return jsonify(job_json(jobs.status(index_root())))


@bp.get("/status.json")
def status_json():
    root = index_root()
    v = _status(root)
    return jsonify(
        {
            "documents": v.documents,
            "pages": v.pages,
            "store_size": v.store_size,
            "cache_size": v.cache_size,
            "schema_version": v.schema_version,
            "schema_current": v.schema_current,
            "phrases": {"counted": v.phrases_counted, "pending": v.phrases_pending},
            "problem": v.problem,
            "library": v.library,
            "last_ingest": {k: (v.last or {}).get(k) for k in ("started", "finished", "seconds", "status", "rebuild", "counts", "notes")} if v.last else None,
            "failures": [{"file": f, "code": c, "reason": r} for f, c, r in v.failures],
            "job": job_json(jobs.status(root)),
        }
    )


@bp.post("/reindex")
def reindex():
    kind = request.form.get("kind", "incremental")
    if kind not in jobs.KINDS:
        abort(400, description="Choose an incremental reindex or a full rebuild.")
    root = index_root()
    jobs.request(root, kind, who(), "started from the status page")
    audit.record(root, who(), "reindex-requested", "index", kind=kind)
    flash("A full rebuild has started: searches use the current index until the new one is complete." if kind == "rebuild" else "An incremental reindex has started.")
    return redirect(url_for("staff.status"))


# -- needs attention ------------------------------------------------------------------


def _attention():
    root = index_root()
    return attention_view(needs_attention(get_searcher().documents(), read_report(root), failed_files(root)))


@bp.get("/attention")
def attention():
    return render_template("staff/attention.html", sections=_attention())


def _failed(key: str):
    failed = failed_file(index_root(), key)
    if failed is None:
        abort(404, description="This file is no longer listed as failed: it was indexed, removed or changed since. See “Needs attention”.")
    return failed


@bp.get("/failed/<key>")
def failed(key: str):
    """A file without a record: its reason, and what staff can do."""
    root = index_root()
    f = _failed(key)
    return render_template(
        "staff/failed.html",
        f=f,
        file=relative_name(root, f.path),
        reason=no_paths(f.reason),
        exists=os.path.exists(f.path),
        removable=os.path.exists(f.path) and in_library(root, f.path),
    )


@bp.post("/failed/<key>/retry")
def failed_retry(key: str):
    root = index_root()
    f = _failed(key)
    forget_failure(root, f.path)
    audit.record(root, who(), "retry", os.path.basename(f.path), code=f.code)
    _reindex(f"retry of {os.path.basename(f.path)}")
    flash(f"{os.path.basename(f.path)} will be read again by the reindex that has started.")
    return redirect(url_for("staff.status"))


@bp.post("/failed/<key>/remove")
def failed_remove(key: str):
    root = index_root()
    f = _failed(key)
    _confirmed()
    if not os.path.exists(f.path):
        abort(409, description="This file is no longer there.")
    trashed = _to_trash(root, f.path, {"id": "failed", "code": f.code, "reason": f.reason})
    forget_failure(root, f.path)
    audit.record(root, who(), "remove", os.path.basename(f.path), file=os.path.basename(f.path), trash=trashed, code=f.code)
    _reindex(f"removal of failed file {os.path.basename(f.path)}")
    flash(f"{os.path.basename(f.path)} was moved to the trash; `etslib trash empty` deletes it.")
    return redirect(url_for("staff.attention"))


@bp.get("/attention.json")
def attention_json():
    return jsonify({s.key: {"heading": s.heading, "count": s.count, "items": [i.__dict__ for i in s.items]} for s in _attention()})


# -- audit log ------------------------------------------------------------------------


PER_PAGE = 100


@bp.get("/audit")
def audit_log():
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    action = (request.args.get("action") or "").strip()[:40]
    entries, total = audit.entries(index_root(), limit=PER_PAGE, offset=(page - 1) * PER_PAGE, action=action or None)
    view = AuditView(entries, total, page, max(1, -(-total // PER_PAGE)), action)
    return render_template("staff/audit.html", view=view)


# -- edit -----------------------------------------------------------------------------


def _document(doc_id: str) -> dict[str, Any]:
    info = get_searcher().document(doc_id)
    if info is None:
        no_such_document(doc_id)
    return info


def _edit_view(info: dict[str, Any], values: dict[str, Any] | None = None, **extra: Any) -> EditView:
    entry = staffcatalog.load(index_root()).get(info["path"])
    shown = dict(info)
    if entry is not None:
        shown.update(entry.fields)  # saved but perhaps not reindexed yet
    if values:
        shown.update({k: v for k, v in values.items() if v != ""})
    return EditView(
        info["id"],
        info.get("title") or info["id"],
        relative_name(index_root(), info.get("path", "")),
        entry.rev if entry else 0,
        fields_view(shown, info.get("sources") or {}, entry),
        ocr_pages=list(info.get("ocr_pages") or []),
        **extra,
    )


@bp.get("/doc/<doc_id>/edit")
def edit(doc_id: str):
    info = _document(doc_id)
    return render_template("staff/edit.html", view=_edit_view(info))


@bp.post("/doc/<doc_id>/edit")
def edit_save(doc_id: str):
    root = index_root()
    info = _document(doc_id)
    submitted = read_form(request.form)
    revert = {f for f in request.form.getlist("revert") if f in staffcatalog.EDITABLE}
    try:
        expected = int(request.form.get("rev", ""))
    except ValueError:
        abort(400, description="The form is incomplete: reload the record and edit it again.")
    entry = staffcatalog.load(root).get(info["path"])
    current = {**info, **(entry.fields if entry else {})}
    changed = changes(submitted, current)
    if not changed and not revert:
        flash("Nothing was changed.")
        return redirect(url_for("staff.edit", doc_id=doc_id))
    try:
        check_values(changed, "edit")  # a known type and jurisdictions, a language code: as a CSV import
        new = staffcatalog.update(root, info["path"], changed, who=who(), expected_rev=expected, drop=revert)
    except staffcatalog.EditConflict as e:
        theirs = e.current.fields if e.current else {}
        rows = [
            (LABELS.get(k, k), as_input(theirs.get(k, info.get(k))), v)
            for k, v in submitted.items()
            if v and as_input(theirs.get(k, info.get(k))) != v
        ]
        view = _edit_view(info, submitted, conflict=rows, conflict_by=(e.current.by if e.current else ""))
        return render_template("staff/edit.html", view=view), 409
    except CatalogError as e:
        msg = str(e).split(": ", 1)[-1]
        return render_template("staff/edit.html", view=_edit_view(info, submitted, errors=[msg])), 400
    audit.record(
        root,
        who(),
        "edit",
        doc_id,
        title=info.get("title"),
        changes={k: {"from": as_input(current.get(k)), "to": v} for k, v in changed.items()},
        reverted=sorted(revert),
        rev=new.rev,
    )
    _reindex(f"edit of {doc_id}")
    flash("Saved. The record is being reindexed and shows the change within seconds.")
    return redirect(url_for("staff.edit", doc_id=doc_id))


# -- remove ---------------------------------------------------------------------------


def _confirmed() -> None:
    if request.form.get("confirm") != "yes":
        abort(400, description="Removal needs the confirmation box ticked.")


def _to_trash(root, path: str, info: dict[str, Any]) -> str:
    """Move a confirmed removal's file to the trash; its trash entry's name."""
    if not in_library(root, path):
        abort(409, description="This file is not inside a library folder, so it is not removed from here.")
    try:
        return move_to_trash(root, path, who=who(), info=info).name
    except OSError as e:
        abort(409, description=f"The file could not be moved to the trash ({e.strerror or e}).")


@bp.get("/doc/<doc_id>/remove")
def remove(doc_id: str):
    info = _document(doc_id)
    return render_template("staff/remove.html", info=info, file=relative_name(index_root(), info.get("path", "")))


@bp.post("/doc/<doc_id>/remove")
def remove_confirmed(doc_id: str):
    root = index_root()
    info = _document(doc_id)
    _confirmed()
    path = info.get("path") or ""
    trashed = _to_trash(root, path, info) if os.path.exists(path) else None
    staffcatalog.forget(root, path)
    audit.record(root, who(), "remove", doc_id, title=info.get("title"), file=os.path.basename(path), trash=trashed)
    _reindex(f"removal of {doc_id}")
    flash(f"“{info.get('title') or doc_id}” was removed; its file is in the trash until `etslib trash empty`.")
    return redirect(url_for("staff.home"))


# -- upload ---------------------------------------------------------------------------

#: Files per upload, and seconds to read each for the form: a server worker
#: answers within its time limit (60 s) even when every file is slow.
MAX_FILES = 10
PREVIEW_TIMEOUT_S = 10.0


@bp.get("/upload")
def upload():
    return render_template("staff/upload.html", view=None, limit=current_app.config["UPLOAD_MAX_MB"])


@bp.post("/upload")
def upload_stage():
    root = index_root()
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash("Choose one or more files first.")
        return redirect(url_for("staff.upload"))
    if len(files) > MAX_FILES:
        for f in request.files.getlist("files"):
            f.close()
        abort(413, description=f"Upload at most {MAX_FILES} files at once.")
    if upload_dir(root, current_app.config.get("UPLOAD_DIR")) is None:
        abort(409, description="No library folder is known yet: run `etslib ingest FOLDER` once, or set ETSLIB_UPLOAD_DIR.")
    max_bytes = int(float(current_app.config["UPLOAD_MAX_MB"]) * (1 << 20))
    try:
        staging = stage(root, [(f.filename or "", f.stream) for f in files], max_bytes)
    finally:
        for f in request.files.getlist("files"):
            f.close()  # large uploads are spooled to temporary files: free them now
    infos = get_searcher().documents()
    duplicates, fresh = [], []
    for item in staging.items:
        twin = duplicate_of(item.sha256, infos) or next((i for i in fresh if i.sha256 == item.sha256), None)
        if isinstance(twin, dict):
            duplicates.append((item.original, twin.get("title") or twin["id"], url_for("pages.document", doc_id=twin["id"])))
            os.unlink(item.path)
        elif twin is not None:
            duplicates.append((item.original, twin.original, ""))
            os.unlink(item.path)
        else:
            fresh.append(item)
    tasks = [FileTask(i.path, i.sha256, i.size, 0, {}, str(root.textcache), None, i.name) for i in fresh]
    previews = preview_files(tasks, timeout=PREVIEW_TIMEOUT_S) if tasks else []
    items = []
    for n, (item, pv) in enumerate(zip(fresh, previews)):
        meta = pv.metadata if pv.ok else {"title": os.path.splitext(item.original)[0]}
        version = likely_version_of(meta, infos) if pv.ok else None
        items.append(
            UploadItemView(
                n,
                item.name,
                item.original,
                item.kind,
                staged_size(item),
                pv.ok,
                "" if pv.ok else f"{pv.code}: {no_paths(pv.reason)}" + ("" if pv.code == "scanned" else " — it can still be added; indexing will try again, with more time."),
                pv.text_sample,
                fields_view(meta, meta.get("sources") or {}),
                {"id": version["id"], "title": version.get("title") or version["id"], "url": url_for("pages.document", doc_id=version["id"])} if version else None,
            )
        )
    for name, reason in staging.rejected:
        audit.record(root, who(), "upload-rejected", name, reason=reason)
    for name, title, url in duplicates:
        audit.record(root, who(), "upload-duplicate", name, of=title)
    view = UploadView(staging.token, items, staging.rejected, duplicates)
    status_code = 200 if items else 422
    return render_template("staff/upload.html", view=view, limit=current_app.config["UPLOAD_MAX_MB"]), status_code


@bp.post("/upload/confirm")
def upload_confirm():
    root = index_root()
    token = request.form.get("token", "")
    staging = load_staging(root, token)
    if staging is None or not staging.items:
        abort(410, description="These uploads are no longer waiting (confirmed already, or more than a day old): upload them again.")
    dest_root = upload_dir(root, current_app.config.get("UPLOAD_DIR"))
    if dest_root is None:
        abort(409, description="No library folder is known yet: run `etslib ingest FOLDER` once, or set ETSLIB_UPLOAD_DIR.")
    infos = {i["id"]: i for i in get_searcher().documents()}
    chosen = set(request.form.getlist("add"))
    checked: list[tuple[Any, dict[str, Any]]] = []
    errors = []
    for n, item in enumerate(staging.items):
        if str(n) not in chosen:
            continue
        values = {k: v for k, v in read_form(request.form, f"f{n}-").items() if v}
        try:
            checked.append((item, check_values(values, item.original)))
        except CatalogError as e:
            errors.append(str(e))
    if errors:
        abort(400, description=" ".join(errors) + " Go back and correct the values.")
    added = []
    for item, values in checked:
        dest = store(item, dest_root, values.get("year"))
        replaced = None
        old_id = request.form.get(f"version-{staging.items.index(item)}")
        if old_id and old_id in infos and os.path.exists(infos[old_id]["path"]) and in_library(root, infos[old_id]["path"]):
            old = infos[old_id]
            move_to_trash(root, old["path"], who=who(), info=old)
            staffcatalog.forget(root, old["path"])
            replaced = old_id
        staffcatalog.update(root, str(dest), values, who=who())
        doc_id = values.get("id") or doc_id_for(str(dest))
        added.append((doc_id, values.get("title") or item.original))
        audit.record(root, who(), "upload", doc_id, file=dest.name, sha256=item.sha256, size=item.size, title=values.get("title"), replaces=replaced)
    drop_staging(root, token)
    if added:
        _reindex(f"upload of {len(added)} file(s)")
        flash("Added: " + "; ".join(t for _, t in added) + ". Each is searchable within seconds.")
    return redirect(url_for("staff.uploaded", ids=",".join(i for i, _ in added)))


@bp.get("/uploaded")
def uploaded():
    ids = [i for i in (request.args.get("ids") or "").split(",") if i][:50]
    searcher = get_searcher()
    items = [(i, (searcher.document(i) or {}).get("title"), url_for("pages.document", doc_id=i)) for i in ids]
    return render_template("staff/uploaded.html", items=items, job=job_view(jobs.status(index_root())))
