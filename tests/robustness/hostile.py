"""Hostile files made on the spot: decompression bombs, a 10,000-page PDF,
a circular page tree, nested HTML, huge text, odd names and special files."""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

from benchlib.pdfwrite import write_pdf


def assemble(objs: list[bytes], root: int = 1) -> bytes:
    """A PDF file of numbered objects (1-based) with a cross-reference table."""
    buf = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objs, 1):
        offsets.append(len(buf))
        buf += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(buf)
    buf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    buf += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    buf += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, root, xref)
    return bytes(buf)


def _page(contents: int, parent: int = 2) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 << /Type /Font "
        b"/Subtype /Type1 /BaseFont /Helvetica >> >> >> /Contents %d 0 R >>" % (parent, contents)
    )


def _stream(data: bytes, flate: bool = True) -> bytes:
    body = zlib.compress(data, 9) if flate else data
    return b"<< /Length %d%s >>\nstream\n" % (len(body), b" /Filter /FlateDecode" if flate else b"") + body + b"\nendstream"


def _bomb_stream(inflated: int) -> bytes:
    """A Flate stream that inflates to ``inflated`` bytes of a text operator, repeated."""
    unit = b"BT /F1 12 Tf 72 720 Td (carbon) Tj ET\n" * 1024
    c = zlib.compressobj(9)
    parts = []
    for _ in range(inflated // len(unit)):
        parts.append(c.compress(unit))
    parts.append(c.flush())
    body = b"".join(parts)
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream"


def decompression_bomb(path: Path, inflated: int) -> None:
    """One page whose content stream inflates to ``inflated`` bytes."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", _page(4), _bomb_stream(inflated)]
    path.write_bytes(assemble(objs))


def image_bomb(path: Path) -> None:
    """A page drawing a 100,000 x 100,000 image from a few KB of Flate data."""
    row = b"\x00" * 100_000
    c = zlib.compressobj(9)
    data = b"".join(c.compress(row) for _ in range(2000)) + c.flush()  # only 2,000 of the rows: truncated
    img = b"<< /Type /XObject /Subtype /Image /Width 100000 /Height 100000 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>"
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, _stream(b"q 595 0 0 842 0 0 cm /Im1 Do Q"), img]
    path.write_bytes(assemble(objs))


def circular_page_tree(path: Path) -> None:
    """/Pages whose kid is a /Pages node whose kid is the first again."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
        b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 4 0 R] /Count 2 >>",
        _page(6, parent=3),
        _page(6),
        _stream(b"BT /F1 12 Tf 72 720 Td (Circular carbon market page tree) Tj ET"),
    ]
    path.write_bytes(assemble(objs))


def many_pages(path: Path, n: int) -> None:
    """A valid PDF of ``n`` short pages."""
    pages = [[("body", f"Page {i} of a very long emissions trading report.")] for i in range(n)]
    write_pdf(path, pages, info={"Title": f"A {n:,}-page report"})


def nested_html(path: Path, size: int) -> None:
    """Markup nested as deep as ``size`` bytes allow (never closed)."""
    unit = b"<div><span><p>carbon "
    with open(path, "wb") as f:
        f.write(b"<!doctype html><html><head><title>Nested</title></head><body>")
        f.write(unit * (size // len(unit)))


def sparse(path: Path, size: int, head: bytes) -> None:
    """A file of ``size`` bytes that starts with ``head`` (the rest a hole)."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)


def huge_text(path: Path, size: int) -> None:
    line = b"Emissions trading allowances are auctioned on the primary market.\n"
    with open(path, "wb") as f:
        for _ in range(size // len(line)):
            f.write(line)


def special_files(folder: Path, outside: Path) -> list[str]:
    """FIFOs, a device node, sockets and symbolic links in and out of ``folder``; their names."""
    made = []
    os.mkfifo(folder / "pipe.txt")
    made.append("pipe.txt")
    try:
        os.mknod(folder / "null.txt", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        made.append("null.txt")
    except (PermissionError, OSError):
        pass
    import socket

    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(folder / "sock.txt"))
        made.append("sock.txt")
    except OSError:
        pass
    finally:
        s.close()
    (outside / "secret.txt").write_text("the secret carbon plan\n")
    links = {
        "zero.txt": "/dev/zero",
        "passwd.txt": "/etc/passwd",
        "secret.txt": str(outside / "secret.txt"),
        "loop.txt": "loop.txt",
        "nowhere.txt": "/nonexistent/x.txt",
        "outdir": str(outside),
    }
    for name, target in links.items():
        os.symlink(target, folder / name)
        made.append(name)
    return made


def odd_names(folder: Path) -> list[str]:
    """Files whose names are not UTF-8, are very long, or hold markup and control characters."""
    names = [
        os.fsdecode(b"caf\xe9-latin1.txt"),
        os.fsdecode(b"\xff\xfe-bytes.txt"),
        "L" * 251 + ".txt",  # 255 bytes, the longest a name may be
        "数据" * 40 + ".txt",
        "new\nline.txt",
        "tab\there.txt",
        "<img src=x onerror=alert(1)>.txt",
        "\u202etxt.exe.txt",  # right-to-left override
        "-rf.txt",
        " leading space.txt",
    ]
    made = []
    for n in names:
        try:
            (folder / n).write_text(f"Carbon notes under an odd name ({len(n)} characters).\n\nAllowances.\n")
            made.append(n)
        except OSError:
            pass
    return made
