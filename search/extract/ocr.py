"""Text for scanned PDF pages, by OCR with Tesseract.

Pages are rendered with PDFium (already used for text) to greyscale PGM,
a format Tesseract reads without any imaging library, and each page is
read by Debian's ``tesseract`` in a subprocess with its own time and
address-space limit and one thread (the ingest workers already use the
cores). Tesseract's orientation-and-script detection picks the languages:
Han script is read as simplified Chinese, anything else with the Latin
languages the corpus needs.

Called from :func:`search.extract.pdf.extract_pdf` with ``ocr=True``,
which ingest does in a second worker pool with the OCR limits
(:mod:`search.ingest.run`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..model import ExtractionError

#: Languages for Latin-script pages, and for Han pages (Tesseract's names).
LATIN_LANGS = "eng+deu+fra+spa"
HAN_LANGS = "chi_sim+eng"
#: Rendering resolution: Tesseract reads body text best at about 300 dpi.
DPI = 300
#: Seconds one page may take, and address space of the tesseract process.
PAGE_TIMEOUT_S = 90.0
MEMORY_MB = 1024
#: Pages read at most per document (the rest are left without text, noted).
MAX_PAGES = 200


def available() -> bool:
    return shutil.which("tesseract") is not None


def _limit(memory_mb: int):
    def preexec() -> None:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return preexec


def _run(args: list[str], timeout: float, memory_mb: int) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        out = subprocess.run(
            ["tesseract", *args],
            capture_output=True,
            timeout=timeout,
            env=env,
            preexec_fn=_limit(memory_mb),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ExtractionError("timeout", f"OCR of a page took longer than {timeout:g} s") from None
    except OSError as e:
        raise ExtractionError("scanned", f"OCR unavailable: {e.strerror or e}") from None
    if out.returncode != 0:
        err = " ".join(out.stderr.decode("utf-8", "replace").split())[-160:]
        raise ExtractionError("scanned", f"OCR failed: {err or 'tesseract exit ' + str(out.returncode)}")
    return out.stdout.decode("utf-8", "replace")


def _render_pgm(pdf, index: int, dest: Path, dpi: int) -> None:
    """Page ``index`` as an 8-bit greyscale PGM file."""
    page = pdf[index]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        try:
            w, h, stride = bitmap.width, bitmap.height, bitmap.stride
            buf = bytes(bitmap.buffer)
            # Grey bitmaps are 1 byte a pixel; rows may be padded.
            rows = buf if stride == w else b"".join(buf[r * stride : r * stride + w] for r in range(h))
            dest.write_bytes(b"P5\n%d %d\n255\n" % (w, h) + rows)
        finally:
            bitmap.close()
    finally:
        page.close()


_SCRIPT_RE = re.compile(r"^Script:\s*(\S+)", re.M)


def _langs_for(image: Path, timeout: float, memory_mb: int) -> str:
    """Languages for a page, from Tesseract's script detection (Latin when unsure)."""
    try:
        osd = _run([str(image), "stdout", "--psm", "0"], timeout, memory_mb)
    except ExtractionError:
        return LATIN_LANGS  # too little text to tell
    m = _SCRIPT_RE.search(osd)
    return HAN_LANGS if m and m.group(1) in ("Han", "HanS", "HanT") else LATIN_LANGS


def ocr_pdf_pages(
    path: str | Path,
    pages: list[int],
    *,
    dpi: int = DPI,
    page_timeout: float = PAGE_TIMEOUT_S,
    memory_mb: int = MEMORY_MB,
    max_pages: int = MAX_PAGES,
) -> dict[int, str]:
    """The OCR text of the 0-based ``pages`` of the PDF at ``path``.

    Raises :class:`ExtractionError` (``scanned``) when Tesseract is missing.
    """
    if not available():
        raise ExtractionError("scanned", "no text layer (scanned?), and OCR is unavailable: install tesseract-ocr")
    import pypdfium2 as pdfium

    out: dict[int, str] = {}
    pdf = pdfium.PdfDocument(str(path))
    langs: str | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="etslib-ocr-") as tmp:
            for i in pages[:max_pages]:
                image = Path(tmp) / f"p{i}.pgm"
                _render_pgm(pdf, i, image, dpi)
                t0 = time.monotonic()
                if langs is None:
                    langs = _langs_for(image, page_timeout, memory_mb)
                left = max(5.0, page_timeout - (time.monotonic() - t0))
                out[i] = _run([str(image), "stdout", "-l", langs, "--psm", "3"], left, memory_mb)
                image.unlink()
    finally:
        pdf.close()
    return out
