"""A small writer of text-only PDFs: A4 pages, Helvetica (a standard font,
nothing embedded), WinAnsiEncoding, Flate-compressed content streams.

Enough for Latin text (English, German and other Western European
languages); characters outside Windows-1252 become ``?``. Output is
deterministic: no timestamps beyond the ones given, the file ID is a hash
of the content.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from pathlib import Path
from typing import Sequence

PAGE_W, PAGE_H = 595, 842
LEFT = 64
#: (font resource, size, leading) per line style.
STYLES = {
    "title": ("F2", 16.0, 22.0),
    "head": ("F2", 10.5, 15.0),
    "body": ("F1", 9.5, 12.4),
    "small": ("F1", 8.0, 11.0),
}
TOP_Y = 772.0
BOTTOM_Y = 64.0
_CTRL = re.compile(r"[\x00-\x1f\x7f]")


def pdf_literal(s: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252) encoding, escaped."""
    s = _CTRL.sub(" ", s)
    raw = s.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf_text_string(s: str) -> bytes:
    """A PDF text string (document information) as UTF-16BE hex."""
    return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode() + b">"


def body_capacity() -> float:
    """Vertical space for body lines on a page, in points."""
    return TOP_Y - BOTTOM_Y


def _content(lines: Sequence[tuple[str, str]], header: str, page_no: int) -> bytes:
    out = [b"BT"]
    out.append(b"/F1 7.5 Tf 0.35 g 1 0 0 1 %d %d Tm " % (LEFT, 806) + pdf_literal(header) + b" Tj")
    out.append(b"0 g")
    y = TOP_Y
    font = None
    for style, text in lines:
        res, size, leading = STYLES.get(style, STYLES["body"])
        if font != (res, size):
            out.append(b"/%s %.1f Tf" % (res.encode(), size))
            font = (res, size)
        y -= leading
        if text:
            out.append(b"1 0 0 1 %d %.1f Tm " % (LEFT, y) + pdf_literal(text) + b" Tj")
    out.append(b"/F1 7.5 Tf 1 0 0 1 %d 40 Tm " % (PAGE_W // 2 - 8) + pdf_literal(str(page_no)) + b" Tj")
    out.append(b"ET")
    return b"\n".join(out)


def write_pdf(path: str | Path, pages: Sequence[Sequence[tuple[str, str]]], *, info: dict[str, str], header: str = "") -> int:
    """Write ``pages`` (lists of (style, line) pairs) to ``path``; returns its size.

    ``info`` keys are PDF information keys without the slash (Title,
    Author, Subject, Keywords, Creator, Producer, CreationDate).
    """
    n = len(pages)
    # Objects: 1 catalog, 2 pages, 3 Helvetica, 4 Helvetica-Bold, 5 info,
    # then for page i: 6 + 2i (page), 7 + 2i (contents).
    objs: list[bytes] = [b""] * (5 + 2 * n)
    kids = b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n))
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objs[1] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n
    objs[2] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    objs[3] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    objs[4] = b"<< " + b" ".join(b"/" + k.encode() + b" " + pdf_text_string(v) for k, v in info.items() if v) + b" >>"
    for i, lines in enumerate(pages):
        stream = zlib.compress(_content(lines, header, i + 1), 6)
        objs[5 + 2 * i] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (PAGE_W, PAGE_H)
            + b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (7 + 2 * i)
        )
        objs[6 + 2 * i] = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"
    buf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objs, 1):
        offsets.append(len(buf))
        buf += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(buf)
    buf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    buf += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    fid = hashlib.md5(bytes(buf)).hexdigest().upper().encode()
    buf += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /ID [<%s> <%s>] >>\n" % (len(objs) + 1, fid, fid)
    buf += b"startxref\n%d\n%%%%EOF\n" % xref
    Path(path).write_bytes(bytes(buf))
    return len(buf)
