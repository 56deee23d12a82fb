"""PDF extraction: page text with PDFium, metadata with pypdf.

PDFium (pypdfium2) is the main path: ~20x faster than pypdf and more
robust on damaged files.  pypdf reads the document information
dictionary and the catalog's /Lang, re-reads pages whose PDFium text is
garbage (fonts without a usable ToUnicode map sometimes decode better in
pypdf), and is the whole fallback when PDFium cannot open a file.

This module does not protect against parsers that hang or exhaust
memory: run it in :mod:`search.ingest.pool` workers for that.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..model import Extracted, ExtractionError
from ..text.normalize import is_garbage, normalize
from . import clean_title, lang_code, split_authors, split_keywords

log = logging.getLogger("etslib.extract")
# Libraries should not print: without any handler Python's "last resort"
# handler writes WARNING records to stderr.  NullHandlers keep records
# flowing to whatever the application configures on the root logger.
for _name in ("pypdf", "pypdfium2", "etslib"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

#: Refuse page counts beyond this even when the caller sets no limit.
HARD_MAX_PAGES = 20_000
#: A page with fewer letters/digits than this counts as having no text.
MIN_PAGE_ALNUM = 16
#: Garbage ratio from which a page's text is discarded.
GARBAGE_PAGE = 0.25
#: Pages with garbage re-read with pypdf, at most (pypdf is slow).
MAX_PYPDF_RETRIES = 60
#: When pypdf repairs none of the first this many garbage pages, the others
#: are not tried: a font without a usable encoding defeats both readers on
#: every page (29 copies of one such report took a tenth of the bench's
#: 100,000-page ingest).
PYPDF_PROBE = 3


@dataclass
class _Pages:
    texts: list[str]
    extractor: str
    warnings: list[str] = field(default_factory=list)
    outline: list[tuple[str, int]] = field(default_factory=list)
    labels: list[str] | None = None
    image_pages: set[int] = field(default_factory=set)  # 0-based, textless pages with images
    info: dict[str, str] = field(default_factory=dict)  # document information dictionary
    lang: str | None = None  # catalog /Lang


def extract_pdf(path: str | Path, *, max_pages: int | None = None, ocr: bool = False) -> Extracted:
    """Extract page texts and metadata of a PDF.

    With ``ocr``, pages that show images but have no text layer are read
    by OCR (:mod:`.ocr`) and listed in ``ocr_pages``. Raises
    :class:`ExtractionError` with code ``encrypted``, ``scanned``,
    ``empty``, ``garbage``, ``too-large`` or ``broken``; never another
    exception for a bad file.
    """
    path = Path(path)
    with _captured_warnings(path.name):
        try:
            return _extract(path, max_pages, ocr)
        except ExtractionError:
            raise
        except MemoryError:
            raise
        except RecursionError:
            raise ExtractionError("broken", "broken PDF: structure nested too deeply") from None
        except Exception as e:  # noqa: BLE001 - any parser failure is a broken file
            raise ExtractionError("broken", f"broken PDF: {_one_line(e)}") from None


def _extract(path: Path, max_pages: int | None, ocr: bool = False) -> Extracted:
    reader = _LazyReader(path)
    try:
        pages = _pdfium_pages(path, max_pages)
    except _PdfiumOpenError as e:
        if reader.get() is None:
            raise _open_failure(e.message, reader.error) from None
        log.info("%s: PDFium cannot open it (%s); using pypdf", path.name, e.message)
        pages = _pypdf_pages(reader.get(), max_pages)
        pages.warnings.insert(0, f"PDFium could not open the file ({e.message}); text from pypdf")
        pages.info, pages.lang = _pypdf_info(reader.get(), pages.warnings)
    ex = Extracted(kind="pdf", pages=[], paged=True, extractor=pages.extractor)
    ex.warnings.extend(pages.warnings)
    _repair_garbage(pages, reader, ex.warnings)
    ex.pages = [normalize(t) for t in pages.texts]
    if ocr:
        _ocr_scanned_pages(path, ex, pages.image_pages)
    else:
        ex.unread_pages = [i + 1 for i in sorted(pages.image_pages) if not _has_text(ex.pages[i])]
    _check_text_layer(ex.pages, pages.image_pages, ex.warnings)
    ex.outline = pages.outline
    ex.page_labels = pages.labels
    if not pages.info and pages.extractor == "pypdfium2" and reader.get() is not None:
        # PDFium misses some info dictionaries (e.g. behind incremental updates).
        pages.info, lang = _pypdf_info(reader.get(), ex.warnings)
        pages.lang = pages.lang or lang
    _apply_info(ex, pages.info, pages.lang)
    return ex


class _LazyReader:
    """A pypdf reader opened on first use: pypdf is only needed for
    fallbacks, and opening it costs time on large files."""

    def __init__(self, path: Path):
        self.path = path
        self.error = ""
        self._reader: Any | None = None
        self._tried = False

    def get(self) -> Any | None:
        if not self._tried:
            self._tried = True
            self._reader, self.error = _open_pypdf(self.path)
        return self._reader


# --------------------------------------------------------------------------
# PDFium


class _PdfiumOpenError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _pdfium_pages(path: Path, max_pages: int | None) -> _Pages:
    try:
        pdf = pdfium.PdfDocument(str(path), password=None)
    except pdfium.PdfiumError as e:
        raise _PdfiumOpenError(_pdfium_reason(e)) from None
    try:
        n = len(pdf)
        _check_page_count(n, max_pages)
        out = _Pages(texts=[], extractor="pypdfium2")
        failed: list[int] = []
        for i in range(n):
            text, has_images = _pdfium_page(pdf, i)
            if text is None:
                failed.append(i + 1)
                text = ""
            if has_images:
                out.image_pages.add(i)
            out.texts.append(text)
        if failed and len(failed) == n:
            raise _PdfiumOpenError("PDFium could not load any page")
        if failed:
            out.warnings.append(f"PDFium could not load {_page_list(failed)}")
        out.outline = _pdfium_outline(pdf, n)
        out.labels = _pdfium_labels(pdf, n)
        out.info, out.lang = _pdfium_info(pdf)
        return out
    finally:
        pdf.close()


def _pdfium_page(pdf: pdfium.PdfDocument, i: int) -> tuple[str | None, bool]:
    """(raw text or None if the page fails, textless page shows images)."""
    try:
        page = pdf[i]
    except pdfium.PdfiumError:
        return None, False
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
        has_images = False
        if not _has_text(text):
            # Only near-empty pages need the (slower) object walk: it tells
            # a scan from a blank page.
            has_images = any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=4))
        return text, has_images
    except pdfium.PdfiumError:
        return None, False
    finally:
        page.close()


def _pdfium_outline(pdf: pdfium.PdfDocument, n: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    try:
        for bm in pdf.get_toc(max_depth=8):
            if len(out) >= 2000:
                break
            title = normalize(bm.get_title()).replace("\n", " ")
            index = _bookmark_page(pdf, bm)
            if title and index is not None and 0 <= index < n:
                out.append((title, index + 1))
    except Exception as e:  # noqa: BLE001 - an outline is optional
        log.info("outline unreadable: %s", _one_line(e))
    return out


def _bookmark_page(pdf: pdfium.PdfDocument, bm: Any) -> int | None:
    dest = pdfium_c.FPDFBookmark_GetDest(pdf, bm)
    if not dest:
        action = pdfium_c.FPDFBookmark_GetAction(bm)
        if not action:
            return None
        dest = pdfium_c.FPDFAction_GetDest(pdf, action)
        if not dest:
            return None
    index = pdfium_c.FPDFDest_GetDestPageIndex(pdf, dest)
    return index if index >= 0 else None


def _pdfium_labels(pdf: pdfium.PdfDocument, n: int) -> list[str] | None:
    try:
        labels = [pdf.get_page_label(i) for i in range(n)]
    except Exception:  # noqa: BLE001 - labels are optional
        return None
    return _useful_labels(labels, n)


def _useful_labels(labels: list[str], n: int) -> list[str] | None:
    """Labels only when they say something the page number does not."""
    if len(labels) != n or not any(labels):
        return None
    if all(lab == str(i + 1) for i, lab in enumerate(labels)):
        return None
    # Missing labels fall back to the page number so the list stays aligned.
    return [lab or str(i + 1) for i, lab in enumerate(labels)]


def _pdfium_reason(e: Exception) -> str:
    msg = _one_line(e)
    m = re.search(r"\(PDFium: ([^)]*)\)", msg)
    return m.group(1).rstrip(".") if m else msg


# --------------------------------------------------------------------------
# pypdf


def _open_pypdf(path: Path) -> tuple[Any | None, str]:
    """A pypdf reader (decrypted with the empty password if needed), or the reason it failed."""
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as e:  # noqa: BLE001
                return None, f"encrypted: {_one_line(e)}"
            if not ok:
                return None, "encrypted: a password is required"
        return reader, ""
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - any pypdf failure
        return None, _one_line(e)


def _open_failure(pdfium_reason: str, pypdf_reason: str) -> ExtractionError:
    """The error for a file neither parser can open."""
    low = pypdf_reason.lower()
    if low.startswith("encrypted") or "decrypt" in low or "password" in low:
        if "password is required" in low or "password" in pdfium_reason.lower():
            return ExtractionError("encrypted", "encrypted: a password is required")
        return ExtractionError("encrypted", f"encrypted: cannot decrypt ({pypdf_reason})"[:200])
    return ExtractionError("broken", f"broken PDF: {pypdf_reason or pdfium_reason}"[:200])


def _pypdf_pages(reader: Any, max_pages: int | None) -> _Pages:
    n = len(reader.pages)
    _check_page_count(n, max_pages)
    out = _Pages(texts=[], extractor="pypdf")
    failed: list[int] = []
    for i in range(n):
        text = _pypdf_page_text(reader, i)
        if text is None:
            failed.append(i + 1)
            text = ""
        out.texts.append(text)
        if not _has_text(text) and _pypdf_has_images(reader, i):
            out.image_pages.add(i)
    if failed and len(failed) == n:
        raise ExtractionError("broken", "broken PDF: no page could be read")
    if failed:
        out.warnings.append(f"pypdf could not read {_page_list(failed)}")
    out.outline = _pypdf_outline(reader, n)
    try:
        out.labels = _useful_labels(list(reader.page_labels), n)
    except Exception as e:  # noqa: BLE001
        log.info("page labels unreadable: %s", _one_line(e))
    return out


def _pypdf_page_text(reader: Any, i: int) -> str | None:
    try:
        return reader.pages[i].extract_text() or ""
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001
        log.info("pypdf page %d: %s", i + 1, _one_line(e))
        return None


def _pypdf_has_images(reader: Any, i: int) -> bool:
    try:
        resources = reader.pages[i].get("/Resources") or {}
        xobjects = resources.get_object().get("/XObject") or {}
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())
    except Exception:  # noqa: BLE001
        return False


def _pypdf_outline(reader: Any, n: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if len(out) >= 2000:
                return
            if isinstance(item, list):
                if depth < 8:
                    walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # noqa: BLE001
                continue
            title = normalize(str(getattr(item, "title", "") or "")).replace("\n", " ")
            if title and page is not None and 0 <= page < n:
                out.append((title, page + 1))

    try:
        walk(reader.outline, 0)
    except Exception as e:  # noqa: BLE001
        log.info("outline unreadable: %s", _one_line(e))
    return out


# --------------------------------------------------------------------------
# Checks


def _check_page_count(n: int, max_pages: int | None) -> None:
    if n <= 0:
        raise ExtractionError("empty", "PDF has no pages")
    limit = min(max_pages, HARD_MAX_PAGES) if max_pages else HARD_MAX_PAGES
    if n > limit:
        raise ExtractionError("too-large", f"too many pages: {n} > {limit}")


def _repair_garbage(pages: _Pages, lazy: _LazyReader, notes: list[str]) -> None:
    """Blank pages whose text is garbage, after trying pypdf on them."""
    texts = pages.texts
    bad = [i for i, t in enumerate(texts) if _is_garbage_page(t)]
    if not bad:
        return
    reader = lazy.get() if pages.extractor == "pypdfium2" else None
    if reader is not None:
        repaired = []
        for n, i in enumerate(bad[:MAX_PYPDF_RETRIES]):
            if n == PYPDF_PROBE and not repaired:
                break  # pypdf reads this file no better: the rest would cost ~40 ms a page for nothing
            alt = _pypdf_page_text(reader, i) if i < len(reader.pages) else None
            if alt and _has_text(alt) and not _is_garbage_page(alt):
                texts[i] = alt
                repaired.append(i)
        if repaired:
            notes.append(f"text of {_page_list([i + 1 for i in repaired])} re-read with pypdf (PDFium gave garbage)")
            bad = [i for i in bad if i not in set(repaired)]
    if not bad:
        return
    # Judged page by page: the readable pages are kept however many others
    # are garbage (pdfjs__TAMReview.pdf's clean first and last pages were
    # refused with the 21 garbage ones); only a document with no readable
    # page left is refused.
    readable = sum(1 for i, t in enumerate(texts) if _has_text(t) and i not in set(bad))
    if not readable:
        raise ExtractionError(
            "garbage",
            f"text is unreadable (mojibake/private-use characters on {len(bad)} of {len(texts)} pages)",
        )
    for i in bad:
        texts[i] = ""
    notes.append(f"garbage text blanked on {_page_list([i + 1 for i in bad])}")


def _is_garbage_page(text: str) -> bool:
    if len("".join(text.split())) < 5:
        return False
    return is_garbage(text, GARBAGE_PAGE)


def _ocr_scanned_pages(path: Path, ex: Extracted, image_pages: set[int]) -> None:
    """Read by OCR the pages that show images and have no text."""
    from .ocr import MAX_PAGES, ocr_pdf_pages

    todo = sorted(i for i in image_pages if not _has_text(ex.pages[i]))
    if not todo:
        return
    read = ocr_pdf_pages(path, todo)
    for i, text in sorted(read.items()):
        text = normalize(text)
        if _has_text(text) and not _is_garbage_page(text):
            ex.pages[i] = text
            ex.ocr_pages.append(i + 1)
    if ex.ocr_pages:
        ex.warnings.append(f"text of {_page_list(ex.ocr_pages)} from OCR")
    elif not any(map(_has_text, ex.pages)):
        raise ExtractionError("scanned", f"no text layer on any of {len(ex.pages)} pages, and OCR found no readable text")
    if len(todo) > MAX_PAGES:
        ex.warnings.append(f"OCR stopped after {MAX_PAGES} of {len(todo)} scanned pages")


def _check_text_layer(texts: list[str], image_pages: set[int], notes: list[str]) -> None:
    """Refuse scans and empty documents; note pages without text."""
    n = len(texts)
    # Capped: only "has text" and "has none" are asked of a page's count.
    counts = [_alnum(t, MIN_PAGE_ALNUM) for t in texts]
    textful = sum(1 for c in counts if c >= MIN_PAGE_ALNUM)
    if textful == 0:
        if image_pages:
            raise ExtractionError("scanned", f"no text layer on any of {n} pages (scanned?)")
        if sum(counts) == 0:
            raise ExtractionError("empty", f"no text on any of {n} pages")
        return  # a tiny real text ("Hello, world!")
    if n >= 5 and textful <= max(1, n // 20) and len(image_pages) >= n // 2:
        raise ExtractionError("scanned", f"text on only {textful} of {n} pages, the rest are images (scanned?)")
    empty = [i + 1 for i, c in enumerate(counts) if c == 0]
    if empty:
        notes.append(f"no text on {_page_list(empty)}")


# --------------------------------------------------------------------------
# Metadata


def _pdfium_info(pdf: pdfium.PdfDocument) -> tuple[dict[str, str], str | None]:
    """Info dictionary and /Lang via PDFium (pypdf can take seconds on
    some files just to find the info dictionary)."""
    info: dict[str, str] = {}
    try:
        info = {f"/{k}": v for k, v in pdf.get_metadata_dict(skip_empty=True).items()}
    except Exception as e:  # noqa: BLE001 - metadata is optional
        log.info("info dictionary unreadable: %s", _one_line(e))
    lang = None
    try:
        n_bytes = pdfium_c.FPDFCatalog_GetLanguage(pdf, None, 0)
        if 2 < n_bytes < 200:
            buf = (ctypes.c_ushort * (n_bytes // 2))()
            pdfium_c.FPDFCatalog_GetLanguage(pdf, buf, n_bytes)
            lang = bytes(buf)[: n_bytes - 2].decode("utf-16-le", "replace")
    except Exception as e:  # noqa: BLE001
        log.info("/Lang unreadable: %s", _one_line(e))
    return info, lang


def _pypdf_info(reader: Any, notes: list[str]) -> tuple[dict[str, Any], str | None]:
    info: dict[str, Any] = {}
    lang = None
    try:
        info = {k: _resolve(v) for k, v in (reader.metadata or {}).items()}
    except Exception as e:  # noqa: BLE001
        notes.append(f"metadata unreadable: {_one_line(e)}")
    try:
        lang = _resolve(reader.trailer["/Root"].get("/Lang"))
    except Exception as e:  # noqa: BLE001
        log.info("/Lang unreadable: %s", _one_line(e))
    return info, lang


def _apply_info(ex: Extracted, info: dict[str, Any], lang: Any) -> None:
    ex.language = lang_code(lang)
    ex.authors = split_authors(_text(info.get("/Author")))
    ex.title = clean_title(_text(info.get("/Title")), ex.authors)
    ex.description = _text(info.get("/Subject")) or None
    ex.keywords = split_keywords(_text(info.get("/Keywords")))
    ex.date = pdf_date(_text(info.get("/CreationDate"))) or pdf_date(_text(info.get("/ModDate")))


def _resolve(v: Any) -> Any:
    for _ in range(8):  # chains of indirect objects, but never forever
        if hasattr(v, "get_object") and type(v).__name__ == "IndirectObject":
            v = v.get_object()
        else:
            break
    return v


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bytes):
        v = v.decode("latin-1", "replace")
    s = normalize(str(v)).replace("\n", " ").strip()
    return "" if is_garbage(s) else s


_PDF_DATE_RE = re.compile(r"^(?:D:)?\s*(\d{4})(\d{2})?(\d{2})?")


def pdf_date(value: str) -> str | None:
    """ISO date of a PDF date string (``D:20230510...`` → ``2023-05-10``)."""
    m = _PDF_DATE_RE.match(value.strip()) if value else None
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if not 1950 <= int(year) <= 2100:
        return None
    if not month or not 1 <= int(month) <= 12:
        return year
    if not day or not 1 <= int(day) <= 31:
        return f"{year}-{month}"
    return f"{year}-{month}-{day}"


# --------------------------------------------------------------------------
# Helpers


def _alnum(text: str, cap: int | None = None) -> int:
    """Letters and digits in ``text``; with ``cap``, counted only until
    there are that many (so ``min(count, cap)``): most pages have enough in
    their first lines, and counting a whole page char by char cost a
    twentieth of extraction."""
    if cap is None:
        return sum(map(str.isalnum, text))
    n = 0
    for start in range(0, len(text), 4 * cap):
        n += sum(map(str.isalnum, text[start : start + 4 * cap]))
        if n >= cap:
            return cap
    return n


def _has_text(text: str) -> bool:
    """At least :data:`MIN_PAGE_ALNUM` letters or digits: a page with text."""
    return _alnum(text, MIN_PAGE_ALNUM) >= MIN_PAGE_ALNUM


def _page_list(pages: list[int], limit: int = 10) -> str:
    word = "page" if len(pages) == 1 else "pages"
    shown = ", ".join(str(p) for p in pages[:limit])
    more = f" and {len(pages) - limit} more" if len(pages) > limit else ""
    return f"{word} {shown}{more}"


def _one_line(e: BaseException | str) -> str:
    s = str(e) if not isinstance(e, str) else e
    if isinstance(e, BaseException) and not s:
        s = type(e).__name__
    s = " ".join(s.split())
    return s[:160]


@contextlib.contextmanager
def _captured_warnings(name: str) -> Iterator[None]:
    """Route Python warnings raised by the parsers to logging, not the terminal."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for w in caught[:20]:
                log.warning("%s: %s: %s", name, w.category.__name__, _one_line(str(w.message)))
