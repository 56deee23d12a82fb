"""PDF text extraction alone: pypdf, pypdfium2 and poppler's pdftotext.

All three read the same seeded sample of the corpus's PDFs, in one process
each (pages/s per core; etslib and the reference pipeline use 2). The
sample keeps the corpus's share of generated and real PDF pages. pypdf is
slow, so it reads a smaller prefix of the same sample (and stops early
after a time cap); its figure is extrapolated from the pages it read, and
the output says so.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

from .common import log
from .corpus import Corpus


def _pdftotext(path: Path) -> int:
    r = subprocess.run(["pdftotext", "-q", "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=300)
    pages = r.stdout.decode("utf-8", "replace").split("\f")
    return len(pages) - 1 if pages and not pages[-1].strip() else len(pages)


def _pdfium(path: Path) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        n = len(doc)
        for i in range(n):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
        return n
    finally:
        doc.close()


def _pypdf(path: Path) -> int:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = pypdf.PdfReader(str(path))
    n = 0
    for page in reader.pages:
        page.extract_text()
        n += 1
    return n


def sample(files: list[tuple[Path, int, str]], budget_pages: int) -> list[tuple[Path, int, str]]:
    """A prefix of ``files`` (path, pages, kind) with about ``budget_pages`` pages,
    generated (``pdf``) and real PDFs in their proportions in ``files`` (shuffle
    ``files`` first for a seeded random sample)."""
    total = sum(f[1] for f in files)
    share = {k: sum(f[1] for f in files if f[2] == k) for k in ("pdf", "real")}
    want = {k: budget_pages * v / total if total else 0 for k, v in share.items()}
    got = {k: 0 for k in share}
    out = []
    for f in files:
        if got[f[2]] < want[f[2]]:
            out.append(f)
            got[f[2]] += f[1]
    return out


def _time(fn: Callable[[Path], int], files: list[tuple[Path, int, str]], cap_seconds: float | None = None) -> dict[str, Any]:
    pages = 0
    errors = 0
    t0 = time.perf_counter()
    done = 0
    for path, _, _ in files:
        try:
            pages += fn(path)
        except Exception:
            errors += 1
        done += 1
        if cap_seconds is not None and time.perf_counter() - t0 > cap_seconds:
            break
    seconds = time.perf_counter() - t0
    return {"files": done, "pages": pages, "seconds": round(seconds, 3), "pages_per_s": round(pages / seconds, 1) if seconds else None, "errors": errors}


def run(corpus: Corpus, *, budget_pages: int, pypdf_pages: int, pypdf_cap_seconds: float, seed: int) -> dict[str, Any]:
    """pages/s of each extractor over the same sample."""
    population = [(path, d["planned_pages"], d["kind"]) for path, d in corpus.files("pdf")]
    random.Random(f"etslib-bench-extract-order:{seed}").shuffle(population)
    all_pdf_pages = sum(f[1] for f in population)
    files = sample(population, budget_pages)
    sampled = sum(f[1] for f in files)
    out: dict[str, Any] = {
        "corpus_pdf_pages": all_pdf_pages,
        "sample_files": len(files),
        "sample_pages": sampled,
        "sampled_fraction": round(sampled / all_pdf_pages, 4) if all_pdf_pages else None,
        "method": "one process per extractor over a seeded sample of the corpus PDFs (generated and real in corpus proportion); "
                  "pdftotext as a subprocess per file, pypdfium2 get_text_range() per page, pypdf extract_text() per page",
    }
    extractors: dict[str, Callable[[Path], int]] = {"pdftotext": _pdftotext, "pypdfium2": _pdfium}
    for name, fn in extractors.items():
        log(f"extraction: {name} over {len(files)} files ({sampled:,} pages)")
        try:
            out[name] = _time(fn, files)
        except FileNotFoundError as e:
            out[name] = {"skipped": f"{name} is not installed ({e})"}
        else:
            out[name]["extrapolated_seconds_all_pdf_pages"] = round(all_pdf_pages / out[name]["pages_per_s"], 1) if out[name]["pages_per_s"] else None
    sub = sample(files, pypdf_pages)  # a stratified prefix of the same sample
    got = sum(f[1] for f in sub)
    log(f"extraction: pypdf over {len(sub)} files (~{got:,} pages, at most {pypdf_cap_seconds:.0f} s)")
    res = _time(_pypdf, sub, pypdf_cap_seconds)
    res["sampled"] = True
    res["note"] = (f"pypdf read {res['pages']:,} of the {all_pdf_pages:,} PDF pages; its pages/s is extrapolated to the corpus "
                   f"from that sample")
    res["extrapolated_seconds_all_pdf_pages"] = round(all_pdf_pages / res["pages_per_s"], 1) if res["pages_per_s"] else None
    out["pypdf"] = res
    return out
