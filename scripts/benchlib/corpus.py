"""The scale corpus: real text composed into PDF, HTML and text files, plus
salted copies of real PDFs, with a staff catalog (``catalog.yaml``); at
``xlarge`` (and with ``records=True``) also the bulk records: the 3,312
Chinese carbon-market notices, written as ``etslib import records`` writes
them (one text file per record, its metadata in the catalog).

Mix by pages: about 60% generated PDF pages, 25% HTML/text sections, 15%
real PDFs. Everything is drawn from ``random.Random`` seeded by the seed and
the document number, so the same size and seed give byte-identical files.
The folder is ``<cache>/corpus-<key>/``:

    docs/…            the files to ingest (every file unique by sha256)
    catalog.yaml      staff metadata keyed by path (relative to the catalog)
    manifest.json     every document with its full metadata (written last:
                      a corpus without it is incomplete and rebuilt)

``catalog.yaml`` sits beside ``docs/`` rather than in it, so the benchmark
passes it with ``--catalog`` and can swap in an edited copy for the
metadata-only reindex without touching the cached corpus.
"""

from __future__ import annotations

import html
import json
import random
import re
import shutil
import textwrap
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .common import log, write_json
from .pdfwrite import body_capacity, STYLES, write_pdf
from .sources import Record, Sources, load_sources

GEN_VERSION = 3
SIZES = {"small": 1_000, "medium": 10_000, "large": 100_000, "xlarge": 1_000_000}
#: Sizes whose corpus also holds the bulk records (the world's literature at
#: 10^6 pages includes a library's Chinese notices and news).
WITH_RECORDS = {"xlarge"}
#: The bulk records: JSON lines, one notice per row (``etslib import records``).
RECORDS_SUBDIR = Path("datasets") / "cn-carbon-market"
MIX = {"pdf": 0.60, "html": 0.25}  # the rest: real PDFs

JURISDICTION_NAMES = {
    "EU": "European Union", "DE": "Germany", "UK": "United Kingdom", "CH": "Switzerland", "AT": "Austria",
    "CN": "China", "CN-GD": "Guangdong", "CN-HB": "Hubei", "CN-SZ": "Shenzhen", "CN-BJ": "Beijing", "CN-SH": "Shanghai",
    "KR": "Republic of Korea", "JP": "Japan", "JP-TYO": "Tokyo", "NZ": "New Zealand", "AU": "Australia",
    "US": "United States", "US-CA": "California", "US-WA": "Washington", "RGGI": "RGGI", "CA": "Canada",
    "CA-QC": "Québec", "CA-AB": "Alberta", "CA-BC": "British Columbia", "MX": "Mexico", "KZ": "Kazakhstan",
    "BR": "Brazil", "CL": "Chile", "ID": "Indonesia", "VN": "Viet Nam", "TW": "Taiwan", "IN": "India",
}
WIDE_JURISDICTIONS = {
    "EU": 15, "CN": 10, "US-CA": 8, "KR": 6, "NZ": 6, "UK": 6, "DE": 5, "CA-QC": 5, "RGGI": 4, "CH": 3,
    "JP": 3, "CA": 3, "AU": 3, "US-WA": 3, "AT": 2, "KZ": 2, "MX": 2, "CN-GD": 2, "CN-HB": 2, "CA-AB": 2,
    "CA-BC": 1, "JP-TYO": 1, "BR": 1, "CL": 1, "ID": 1, "VN": 1, "TW": 1, "IN": 1, "CN-SZ": 1, "CN-BJ": 1,
}
PUBLISHERS = {
    "EU": ["European Commission", "Publications Office of the European Union", "European Environment Agency", "European Parliament"],
    "DE": ["Deutsche Emissionshandelsstelle (DEHSt)", "Bundesgesetzblatt (Germany)", "Umweltbundesamt", "DIW Berlin"],
    "AT": ["Umweltbundesamt Österreich"],
    "CN": ["Ministry of Ecology and Environment (China)", "State Council of the People's Republic of China", "Shanghai Environment and Energy Exchange"],
    "CN-GD": ["Guangzhou Emissions Exchange", "Guangdong Department of Ecology and Environment"],
    "CN-HB": ["Hubei Emission Exchange"],
    "CN-SZ": ["Shenzhen Emissions Exchange"], "CN-BJ": ["Beijing Green Exchange"], "CN-SH": ["Shanghai Environment and Energy Exchange"],
    "KR": ["Ministry of Environment (Korea)", "Korea Exchange"],
    "NZ": ["Ministry for the Environment (New Zealand)", "Motu Economic and Public Policy Research", "Scoop (New Zealand)"],
    "US-CA": ["California Air Resources Board", "Near Zero"],
    "CA-QC": ["Gouvernement du Québec"],
    "UK": ["UK ETS Authority", "Department for Energy Security and Net Zero"],
    "RGGI": ["RGGI, Inc."],
    "CH": ["Federal Office for the Environment (Switzerland)"],
    "JP": ["Ministry of the Environment (Japan)"],
    "AU": ["Clean Energy Regulator"],
}
GENERIC_PUBLISHERS = ["ICAP", "World Bank", "OECD", "International Energy Agency", "Clean Energy Wire", "Sandbag", "Ember", "Carbon Pricing Leadership Coalition"]
TOPICS = ["scope", "cap", "allocation", "auctioning", "offsets", "market-stability", "mrv", "compliance", "linking", "revenue",
          "carbon-leakage", "market-oversight", "aviation", "maritime", "power", "industry", "buildings-transport", "agriculture-forestry"]
