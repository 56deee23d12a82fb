"""What etslib would derive for a file before it is added: for the staff
upload form, so staff confirm or correct values rather than type them.

:func:`preview_files` runs :func:`preview_file` in the isolated worker
pool (an uploaded file is untrusted: it may hang or crash a parser). The
extracted text goes into the text cache, so indexing the file afterwards
does not read it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import config
from .process import FileTask


@dataclass
class Preview:
    path: str
    ok: bool
    metadata: dict[str, Any] = field(default_factory=dict)  # Document.metadata(), no pages
    code: str = ""  # why not ok ("scanned", "encrypted", ...)
    reason: str = ""
    text_sample: str = ""  # the first lines, for staff to recognise the file


def preview_file(task: FileTask) -> dict[str, Any]:
    """Extract (through the text cache) and derive one file's metadata."""
    from ..extract import extract
    from .metadata import derive
    from .process import load_cached, save_cached

    ex = load_cached(task.cache_dir, task.sha256)
    if ex is None:
        ex = extract(task.path, max_pages=task.max_pages)
        save_cached(task.cache_dir, task.sha256, ex)
    doc = derive(ex, task.path, sha256=task.sha256, size=task.size, mtime_ns=task.mtime_ns, entry=task.entry, rel=task.rel)
    sample = "\n".join(p for p in doc.pages[:2] if p.strip())[:600]
    return {"metadata": doc.metadata(), "sample": sample}


def preview_files(tasks: list[FileTask], *, timeout: float = 30.0, memory_mb: int | None = config.WORKER_MEMORY_MB) -> list[Preview]:
    """Previews of ``tasks`` in their order, each within ``timeout`` seconds."""
    from .pool import WorkerPool

    out: dict[str, Preview] = {}
    with WorkerPool(preview_file, jobs=min(2, max(1, len(tasks))), timeout=timeout, memory_mb=memory_mb) as pool:
        for res in pool.map_unordered((t.path, t) for t in tasks):
            if res.ok:
                out[res.key] = Preview(res.key, True, res.value["metadata"], text_sample=res.value["sample"])
            else:
                out[res.key] = Preview(res.key, False, code=res.code, reason=res.reason)
    return [out[t.path] for t in tasks]
