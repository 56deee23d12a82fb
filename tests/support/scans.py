"""Scanned PDFs made from real text: a page of a real PDF rendered to an
image, placed in a new PDF with no text layer (what a scanner produces)."""

from __future__ import annotations

from pathlib import Path


def scan_of(source: Path, dest: Path, *, pages: list[int], dpi: int = 200) -> list[str]:
    """Write an image-only PDF of ``pages`` (0-based) of ``source`` to
    ``dest``; returns those pages' real text, to search for."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(source))
    out = pdfium.PdfDocument.new()
    texts = []
    try:
        for n, i in enumerate(pages):
            page = src[i]
            w, h = page.get_size()
            tp = page.get_textpage()
            texts.append(tp.get_text_bounded())
            tp.close()
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            new = out.new_page(w, h)
            image = pdfium.PdfImage.new(out)
            image.set_bitmap(bitmap)
            image.set_matrix(pdfium.PdfMatrix().scale(w, h))
            new.insert_obj(image)
            new.gen_content()
            bitmap.close()
            page.close()
        out.save(str(dest))
    finally:
        out.close()
        src.close()
    return texts


def mixed_of(source: Path, dest: Path, *, text_pages: list[int], scanned_pages: list[int]) -> list[str]:
    """Write a PDF of ``text_pages`` of ``source`` as they are, followed by
    ``scanned_pages`` as images only (a report with scanned annexes);
    returns the scanned pages' real text."""
    import pypdfium2 as pdfium

    scan = dest.with_name(dest.stem + ".scan.pdf")
    texts = scan_of(source, scan, pages=scanned_pages)
    out, src, img = pdfium.PdfDocument.new(), pdfium.PdfDocument(str(source)), pdfium.PdfDocument(str(scan))
    try:
        out.import_pages(src, text_pages)
        out.import_pages(img)
        out.save(str(dest))
    finally:
        out.close()
        src.close()
        img.close()
    scan.unlink()
    return texts