TYPE_LABELS = {"legislation": "Legislation", "report": "Report", "working paper": "Working paper", "guide": "Guidance",
               "news": "News", "presentation": "Presentation", "dataset": "Data", "other": "Document"}
FIRST = ["Anna", "Ben", "Chen", "Daniel", "Elena", "Felix", "Grace", "Hannah", "Ivan", "Jia", "Karin", "Liam", "Maria", "Noah",
         "Olga", "Paul", "Qing", "Rosa", "Stefan", "Tomás", "Ulrike", "Victor", "Wei", "Yuki", "Zoe"]
LAST = ["Müller", "Smith", "Wang", "García", "Rossi", "Schmidt", "Kim", "Nguyen", "Dubois", "Jensen", "Kowalski", "Tanaka",
        "O'Brien", "Silva", "Fischer", "Lee", "Novak", "Brown", "Li", "Meyer", "Andersen", "Costa", "Zhang", "Weber"]

WRAP = 92  # characters per body line (Helvetica 9.5 pt on a 467 pt measure)


@dataclass
class Corpus:
    root: Path
    manifest: dict[str, Any]

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.yaml"

    @property
    def documents(self) -> list[dict[str, Any]]:
        return self.manifest["documents"]

    def path_of(self, doc: dict[str, Any]) -> Path:
        return self.root / doc["path"]

    def files(self, kind: str | None = None) -> list[tuple[Path, dict[str, Any]]]:
        """(absolute path, manifest entry) of every document (of one kind: pdf, html, text)."""
        out = []
        for d in self.documents:
            k = "pdf" if d["kind"] in ("pdf", "real") else "html" if d["kind"] == "html" else "text"
            if kind is None or kind == k:
                out.append((self.path_of(d), d))
        return out


def with_records(size: str | None, records: bool = False) -> bool:
    """Whether the corpus of a size holds the bulk records."""
    return records or size in WITH_RECORDS


def corpus_key(size: str | None, pages: int | None, seed: int, records: bool = False) -> tuple[str, int]:
    """The cache key and page target of a size (or an explicit page count)."""
    if pages:
        return f"p{pages}{'-rec' if records else ''}-s{seed}", pages
    return f"{size}-s{seed}", SIZES[size or "small"]


def ensure_corpus(cache: Path, size: str | None, pages: int | None, seed: int, *, shared: Path, rebuild: bool = False,
                  records: bool = False) -> tuple[Corpus, dict[str, Any]]:
    """The cached corpus for (size, seed), generated when absent or stale."""
    records = with_records(None if pages else size, records)
    key, target = corpus_key(size, pages, seed, records)
    root = cache / f"corpus-{key}"
    man_path = root / "manifest.json"
    if not rebuild and man_path.is_file():
        manifest = json.loads(man_path.read_text("utf-8"))
        if manifest.get("version") == GEN_VERSION and all((root / d["path"]).is_file() for d in manifest["documents"][:50]):
            log(f"corpus {key}: reusing {root}")
            return Corpus(root, manifest), {"cached": True, "key": key, **manifest["stats"]}
    if root.exists():
        shutil.rmtree(root)
    log(f"corpus {key}: generating about {target:,} pages under {root}")
    t0 = time.perf_counter()
    sources = load_sources(shared)
    manifest = generate(root, sources, target, seed, records_dir=shared / RECORDS_SUBDIR if records else None)
    manifest["stats"]["build_seconds"] = round(time.perf_counter() - t0, 2)
    write_json(man_path, manifest)
    log(f"corpus {key}: {manifest['stats']['documents']} documents, ~{manifest['stats']['planned_pages']:,} pages in {manifest['stats']['build_seconds']} s")
    return Corpus(root, manifest), {"cached": False, "key": key, **manifest["stats"]}


