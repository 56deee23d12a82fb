"""``etslib import records FILE.jsonl|.csv``: documents whose text comes
with the record (a title, a date, a URL, the body text, metadata columns).

Each record becomes a UTF-8 text file named by its key (the ``key``
column: an id, else the URL) in the import folder, and its metadata goes
to the staff catalog (:mod:`.staffcatalog`) with the file's path, so any
ingest of this index applies it. A file is written only when its text
changed, so importing the same file again changes nothing, and a record
whose text or metadata changed is updated in place, never duplicated.
Then the folder is ingested like any other.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..extract import parse_date
from ..index import IndexRoot
from .catalog import ALLOWED, CatalogError
from .catalogio import check_values
from .staffcatalog import EDITABLE, replace_many

#: Record fields besides the catalog's: where a record's text and key are.
RECORD_FIELDS = ("key", "text", *EDITABLE)
#: Columns tried, in order, for a field the mapping does not name.
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "key": ("doc_id", "id", "key", "identifier", "url"),
    "text": ("content", "text", "body", "fulltext", "full_text"),
    "title": ("title", "name"),
    "date": ("publish_date", "date", "published", "pubdate", "issued"),
    "url": ("url", "link", "source_url"),
    "publisher": ("publisher", "issuer"),
    "authors": ("authors", "author", "creator"),
    "language": ("language", "lang"),
    "description": ("description", "summary", "abstract"),
    "keywords": ("keywords", "tags"),
    "topics": ("topics",),
    "jurisdictions": ("jurisdictions", "jurisdiction", "country"),
    "type": ("type", "doctype"),
    "year": ("year",),
}


class RecordsError(Exception):
    """A records file or mapping that cannot be used at all."""


@dataclass
class RecordsResult:
    rows: int = 0
    written: int = 0  # files new or with changed text
    unchanged: int = 0  # files whose text was already there
    metadata_added: int = 0
    metadata_changed: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    repeated: list[tuple[int, str]] = field(default_factory=list)  # (line, what was done) for keys seen before
    folder: str = ""
    mapping: dict[str, str] = field(default_factory=dict)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) of a JSON-lines or CSV file."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with open(path, encoding="utf-8-sig") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except ValueError as e:
                    yield n, {"__error__": f"not JSON: {e.msg}"}
                    continue
                yield n, row if isinstance(row, dict) else {"__error__": "not a JSON object"}
    elif suffix in (".csv", ".tsv"):
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t" if suffix == ".tsv" else ",")
            for row in reader:
                yield reader.line_num, row
    else:
        raise RecordsError(f"{path.name}: records must be .jsonl or .csv")


def resolve_mapping(columns: list[str], explicit: dict[str, str]) -> dict[str, str]:
    """field -> column: the explicit ``--map`` entries, then the usual names."""
    bad = [f for f in explicit if f not in RECORD_FIELDS]
    if bad:
        raise RecordsError(f"unknown field(s) in the mapping: {', '.join(bad)} (fields: {', '.join(RECORD_FIELDS)})")
    missing = [c for c in explicit.values() if c not in columns]
    if missing:
        raise RecordsError(f"no column {', '.join(map(repr, missing))} in the file (columns: {', '.join(columns)})")
    out = dict(explicit)
    used = set(out.values())
    for f, candidates in DEFAULT_COLUMNS.items():
        if f in out:
            continue
        col = next((c for c in candidates if c in columns and (c not in used or f == "key")), None)
        if col:
            out[f] = col
            used.add(col)
    if "text" not in out:
        raise RecordsError(f"no column with the text: map one with --map text=COLUMN (columns: {', '.join(columns)})")
    return out


def _slug(key: str) -> str:
    ascii_key = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_key).strip("-")[-60:].strip("-").lower()
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]
    return f"{slug}-{digest}" if slug else digest


def _text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value if v not in (None, ""))
    return str(value).strip()


def _write_if_changed(path: Path, text: str) -> bool:
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


@dataclass
class Record:
    """One record as the import writes it: its key, its file's text (the
    title above the body) and its checked catalog fields."""

    key: str
    line: int
    body: str
    values: dict[str, Any]

    @property
    def filename(self) -> str:
        return f"{_slug(self.key)}.txt"


def prepare_records(
    source: Path,
    *,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    result: RecordsResult | None = None,
) -> list[Record]:
    """The records of ``source`` as they would be imported, in file order:
    one per key, each checked and cleaned. Rows left out are counted in
    ``result`` (rejected with their reason, repeated keys)."""
    result = result if result is not None else RecordsResult()
    constants = dict(constants or {})
    bad = [f for f in constants if f not in EDITABLE]
    if bad:
        raise RecordsError(f"--set takes catalog fields, not {', '.join(bad)}")
    fmap: dict[str, str] | None = None
    # A key seen twice in one file (a site scraped twice) is one record: the
    # row with more text is kept (a re-scrape that got only a placeholder
    # must not replace the full text), and the other is reported.
    chosen: dict[str, tuple[int, dict[str, Any]]] = {}
    order: list[str] = []
    for line, row in read_rows(Path(source)):
        result.rows += 1
        if "__error__" in row:
            result.rejected.append((line, row["__error__"]))
            continue
        if fmap is None:
            fmap = resolve_mapping(list(row.keys()), mapping or {})
            result.mapping = fmap
        key = _text_of(row.get(fmap["key"])) if "key" in fmap else ""
        if not key:
            result.rejected.append((line, f"no key (column {fmap.get('key', 'key')!r} is empty)"))
            continue
        if key in chosen:
            first_line, first = chosen[key]
            if len(_text_of(row.get(fmap["text"]))) > len(_text_of(first.get(fmap["text"]))):
                chosen[key] = (line, row)
                result.repeated.append((first_line, f"the same key as line {line}, which has more text: line {line} kept"))
            else:
                result.repeated.append((line, f"the same key as line {first_line}, which has as much text or more: line {first_line} kept"))
            continue
        chosen[key] = (line, row)
        order.append(key)
    out: list[Record] = []
    for key in order:
        line, row = chosen[key]
        assert fmap is not None
        get = lambda f: _text_of(row.get(fmap[f])) if f in fmap else ""  # noqa: E731
        text = get("text")
        if not text:
            result.rejected.append((line, "no text"))
            continue
        values: dict[str, Any] = {}
        for f in EDITABLE:
            v = get(f)
            if v:
                values[f] = v
        for k, v in constants.items():  # --set fills what the record leaves empty
            values.setdefault(k, v)
        if "date" in values:
            iso = parse_date(values["date"], allow_year=True)
            if iso is None:
                result.rejected.append((line, f"date {values['date']!r} is not a date"))
                continue
            values["date"] = iso
            values.setdefault("year", iso[:4])
        if "url" in values and "url" not in ALLOWED:
            url = values.pop("url")
            text = f"{text}\n\nSource: {url}"
        try:
            cleaned = check_values(values, f"line {line}")
        except CatalogError as e:
            result.rejected.append((line, str(e).split(": ", 1)[-1]))
            continue
        title = cleaned.get("title", "")
        body = f"{title}\n\n{text}\n" if title and not text.startswith(title) else f"{text}\n"
        out.append(Record(key=key, line=line, body=body, values=cleaned))
    return out


def import_records(
    root: IndexRoot,
    source: Path,
    folder: Path,
    *,
    mapping: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    who: str,
) -> RecordsResult:
    """Write ``source``'s records as files in ``folder`` and their metadata
    to the staff catalog (ingest the folder afterwards)."""
    source = Path(source)
    folder = Path(folder).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    result = RecordsResult(folder=str(folder))
    records = prepare_records(source, mapping=mapping, constants=constants, result=result)
    entries: dict[str, dict[str, Any]] = {}
    for rec in records:
        path = folder / rec.filename
        if _write_if_changed(path, rec.body):
            result.written += 1
        else:
            result.unchanged += 1
        entries[str(path)] = rec.values
    result.metadata_added, result.metadata_changed = replace_many(root, entries, who=who, origin=f"import:{source.name}")
    result.rejected.sort()
    result.repeated.sort()
    return result


def parse_pairs(pairs: tuple[str, ...] | list[str], what: str) -> dict[str, str]:
    """``field=value`` options as a dict (raises RecordsError)."""
    out = {}
    for p in pairs:
        k, sep, v = p.partition("=")
        if not sep or not k.strip():
            raise RecordsError(f"{what} takes FIELD=VALUE, not {p!r}")
        out[k.strip().lower()] = v.strip()
    return out


__all__ = ["import_records", "prepare_records", "Record", "RecordsError", "RecordsResult", "parse_pairs", "resolve_mapping"]
