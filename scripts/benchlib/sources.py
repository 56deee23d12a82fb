"""The real texts the scale corpus is made of, read from the shared corpus.

Each source becomes a stream of paragraphs ``(style, text)`` (style
``head`` or ``body``) grouped in records (one per file or table row), so a
generated document can take runs of consecutive real paragraphs. Files are
read in sorted order: the streams are the same on every machine.
"""

from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

Para = tuple[str, str]

_FENCE = re.compile(r"^\s*(```|~~~)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_FOOTNOTE = re.compile(r"\(\^\s*\d+\s*\)")
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\u00a0]+")
_HEAD_LIKE = re.compile(r"^(?:(?:Article|Artikel|Annex|ANNEX|Anlage|Section|Chapter|CHAPTER|TITLE|Abschnitt|Teil|Part)\s+[\dIVXLC]+[a-z]?\b.{0,80}|§\s*\d+[a-z]?\b.{0,80})$")


@dataclass
class Record:
    """One source item: a file, an abstract or a table row."""

    source: str  # e.g. "eu", "de", "policy", "cran", "zh"
    name: str  # file name or dataset name
    title: str
    paras: list[Para]
    date: str | None = None
    authors: list[str] = field(default_factory=list)

    @property
    def chars(self) -> int:
        return sum(len(t) for _, t in self.paras)


def clean_markdownish(text: str) -> tuple[str | None, list[Para]]:
    """Paragraphs of a markdown or plain-text law/policy file, and a title if it declares one."""
    title = None
    paras: list[Para] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            t = _SPACE.sub(" ", " ".join(buf)).strip()
            if len(t) >= 3:
                style = "head" if len(t) < 110 and (_HEAD_LIKE.match(t) or (t.isupper() and len(t) > 6)) else "body"
                paras.append((style, t))
            buf.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if _FENCE.match(line):
            continue
        if line.startswith("% "):
            if title is None:
                title = line[2:].strip()
            continue
        if not line or set(line) <= set("-=|:* _#"):
            flush()
            continue
        if line.startswith("#"):
            flush()
            h = line.lstrip("#").strip()
            if h:
                paras.append(("head", _SPACE.sub(" ", _LINK.sub(r"\1", h))))
                if title is None:
                    title = h
            continue
        line = _IMAGE.sub("", line)
        line = _LINK.sub(r"\1", line)
        line = _URL.sub("", line)
        line = _FOOTNOTE.sub("", line)
        line = line.replace("|", " ").replace("**", "").replace("__", "")
        line = re.sub(r"^\s*[*+-]\s+", "• ", line)
        if line.strip():
            buf.append(line.strip())
    flush()
    return title, paras


def _split_long(paras: list[Para], limit: int = 1400) -> list[Para]:
    """Cut very long paragraphs at sentence ends so pages fill evenly."""
    out: list[Para] = []
    for style, t in paras:
        while len(t) > limit:
            cut = t.rfind(". ", 0, limit)
            cut = cut + 1 if cut > limit // 3 else limit
            out.append((style, t[:cut].strip()))
            t = t[cut:].strip()
        if t:
            out.append((style, t))
    return out


def _text_files(folders: list[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if folder.is_dir():
            files += [p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".md")]
    return sorted(files)


def load_law_texts(shared: Path, source: str, folders: list[str]) -> list[Record]:
    """EU (English) or German legal texts, one record per file."""
    out = []
    for path in _text_files([shared / f for f in folders]):
        title, paras = clean_markdownish(path.read_text("utf-8", errors="replace"))
        paras = _split_long(paras)
        if sum(len(t) for _, t in paras) < 2000:
            continue
        if not title:
            title = next((t for s, t in paras if len(t) > 20), path.stem)
        out.append(Record(source, path.name, title[:160], paras))
    return out


def _strip_html(s: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAGS.sub(" ", s))).strip()


#: (file, title column, text columns, date column) of the policy tables.
POLICY_TABLES = [
    ("APEP_asia_pacific_energy_policies.csv", "Policy", ["Policy_Content"], "Year"),
    ("Columbia_climate_reregulation_tracker.csv", "Policy", ["Policy_Content"], "Year"),
    ("EEA_policies_and_measures.csv", "Name of policy or measure", ["Description", "Objective(s)", "General comment"], "Implementation period start"),
    ("ICAP_ETS.csv", "Policy", ["Policy_Content", "Allocation", "Cap", "Offsets credits"], "Year"),
    ("climate_policy_database_NewClimate.csv", "Policy name", ["Policy description"], "Date of decision"),
    ("lse_CCLW_climate_laws.csv", "Title", ["Description"], None),
]