# -- planning -------------------------------------------------------------------


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def plan(sources: Sources, target: int, seed: int) -> list[dict[str, Any]]:
    """Document specs (kind, source, planned pages) adding up to ``target`` pages."""
    rng = random.Random(f"etslib-bench-plan:{seed}:{target}")
    pdf_budget = round(target * MIX["pdf"])
    html_budget = round(target * MIX["html"])
    real_budget = target - pdf_budget - html_budget
    specs: list[dict[str, Any]] = []

    real = sorted(sources.real_pdfs, key=lambda r: str(r[0]))
    copies: dict[str, int] = {}
    left = real_budget
    while real and left > 0:
        order = real[:]
        rng.shuffle(order)
        added = False
        for path, n, meta in order:
            if n <= left or (not specs and left >= 5 and n <= 2 * left):
                k = copies.get(str(path), 0) + 1
                copies[str(path)] = k
                specs.append({"kind": "real", "source": "real", "pages": n, "orig": str(path), "copy": k, "meta": dict(meta)})
                left -= n
                added = True
        if not added:
            break

    def fill(budget: int, kinds: dict[str, float], sources_w: dict[str, float], lo: int, hi: int, mode: int) -> None:
        left = budget
        while left > 0:
            n = round(rng.triangular(lo, hi, mode))
            n = min(n, left)
            if left - n < lo:
                n = left
            specs.append({"kind": _weighted(rng, kinds), "source": _weighted(rng, sources_w), "pages": n})
            left -= n

    fill(pdf_budget, {"pdf": 1}, {"eu": 0.45, "policy": 0.25, "de": 0.15, "cran": 0.15}, 10, 60, 50)
    fill(html_budget, {"html": 0.55, "txt": 0.25, "md": 0.20}, {"eu": 0.30, "policy": 0.25, "zh": 0.30, "de": 0.10, "cran": 0.05}, 4, 60, 40)
    order = list(range(len(specs)))
    rng.shuffle(order)
    return [dict(specs[i], n=j) for j, i in enumerate(order)]


# -- metadata -------------------------------------------------------------------


def _year(rng: random.Random) -> int:
    years = list(range(2003, 2026))
    return rng.choices(years, weights=[1 + 0.35 * (y - 2003) for y in years])[0]


def metadata(spec: dict[str, Any], rng: random.Random, first: Record) -> dict[str, Any]:
    """Plausible staff metadata for a generated document."""
    src, kind = spec["source"], spec["kind"]
    if src == "eu":
        r = rng.random()
        jur = ["EU"] if r < 0.7 else ["EU", rng.choice(["DE", "AT", "UK", "CH"])] if r < 0.85 else [rng.choice(["UK", "CH", "EU"])]
    elif src == "de":
        jur = ["DE"] if rng.random() < 0.8 else ["DE", "EU"]
    elif src == "zh":
        name = first.name
        jur = ["CN-GD"] if name.startswith("GZETS") else ["CN-HB"] if name.startswith("HBETS") else ["CN"] if rng.random() < 0.8 else [rng.choice(["CN-SZ", "CN-BJ", "CN-SH"])]
    else:
        jur = [_weighted(rng, WIDE_JURISDICTIONS)]
        if rng.random() < 0.2:
            other = _weighted(rng, WIDE_JURISDICTIONS)
            if other not in jur:
                jur.append(other)
    year = None
    if first.date and first.date[:4].isdigit() and 1990 <= int(first.date[:4]) <= 2026 and src in ("zh", "policy"):
        year = int(first.date[:4])
    year = year or _year(rng)
    date = None
    if rng.random() < 0.5:
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if src in ("eu", "de"):
        types = {"legislation": 60, "guide": 10, "report": 15, "working paper": 5, "news": 5, "other": 5}
    elif kind == "html":
        types = {"news": 50, "report": 15, "legislation": 10, "guide": 10, "other": 15}
    elif src == "cran":
        types = {"working paper": 60, "report": 30, "presentation": 10}
    else:
        types = {"report": 35, "legislation": 20, "working paper": 15, "news": 10, "dataset": 8, "guide": 7, "presentation": 5}
    typ = _weighted(rng, types)
    pubs = PUBLISHERS.get(jur[0], [])
    publisher = rng.choice(pubs) if pubs and rng.random() < 0.75 else rng.choice(GENERIC_PUBLISHERS)
    topics = rng.sample(TOPICS, rng.choice([0, 1, 1, 2, 2, 3]))
    authors = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.choice([1, 1, 2, 3]))] if rng.random() < 0.35 and src != "zh" else []
    lang = {"de": "de", "zh": "zh"}.get(src, "en")
    base = re.sub(r"\s+", " ", first.title).strip(" .") or "Untitled"
    if src == "cran":
        base = base[:1].upper() + base[1:]
    if typ == "legislation" or src in ("zh", "de"):
        title = base
    else:
        where = JURISDICTION_NAMES.get(jur[0], jur[0])
        title = rng.choice([f"{base}", f"{where}: {base}", f"{base} ({TYPE_LABELS[typ]}, {year})", f"{TYPE_LABELS[typ]} on {base}"])
    return {
        "title": title[:150] + (f" [{spec['n']}]" if rng.random() < 0.3 else ""),
        "authors": authors,
        "publisher": publisher,
        "year": year,
        "date": date,
        "jurisdictions": jur,
        "type": typ,
        "topics": topics,
        "language": lang,
    }


