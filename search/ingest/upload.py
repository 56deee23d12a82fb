"""Staff uploads: check a file by its content, stage it, find what it
duplicates or may be a new version of, and store it in the library.

An upload is staged in ``<index>/staff/staging/<token>/`` (outside the
corpus, so no ingest sees it) while staff confirm its metadata; confirmed,
it moves to the upload folder inside the corpus (:mod:`.library`) and its
confirmed values go to the staff catalog.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..index import IndexRoot, write_json_atomic
from .library import free_name, safe_filename

#: Suffix per kind of content.
SUFFIXES = {"pdf": ".pdf", "html": ".html", "text": ".txt"}
_TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".rst"}
_MAGIC = [
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
]
_HTML_RE = re.compile(rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta\s|title>)", re.I)


class UploadRejected(Exception):
    """A file that is not added, with the reason for staff."""


#: What a file's name says it is; a name without a suffix says nothing.
_NAMED = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html", **{s: "text" for s in _TEXT_SUFFIXES}}
_KIND_NAMES = {"pdf": "a PDF", "html": "an HTML page", "text": "a text file"}


def sniff(head: bytes) -> str:
    """The kind of a file (``pdf``, ``html``, ``text``) from its first
    bytes, whatever its name says; raises :class:`UploadRejected`."""
    at = head.find(b"%PDF-", 0, 1024)
    if at >= 0 and b"<" not in head[:at]:  # junk before the header, as some writers leave; never markup
        return "pdf"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise UploadRejected(f"this is {what}, not a PDF, HTML or text file")
    body = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if b"\x00" in body:
        raise UploadRejected("this is a binary file, not a PDF, HTML or text file")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(body) - 4:  # not just a character cut at the end of the sample
            raise UploadRejected("this is not UTF-8 text, a PDF or an HTML page") from None
    if _HTML_RE.search(body[:4096]):
        return "html"
    if not body.strip():
        raise UploadRejected("the file is empty")
    return "text"


def check_kind(name: str, head: bytes) -> str:
    """The kind of an upload called ``name``: its content must be what its
    name says (a page disguised as ``report.pdf``, a script in ``.svg``, a
    PDF named ``.txt`` are refused), and the name a PDF, HTML or text
    file's, or none. Markup in a text-named file stays text (never a page
    of this site's), and an HTML-named file with no HTML in it is read as
    text."""
    name = name.rstrip(" .")  # "report.pdf." and "report.pdf " are .pdf files on Windows
    suffix = Path(name).suffix.lower() if "." in name.lstrip(".") else ""
    said = _NAMED.get(suffix)
    if suffix and said is None:
        raise UploadRejected(f"{suffix} files are not accepted: only PDF, HTML and text files ({', '.join(sorted(_NAMED))})")
    kind = sniff(head)
    if said == "text" and kind == "html":
        return "text"
    if said and kind != said and not (said == "html" and kind == "text"):
        raise UploadRejected(f"its name says {_KIND_NAMES[said]} ({suffix}) but it is {_KIND_NAMES[kind]}: rename it or upload the real file")
    return kind


@dataclass
class Staged:
    name: str  # the safe file name it will be stored under
    original: str  # the name it was uploaded with
    kind: str
    size: int
    sha256: str
    path: str = ""  # where it is staged (server side only)


@dataclass
class Staging:
    token: str
    items: list[Staged] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def _staging_root(root: IndexRoot) -> Path:
    return root.root / "staff" / "staging"


def stage(root: IndexRoot, files: list[tuple[str, BinaryIO]], max_bytes: int) -> Staging:
    """Copy uploads into a new staging folder, checking each by content and
    size; the ones refused are listed with why."""
    tidy_staging(root)
    token = secrets.token_urlsafe(12)
    folder = _staging_root(root) / token
    folder.mkdir(parents=True)
    out = Staging(token)
    taken: set[str] = set()
    for original, stream in files:
        shown = "".join(ch for ch in os.path.basename((original or "").replace("\\", "/")) if ch.isprintable()) or "upload"
        head = stream.read(8192)
        try:
            kind = check_kind(shown, head)
        except UploadRejected as e:
            out.rejected.append((shown, str(e)))
            continue
        name = safe_filename(shown)
        suffix = Path(name).suffix.lower()
        if kind != "text" or suffix not in _TEXT_SUFFIXES:
            name = Path(name).stem + SUFFIXES[kind]
        while name in taken:
            name = f"{Path(name).stem}-{len(taken)}{Path(name).suffix}"
        taken.add(name)
        dest = folder / name
        h = hashlib.sha256(head)
        size = len(head)
        with open(dest, "wb") as f:
            f.write(head)
            while chunk := stream.read(1 << 20):
                size += len(chunk)
                if size > max_bytes:
                    break
                h.update(chunk)
                f.write(chunk)
        if size > max_bytes:
            dest.unlink()
            out.rejected.append((shown, f"larger than the limit of {max_bytes / (1 << 20):g} MB"))
            continue
        out.items.append(Staged(name, shown, kind, size, h.hexdigest(), str(dest)))
    write_json_atomic(folder / "staged.json", {"items": [asdict(i) for i in out.items]})
    return out


def load_staging(root: IndexRoot, token: str) -> Staging | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,40}", token or ""):
        return None
    folder = _staging_root(root) / token
    try:
        data = json.loads((folder / "staged.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    items = [Staged(**d) for d in data.get("items", [])]
    return Staging(token, [i for i in items if os.path.isfile(i.path)])


def drop_staging(root: IndexRoot, token: str) -> None:
    if re.fullmatch(r"[A-Za-z0-9_-]{8,40}", token or ""):
        shutil.rmtree(_staging_root(root) / token, ignore_errors=True)


def tidy_staging(root: IndexRoot, max_age_s: float = 86400) -> None:
    """Forget stagings nobody confirmed within a day."""
    cutoff = time.time() - max_age_s
    for p in _staging_root(root).glob("*"):
        try:
            if p.is_dir() and p.stat().st_mtime < cutoff:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def store(item: Staged, upload_dir: Path, year: int | None) -> Path:
    """Move a staged file into the upload folder (by year); its new path."""
    folder = upload_dir / (str(year) if year else "undated")
    folder.mkdir(parents=True, exist_ok=True)
    dest = free_name(folder, item.name)
    shutil.move(item.path, dest)
    return dest


# -- duplicates and versions --------------------------------------------------------


def _words(title: str) -> set[str]:
    t = unicodedata.normalize("NFKC", title or "").casefold()
    return {w for w in re.findall(r"\w+", t) if len(w) > 1 and not w.isdigit()}


def duplicate_of(sha256: str, infos: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((i for i in infos if i.get("sha256") == sha256), None)


#: Identifiers that name the work itself (a COM number or report number may
#: be one a document only cites).
_WORK_IDS = frozenset({"celex", "eli", "act", "doi", "isbn"})


def likely_version_of(metadata: dict[str, Any], infos: list[dict[str, Any]]) -> dict[str, Any] | None:
    """An indexed document the new one is likely a new version of: the same
    work's identifier (CELEX, ELI, act number, DOI, ISBN: the keys families
    join on), else one title's words (four or more) nearly all in the
    other's (give or take a year, a revision mark or a subtitle), and no
    other publisher."""
    own = {(k, str(v).lower()) for k, v in (metadata.get("identifiers") or {}).items() if k in _WORK_IDS}
    if own:
        for info in infos:
            if own & {(k, str(v).lower()) for k, v in (info.get("identifiers") or {}).items() if k in _WORK_IDS}:
                return info
    words = _words(metadata.get("title") or "")
    if len(words) < 4:
        return None
    best, best_score = None, 0.0
    for info in infos:
        other = _words(info.get("title") or "")
        if len(other) < 4:
            continue
        pub, opub = metadata.get("publisher"), info.get("publisher")
        if pub and opub and pub != opub:
            continue
        score = len(words & other) / min(len(words), len(other))
        if score > best_score:
            best, best_score = info, score
    return best if best_score >= 0.85 else None