def load_policy_rows(shared: Path) -> list[Record]:
    """Policy descriptions from the gccmpd tables (one record per row with text)."""
    csv.field_size_limit(1 << 30)
    out = []
    for name, title_col, text_cols, date_col in POLICY_TABLES:
        path = shared / "datasets" / "gccmpd" / name
        if not path.is_file():
            continue
        with open(path, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                texts = [_strip_html(row.get(c) or "") for c in text_cols]
                texts = [t for t in texts if len(t) > 60 and t.lower() not in ("na", "n/a")]
                if not texts:
                    continue
                title = _strip_html(row.get(title_col) or "")[:160] or "Policy"
                date = (row.get(date_col) or "").strip()[:4] if date_col else None
                paras = [("head", title)] + [("body", t) for t in texts]
                out.append(Record("policy", name, title, _split_long(paras), date if date and date.isdigit() else None))
    return out


def load_cranfield(shared: Path) -> list[Record]:
    """The 1,400 Cranfield abstracts (title, authors, text)."""
    path = shared / "datasets" / "ir-classic" / "cranfield" / "cran.all.1400"
    out = []
    for doc in parse_smart(path.read_text("utf-8", errors="replace")):
        body = _SPACE.sub(" ", doc.get("W", "").replace("\n", " ")).strip()
        title = _SPACE.sub(" ", doc.get("T", "").replace("\n", " ")).strip(" .")
        if not body:
            continue
        authors = [a.strip() for a in doc.get("A", "").replace("\n", " ").split(" and ") if a.strip()]
        out.append(Record("cran", doc["I"], title, [("head", title.capitalize()), ("body", body)], authors=authors))
    return out


def parse_smart(text: str) -> list[dict[str, str]]:
    """Records of a SMART-format file (``.I n`` then ``.T``/``.A``/``.B``/``.W`` fields)."""
    docs: list[dict[str, str]] = []
    cur: dict[str, str] | None = None
    fieldname = None
    for line in text.splitlines():
        if line.startswith(".I "):
            cur = {"I": line[3:].strip()}
            docs.append(cur)
            fieldname = None
        elif len(line) == 2 and line.startswith(".") and line[1].isalpha() and cur is not None:
            fieldname = line[1]
            cur.setdefault(fieldname, "")
        elif cur is not None and fieldname:
            cur[fieldname] += line + "\n"
    return docs


def load_chinese(shared: Path) -> list[Record]:
    """Chinese carbon-market notices (JSONL) and State Council documents."""
    out = []
    folder = shared / "datasets" / "cn-carbon-market"
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for line in path.read_text("utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            content = (rec.get("content") or "").strip()
            if len(content) < 80:
                continue
            paras = [("body", p.strip()) for p in re.split(r"\s{2,}|\n+", content) if p.strip()]
            out.append(Record("zh", path.stem, (rec.get("title") or "通知").strip()[:120], _split_long(paras, 900), (rec.get("publish_date") or "")[:10] or None))
    prc = shared / "datasets" / "gccmpd" / "GOV_PRC.csv"
    if prc.is_file():
        csv.field_size_limit(1 << 30)
        with open(prc, newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                content = (row.get("Policy_Content") or "").strip()
                if len(content) > 80:
                    out.append(Record("zh", "GOV_PRC", row.get("Policy", "")[:120], _split_long([("body", content)], 900), row.get("Year")))
    return out


#: Real PDF files copied (salted) into the corpus, with plausible catalog metadata.
REAL_PDFS: dict[str, dict] = {
    "real-ets/eu/CELEX_02003L0087-20180408_EN_TXT.pdf": {"jurisdictions": ["EU"], "type": "legislation", "year": 2018, "publisher": "Publications Office of the European Union", "topics": ["cap", "allocation", "auctioning"]},
    "real-ets/eu/CELEX_32023L0959_EN_TXT.pdf": {"jurisdictions": ["EU"], "type": "legislation", "year": 2023, "publisher": "Publications Office of the European Union", "topics": ["cap", "maritime", "market-stability"]},
    "real-ets/eu/EC_2024_carbon_market_report_en.pdf": {"jurisdictions": ["EU"], "type": "report", "year": 2024, "publisher": "European Commission", "topics": ["market-oversight", "auctioning"]},
    "real-ets/us-ca/NearZero_WCI-RULES_model_documentation.pdf": {"jurisdictions": ["US-CA", "CA-QC"], "type": "working paper", "year": 2019, "publisher": "Near Zero", "topics": ["linking", "offsets"]},
    "real-ets/us-ca/NearZero_WCI_model_documentation_v1.0_2018.pdf": {"jurisdictions": ["US-CA", "CA-QC"], "type": "working paper", "year": 2018, "publisher": "Near Zero", "topics": ["linking", "offsets"]},
    "real-ets/de/DIW_Weekly_Report_2024-43-44_Carbon_pricing_climate_dividend.pdf": {"jurisdictions": ["DE"], "type": "report", "year": 2024, "publisher": "DIW Berlin", "topics": ["revenue", "buildings-transport"]},
    "real-ets/ca-ab/Ojo_2025_Carbon_Pricing_Co-Abatement_Alberta_SGER_TIER_working_paper.pdf": {"jurisdictions": ["CA-AB"], "type": "working paper", "year": 2025, "publisher": "University of Calgary", "topics": ["industry"]},
    "real-ets/ca-ab/Ojo_2026_Carbon_Pricing_Co-Abatement_Alberta_slides.pdf": {"jurisdictions": ["CA-AB"], "type": "presentation", "year": 2026, "publisher": "University of Calgary", "topics": ["industry"]},
    "climate-policy/corporate/BHP_Climate_Change_Report_2020.pdf": {"jurisdictions": ["AU"], "type": "report", "year": 2020, "publisher": "BHP", "topics": ["industry"]},
    "climate-policy/corporate/BHP_Climate_Transition_Action_Plan_2021.pdf": {"jurisdictions": ["AU"], "type": "report", "year": 2021, "publisher": "BHP", "topics": ["industry"]},
    "climate-policy/corporate/CT_REIT_2022_ESG_Report.pdf": {"jurisdictions": ["CA"], "type": "report", "year": 2022, "publisher": "CT REIT", "topics": ["buildings-transport"]},
    "climate-policy/corporate/CostCo_Climate_Action_Plan.pdf": {"jurisdictions": ["US"], "type": "report", "year": 2022, "publisher": "Costco", "topics": []},
    "climate-policy/corporate/Rio_Tinto_Climate_Change_Report_2023.pdf": {"jurisdictions": ["AU", "UK"], "type": "report", "year": 2023, "publisher": "Rio Tinto", "topics": ["industry"]},
    "climate-policy/de/DIW_Weekly_Report_2024-27_Household_GHG_transport.pdf": {"jurisdictions": ["DE"], "type": "report", "year": 2024, "publisher": "DIW Berlin", "topics": ["buildings-transport"]},
    "hostile-pdfs/control/pdfjs__TAMReview.pdf": {"jurisdictions": [], "type": "other", "year": 2009, "publisher": None, "topics": []},
    "hostile-pdfs/control/pdfjs__tracemonkey.pdf": {"jurisdictions": [], "type": "working paper", "year": 2009, "publisher": None, "topics": []},
}


def pdf_page_count(path: Path) -> int:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(path))
    try:
        return len(doc)
    finally:
        doc.close()


@dataclass
class Sources:
    eu: list[Record]
    de: list[Record]
    policy: list[Record]
    cran: list[Record]
    zh: list[Record]
    real_pdfs: list[tuple[Path, int, dict]]  # (path, pages, metadata)

    def by_name(self, source: str) -> list[Record]:
        return getattr(self, source)

    def summary(self) -> dict[str, dict[str, int]]:
        out = {}
        for s in ("eu", "de", "policy", "cran", "zh"):
            recs = self.by_name(s)
            out[s] = {"records": len(recs), "chars": sum(r.chars for r in recs)}
        out["real_pdfs"] = {"files": len(self.real_pdfs), "pages": sum(p for _, p, _ in self.real_pdfs)}
        return out


def load_sources(shared: Path) -> Sources:
    """Every source; raises FileNotFoundError when the shared corpus is missing."""
    if not (shared / "MANIFEST.tsv").is_file():
        raise FileNotFoundError(f"the shared corpus is not at {shared} (set ETSLIB_SHARED_CORPUS)")
    eu = load_law_texts(shared, "eu", ["real-ets/eu-text", "climate-policy/eu-text", "climate-policy/eu-md", "real-ets/news"])
    de = load_law_texts(shared, "de", ["more-ets/de-law"])
    real = []
    for rel, meta in REAL_PDFS.items():
        p = shared / rel
        if p.is_file():
            real.append((p, pdf_page_count(p), meta))
    return Sources(eu, de, load_policy_rows(shared), load_cranfield(shared), load_chinese(shared), real)