# -- text -----------------------------------------------------------------------


class Stream:
    """Runs of consecutive real paragraphs from one source, jumping at random."""

    def __init__(self, records: list[Record], rng: random.Random):
        self.records = records
        self.rng = rng
        self.weights = [max(1, r.chars) for r in records]
        self.long = records[0].source in ("eu", "de")
        self._jump()

    def _jump(self) -> None:
        if self.long:
            self.ri = self.rng.choices(range(len(self.records)), weights=self.weights)[0]
            self.pi = self.rng.randrange(len(self.records[self.ri].paras))
        else:
            self.ri = self.rng.randrange(len(self.records))
            self.pi = 0
        self.run_left = self.rng.uniform(3000, 15000)

    def first_record(self) -> Record:
        return self.records[self.ri]

    def next(self) -> tuple[str, str]:
        if self.run_left <= 0:
            self._jump()
        rec = self.records[self.ri]
        if self.pi >= len(rec.paras):
            self.ri = (self.ri + 1) % len(self.records)
            self.pi = 0
            rec = self.records[self.ri]
        para = rec.paras[self.pi]
        self.pi += 1
        self.run_left -= len(para[1])
        return para


def _pdf_pages(spec: dict[str, Any], meta: dict[str, Any], stream: Stream, rng: random.Random) -> list[list[tuple[str, str]]]:
    """Page layouts: a title block on page 1, then wrapped paragraphs."""
    cap = body_capacity()
    pages: list[list[tuple[str, str]]] = []
    lines: list[tuple[str, str]] = [("title", t) for t in textwrap.wrap(meta["title"], 58)[:3]]
    info = [meta["publisher"] or "", ", ".join(JURISDICTION_NAMES.get(j, j) for j in meta["jurisdictions"]), meta["date"] or str(meta["year"])]
    lines += [("body", "")] + [("small", s) for s in info if s] + [("body", "")]
    pending: list[tuple[str, str]] = []
    while len(pages) < spec["pages"]:
        fill = rng.uniform(0.45, 0.85) * cap
        used = sum(STYLES[s][2] for s, _ in lines)
        while used < fill:
            if not pending:
                style, text = stream.next()
                if style == "head":
                    pending = [("body", "")] + [("head", t) for t in textwrap.wrap(text, 80)]
                else:
                    pending = [("body", t) for t in textwrap.wrap(text, WRAP)] + [("body", "")]
            line = pending.pop(0)
            lines.append(line)
            used += STYLES[line[0]][2]
        pages.append(lines)
        lines = []
    return pages


def _flow_text(target_chars: int, stream: Stream) -> list[tuple[str, str]]:
    paras: list[tuple[str, str]] = []
    total = 0
    while total < target_chars:
        p = stream.next()
        paras.append(p)
        total += len(p[1])
    return paras


def _slug(s: str) -> str:
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return s[:40].strip("-") or "doc"


