"""``etslib catalog export|import``: every record's metadata as CSV, for
bulk correction in a spreadsheet, and back.

The export has one row per document: its ``id`` (the key an import
matches on), its file name, and every field staff may set (lists joined
with ``;``). An import compares each row with the record as indexed and
writes only what changed into the staff catalog, so a spreadsheet
round-trip with a few corrections changes a few values. Rows that cannot
be applied (an unknown id, a year that is not a number, an unknown type,
language or jurisdiction) are rejected with their line numbers; the good
rows are applied.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..index import IndexRoot, indexed_infos
from ..model import DOC_TYPES
from .catalog import CatalogError
from .staffcatalog import EDITABLE, LIST_FIELDS, changed_fields, load, update, validate

COLUMNS = ("id", "file", *EDITABLE)
_LANG_RE = re.compile(r"^[a-z]{2,3}$")


def indexed(root: IndexRoot) -> list[dict[str, Any]]:
    return indexed_infos(root.open())


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def export_csv(root: IndexRoot, out: TextIO) -> int:
    """Write every record as a CSV row; returns how many."""
    infos = sorted(indexed(root), key=lambda i: i["id"])
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for info in infos:
        w.writerow([info["id"], info.get("path", "").rsplit("/", 1)[-1], *(_cell(info.get(f)) for f in EDITABLE)])
    return len(infos)


@dataclass
class Change:
    line: int
    doc_id: str
    field: str
    old: str
    new: str


@dataclass
class ImportResult:
    rows: int = 0
    changes: list[Change] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    unchanged: int = 0

    @property
    def records_changed(self) -> int:
        return len({c.doc_id for c in self.changes})


def check_values(values: dict[str, Any], where: str) -> dict[str, Any]:
    """Catalog checks plus the ones an import should not let through
    silently: a known type, a language code, known jurisdictions."""
    from ..vocab import jurisdictions

    cleaned = validate(values, where)
    raw_lang = str(values.get("language") or "").strip()
    if raw_lang and "language" not in cleaned:  # left out by the catalog's rule (detected instead): say so
        raise CatalogError(f"{where}: language must be a code such as en, de or zh, not {raw_lang[:40]!r}")
    if "type" in cleaned and cleaned["type"] not in DOC_TYPES:
        raise CatalogError(f"{where}: unknown type {cleaned['type']!r} (one of {', '.join(DOC_TYPES)})")
    if "language" in cleaned and not _LANG_RE.match(cleaned["language"]):
        raise CatalogError(f"{where}: language must be a code such as en, de or zh, not {cleaned['language']!r}")
    if "jurisdictions" in cleaned:
        registry = jurisdictions.load()
        unknown = [j for j in cleaned["jurisdictions"] if registry.resolve(j) is None]
        if unknown:
            raise CatalogError(f"{where}: unknown jurisdiction {', '.join(map(repr, unknown))}")
    if "year" in cleaned and not 1800 <= cleaned["year"] <= 2100:
        raise CatalogError(f"{where}: year {cleaned['year']} is out of range")
    return cleaned


def import_csv(root: IndexRoot, text: str, *, who: str, source: str = "csv", dry_run: bool = False) -> ImportResult:
    """Apply a corrected export (the CSV's text) to the staff catalog."""
    result = ImportResult()
    infos = {i["id"]: i for i in indexed(root)}
    staff = load(root)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "id" not in header:
        result.rejected.append((1, "the header row has no 'id' column"))
        return result
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        result.rejected.append((1, f"unknown columns: {', '.join(unknown)} (allowed: {', '.join(COLUMNS)})"))
        return result
    reader.fieldnames = header
    pending: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for row in reader:
        line = reader.line_num
        result.rows += 1
        doc_id = (row.get("id") or "").strip()
        info = infos.get(doc_id)
        if info is None:
            result.rejected.append((line, f"no record with id {doc_id!r}" if doc_id else "the id is empty"))
            continue
        if None in row:
            result.rejected.append((line, "more cells than columns"))
            continue
        submitted = {k: (v or "").strip() for k, v in row.items() if k in EDITABLE}
        entry = staff.get(info["path"])
        current = {**info, **(entry.fields if entry else {})}
        changed = changed_fields(submitted, current)
        if not changed:
            result.unchanged += 1
            continue
        try:
            check_values(changed, f"line {line}")
        except CatalogError as e:
            result.rejected.append((line, str(e).split(": ", 1)[-1]))
            continue
        pending.append((line, info, changed))
    for line, info, changed in pending:
        for k, v in changed.items():
            old = info.get(k)
            result.changes.append(Change(line, info["id"], k, _cell(old), v))
        if not dry_run:
            update(root, info["path"], changed, who=who, origin=f"import:{source}")
    return result


__all__ = ["COLUMNS", "ImportResult", "export_csv", "import_csv", "check_values", "LIST_FIELDS"]