def _html_doc(meta: dict[str, Any], paras: list[tuple[str, str]], n: int) -> str:
    lang = {"zh": "zh-CN"}.get(meta["language"], meta["language"])
    e = html.escape
    desc = next((t for s, t in paras if s == "body" and len(t) > 40), "")[:200]
    head = [
        "<!doctype html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(meta['title'])}</title>",
        f'<meta name="description" content="{e(desc)}">',
    ]
    if meta["authors"]:
        head.append(f'<meta name="author" content="{e("; ".join(meta["authors"]))}">')
    head.append(f'<meta name="date" content="{meta["date"] or meta["year"]}">')
    head += ["</head>", "<body>",
             '<header class="site-header"><nav class="menu"><a href="/">Home</a> <a href="/news">News</a> <a href="/topics">Topics</a> <a href="/about">About</a></nav></header>',
             "<main><article>", f"<h1>{e(meta['title'])}</h1>",
             f'<p class="byline">{e(meta["publisher"] or "")} · {meta["date"] or meta["year"]}</p>']
    body = [f"<h2>{e(t)}</h2>" if s == "head" else f"<p>{e(t)}</p>" for s, t in paras]
    tail = ["</article></main>",
            f'<aside class="related"><h3>Related</h3><ul><li><a href="/n/{n + 1}">More on this topic</a></li></ul></aside>',
            f'<footer class="footer"><p>© {meta["year"]} {e(meta["publisher"] or "")}. All rights reserved. Document {n}.</p></footer>',
            "</body></html>"]
    return "\n".join(head + body + tail) + "\n"


def _text_doc(meta: dict[str, Any], paras: list[tuple[str, str]], md: bool, n: int) -> str:
    out = [f"# {meta['title']}" if md else meta["title"], ""]
    by = " · ".join(str(x) for x in (meta["publisher"], meta["date"] or meta["year"]) if x)
    out += [f"*{by}*" if md else by, ""]
    for s, t in paras:
        out += [f"## {t}" if (md and s == "head") else t, ""]
    out.append(f"(document {n})")
    return "\n".join(out) + "\n"


def generate(root: Path, sources: Sources, target: int, seed: int, *, records_dir: Path | None = None) -> dict[str, Any]:
    """Write the corpus under ``root`` (plus the records of ``records_dir``); returns the manifest."""
    docs_dir = root / "docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    specs = plan(sources, target, seed)
    documents: list[dict[str, Any]] = []
    catalog: list[dict[str, Any]] = []
    planned = {"pdf": 0, "html": 0, "text": 0, "real": 0}
    for spec in specs:
        n = spec["n"]
        rng = random.Random(f"etslib-bench-doc:{seed}:{n}")
        if spec["kind"] == "real":
            orig = Path(spec["orig"])
            meta = dict(spec["meta"])
            stem = orig.stem
            meta.update(
                title=f"{stem.replace('_', ' ')} (copy {spec['copy']})",
                authors=[], date=None, language="en",
                jurisdictions=list(meta["jurisdictions"]), topics=list(meta["topics"]),
            )
            rel = Path("docs") / "real" / f"{stem}__copy{spec['copy']:03d}.pdf"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(orig.read_bytes() + f"\n% etslib-bench copy {spec['copy']} seed {seed}\n".encode())
            planned["real"] += spec["pages"]
        else:
            stream = Stream(sources.by_name(spec["source"]), rng)
            meta = metadata(spec, rng, stream.first_record())
            folder = meta["jurisdictions"][0] if meta["jurisdictions"] else "intl"
            ext = {"pdf": ".pdf", "html": ".html", "txt": ".txt", "md": ".md"}[spec["kind"]]
            rel = Path("docs") / spec["kind"] / folder / f"{meta['year']}-{n:05d}-{_slug(meta['title'])}{ext}"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            if spec["kind"] == "pdf":
                pages = _pdf_pages(spec, meta, stream, rng)
                info = {"Title": meta["title"], "Author": "; ".join(meta["authors"]), "Creator": "etslib-bench",
                        "Producer": "etslib-bench pdfwrite", "CreationDate": f"D:{meta['year']}0101000000Z"}
                write_pdf(root / rel, pages, info=info, header=f"{meta['title'][:90]} — {n}")
                planned["pdf"] += spec["pages"]
            else:
                paras = _flow_text(int(spec["pages"] * rng.uniform(2300, 2800)), stream)
                if spec["kind"] == "html":
                    text = _html_doc(meta, paras, n)
                else:
                    text = _text_doc(meta, paras, spec["kind"] == "md", n)
                (root / rel).write_text(text, "utf-8")
                planned["text" if spec["kind"] != "html" else "html"] += spec["pages"]
        doc = {"n": n, "path": str(rel), "kind": spec["kind"], "source": spec["source"], "planned_pages": spec["pages"], "meta": meta}
        # Staff catalogs are incomplete: a few documents carry only a title.
        if rng.random() < 0.08:
            entry = {"path": str(rel.relative_to("docs").as_posix()), "title": meta["title"]}
            doc["catalog"] = "partial"
        else:
            entry = {"path": str(rel.relative_to("docs").as_posix())}
            entry.update({k: meta[k] for k in ("title", "authors", "publisher", "year", "date", "jurisdictions", "type", "topics") if meta.get(k)})
            doc["catalog"] = "full"
        entry["path"] = "docs/" + entry["path"]
        catalog.append(entry)
        documents.append(doc)
        if n and n % 500 == 0:
            log(f"  generated {n} of {len(specs)} documents")
    if records_dir is not None:
        for doc, entry in bulk_records(root, records_dir, first_n=len(specs)):
            planned["records"] = planned.get("records", 0) + doc["planned_pages"]
            catalog.append(entry)
            documents.append(doc)
        log(f"  {sum(1 for d in documents if d['kind'] == 'record'):,} bulk records from {records_dir}")
    (root / "catalog.yaml").write_text(
        "# etslib benchmark corpus: staff metadata (generated; see scripts/benchlib/corpus.py)\n"
        + yaml.safe_dump({"documents": catalog}, allow_unicode=True, sort_keys=False, width=1000),
        "utf-8",
    )
    stats = {
        "documents": len(documents),
        "planned_pages": sum(planned.values()),
        "planned_pages_by_kind": planned,
        "files_by_kind": {k: sum(1 for d in documents if d["kind"] == k) for k in ("pdf", "real", "html", "txt", "md", "record")},
        "bytes": sum((root / d["path"]).stat().st_size for d in documents),
        "sources": sources.summary(),
    }
    return {"version": GEN_VERSION, "seed": seed, "target_pages": target, "documents": documents, "stats": stats}


def bulk_records(root: Path, records_dir: Path, *, first_n: int) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(manifest entry, catalog entry) of every bulk record, its text file written.

    The records are those ``etslib import records FILE --map
    publisher=source_name_en --set jurisdictions=CN`` imports
    (``search.ingest.records.prepare_records``: one per key, the title above
    the text, checked catalog fields); type and language are left to ingest.
    Rows whose text repeats another's are left out (every corpus file is
    unique, as ingest dedupes).
    """
    from search.ingest.records import prepare_records

    files = sorted(records_dir.glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(f"no bulk records (*.jsonl) in {records_dir}")
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    seen: set[str] = set()
    n = first_n
    for f in files:
        for rec in prepare_records(f, mapping={"publisher": "source_name_en"}, constants={"jurisdictions": "CN"}):
            if rec.body in seen:
                continue
            seen.add(rec.body)
            rel = Path("docs") / "records" / f.stem / rec.filename
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(rec.body, "utf-8")
            v = rec.values
            year = int(v["year"]) if v.get("year") else None
            meta = {"title": v.get("title") or rec.key, "authors": [], "publisher": v.get("publisher"), "year": year,
                    "date": v.get("date"), "jurisdictions": list(v.get("jurisdictions") or []), "type": None,
                    "topics": [], "language": "zh"}
            entry: dict[str, Any] = {"path": rel.as_posix()}
            entry.update({k: v[k] for k in ("title", "publisher", "year", "date", "jurisdictions", "url") if v.get(k)})
            doc = {"n": n, "path": str(rel), "kind": "record", "source": f.stem,
                   "planned_pages": max(1, -(-len(rec.body) // 3000)), "meta": meta, "catalog": "full"}
            out.append((doc, entry))
            n += 1
    return out


def edited_catalog(corpus: Corpus, fraction: float = 0.10, seed: int = 0) -> tuple[Path, int]:
    """A copy of the catalog with the publisher of ``fraction`` of the documents changed.

    Written beside the original as ``catalog-edited.yaml``; returns its path
    and how many entries changed.
    """
    data = yaml.safe_load(corpus.catalog.read_text("utf-8"))
    entries = data["documents"]
    rng = random.Random(f"etslib-bench-edit:{seed}")
    full = [e for e in entries if "publisher" in e]
    chosen = rng.sample(full, max(1, round(fraction * len(entries)))) if full else []
    for e in chosen:
        e["publisher"] = f"{e['publisher']} (revised)"
    out = corpus.root / "catalog-edited.yaml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), "utf-8")
    return out, len(chosen)
