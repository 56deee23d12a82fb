"""The staff catalog: metadata that wins over anything derived.

A catalog is a YAML or CSV file. YAML::

    documents:
      - path: eu/CELEX_32023L0959_EN_TXT.pdf   # relative to the catalog file
        title: Directive (EU) 2023/959
        year: 2023
        jurisdictions: [EU]
        type: legislation
      - sha256: 3f2a…                            # or keyed by content hash
        publisher: European Commission

CSV has a header row with the same field names; list fields (authors,
jurisdictions, topics) separate values with ``;``. An entry may give any
subset of the fields in :data:`search.model.METADATA_FIELDS`.

Files named ``catalog.yaml``, ``catalog.yml`` or ``catalog.csv`` in a folder
given to ``etslib ingest`` are read automatically.

Every value is checked when the catalog is read (:func:`clean_entry`): its
type (a title is text, not a mapping), its range (a year between 1000 and
2999) and its form (a date, an id that can stand in a URL). A row with a bad
value is left out and reported with its file and line, and the ingest goes
on; unknown jurisdictions, languages and types are reported too. A catalog
that cannot be read as a whole (not YAML, not a list, thousands of YAML
aliases: a "billion laughs") stops the ingest with :class:`CatalogError`.
Parsed catalogs are cached as JSON with a checksum, never as a pickle (a
crafted pickle in the index folder ran code at the next ingest).
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..model import DOC_TYPES, METADATA_FIELDS
from ..text.datafile import SafeLoader

CATALOG_NAMES = ("catalog.yaml", "catalog.yml", "catalog.csv")
LIST_FIELDS = {"authors", "jurisdictions", "topics", "keywords", "not_same_as"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_SHA_RE = re.compile(r"^[0-9a-fA-F]{64}$")
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
ALLOWED = set(METADATA_FIELDS) | {"keywords", "description", "path", "sha256"}
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")
_URL_RE = re.compile(r"^https?://\S+$")

#: Years a catalog may give (as the search page's year range accepts).
YEAR_MIN, YEAR_MAX = 1000, 2999
#: Longest text value, longest list and longest list item.
MAX_TEXT = {"description": 20_000, "title": 2_000}
MAX_TEXT_DEFAULT = 1_000
MAX_ITEMS, MAX_ITEM = 200, 500
#: A catalog larger than this, or with more YAML aliases, is refused whole.
MAX_CATALOG_BYTES = 64 << 20
MAX_EXPANDED = 2_000_000
#: Version of the cached form (a change ignores older cache files).
CACHE_FORMAT = 2


class CatalogError(Exception):
    """A catalog file that cannot be used, with file and entry in the message."""


class RowProblem(ValueError):
    """A catalog row that is left out; the message says why."""


def _text(k: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, _dt.date)):
        raise RowProblem(f"{k} must be text, not {_kind(value)}")
    text = value.isoformat() if isinstance(value, _dt.date) else str(value)
    text = text.strip()
    limit = MAX_TEXT.get(k, MAX_TEXT_DEFAULT)
    if len(text) > limit:
        raise RowProblem(f"{k} is {len(text):,} characters long (at most {limit:,})")
    return text


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false"}.get(type(value), type(value).__name__)


def _list(k: str, value: Any) -> list[str]:
    if isinstance(value, str):
        items: list[Any] = [v.strip() for v in value.split(";") if v.strip()]
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    if len(items) > MAX_ITEMS:
        raise RowProblem(f"{k} has {len(items):,} values (at most {MAX_ITEMS})")
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise RowProblem(f"{k} must be a list of text values, not contain {_kind(v)}")
        v = str(v).strip()
        if len(v) > MAX_ITEM:
            raise RowProblem(f"a value of {k} is {len(v):,} characters long (at most {MAX_ITEM})")
        if v:
            out.append(v)
    return out


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise RowProblem(f"year must be a number, not {_kind(value)}")
    try:
        year = int(str(value).strip())
    except ValueError:
        raise RowProblem(f"year must be a number, not {str(value)[:40]!r}") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise RowProblem(f"year {year} is out of range ({YEAR_MIN}–{YEAR_MAX})")
    return year


def _date(value: str) -> str:
    m = _DATE_RE.match(value)
    if not m:
        raise RowProblem(f"date {value[:40]!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    y, mo, d = (int(g) if g else None for g in m.groups())
    if not YEAR_MIN <= y <= YEAR_MAX:
        raise RowProblem(f"date {value!r} is out of range ({YEAR_MIN}–{YEAR_MAX})")
    try:
        _dt.date(y, mo or 1, d or 1)
    except ValueError:
        raise RowProblem(f"date {value!r} is not a day of the calendar") from None
    return value


def clean_entry(raw: dict[Any, Any], warnings: list[str] | None = None) -> dict[str, Any]:
    """One catalog row checked and normalised; raises :class:`RowProblem`.

    Values that are kept but look wrong (an unknown jurisdiction, language
    or type) are described in ``warnings``.
    """
    warnings = [] if warnings is None else warnings
    out: dict[str, Any] = {}
    for key, value in raw.items():
        k = str(key).strip().lower()
        if k not in ALLOWED:
            raise RowProblem(f"unknown field {str(key)[:40]!r} (allowed: {', '.join(sorted(ALLOWED))})")
        if value is None or value == "":
            continue
        if k in LIST_FIELDS:
            value = _list(k, value)
            if not value:
                continue
        elif k == "year":
            value = _year(value)
        elif k == "identifiers":
            value = _identifiers(value)
        else:
            value = _text(k, value)
            if not value:
                continue
        out[k] = value
    if "id" in out and not _ID_RE.match(out["id"]):
        raise RowProblem(f"id {out['id'][:60]!r} may use only letters, digits, '.', '_' and '-' (it is part of a URL)")
    if "sha256" in out and not _SHA_RE.match(out["sha256"]):
        raise RowProblem(f"sha256 {out['sha256'][:70]!r} is not 64 hexadecimal digits")
    if "date" in out:
        out["date"] = _date(out["date"])
    if "url" in out and not _URL_RE.match(out["url"]):
        raise RowProblem(f"url must be a web address starting with http:// or https://, not {out['url'][:80]!r}")
    _check_family_fields(out)
    if "path" not in out and "sha256" not in out:
        raise RowProblem("an entry needs a 'path' or a 'sha256'")
    _check_vocabularies(out, warnings)
    return out


def _identifiers(value: Any) -> dict[str, str]:
    """Identifiers as ``{scheme: value}``: a YAML mapping, or in CSV
    ``celex=32023L0959; doi=10.2775/790913``."""
    if isinstance(value, str):
        pairs = [p.split("=", 1) for p in value.split(";") if p.strip()]
        if not all(len(p) == 2 for p in pairs):
            raise RowProblem(f"identifiers must be 'scheme=value' pairs separated by ';', not {value[:80]!r}")
        value = {a.strip(): b for a, b in pairs}
    if not isinstance(value, dict) or not value:
        raise RowProblem("identifiers must map a scheme (celex, eli, doi, isbn, ...) to a value")
    if len(value) > MAX_ITEMS:
        raise RowProblem(f"identifiers has {len(value):,} values (at most {MAX_ITEMS})")
    out: dict[str, str] = {}
    for scheme, v in value.items():
        scheme = str(scheme).strip().lower()
        if not _SCHEME_RE.match(scheme):
            raise RowProblem(f"identifiers: {scheme[:40]!r} is not a scheme name (letters, digits, '-', '_')")
        if v is None or isinstance(v, (dict, list, bool)) or not str(v).strip():
            raise RowProblem(f"identifiers: {scheme} must have a single non-empty value")
        if len(str(v)) > MAX_ITEM:
            raise RowProblem(f"identifiers: {scheme} is {len(str(v)):,} characters long (at most {MAX_ITEM})")
        out[scheme] = str(v).strip()
    return out


def _check_family_fields(entry: dict[str, Any]) -> None:
    """``family`` names a family; ``version_of`` and ``not_same_as`` name
    documents by id: all are ids (letters, digits, '.', '_', '-'), and a
    document is neither a version of nor apart from itself."""
    names = [("family", entry["family"])] if "family" in entry else []
    names += [("version_of", entry["version_of"])] if "version_of" in entry else []
    names += [("not_same_as", v) for v in entry.get("not_same_as", [])]
    for key, value in names:
        if not _ID_RE.match(value):
            raise RowProblem(f"{key} {value[:60]!r} is not a document or family id (letters, digits, '.', '_' and '-')")
    own = entry.get("id")
    if own and (entry.get("version_of") == own or own in entry.get("not_same_as", [])):
        raise RowProblem(f"a document cannot be a version of, or kept apart from, itself ({own!r})")
    if "version_of" in entry and entry["version_of"] in entry.get("not_same_as", []):
        raise RowProblem(f"{entry['version_of']!r} is both version_of and not_same_as")


def check_entry(raw: dict[Any, Any], where: str) -> dict[str, Any]:
    """:func:`clean_entry` for one entry given alone (a staff edit, an
    import): a problem raises :class:`CatalogError` naming ``where``."""
    try:
        return clean_entry(raw)
    except RowProblem as e:
        raise CatalogError(f"{where}: {e}") from None


def _check_vocabularies(entry: dict[str, Any], warnings: list[str]) -> None:
    """Report values the vocabularies do not know; fix a language given by name."""
    from ..vocab import jurisdictions, languages

    if "jurisdictions" in entry:
        registry = jurisdictions.load()
        unknown = [j for j in entry["jurisdictions"] if registry.resolve(j) is None]
        if unknown:
            warnings.append(f"unknown jurisdiction{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} (kept as written)")
    if "language" in entry:
        lang = languages.code_of(entry["language"])
        if lang in languages.names():
            entry["language"] = lang
        elif _LANG_RE.match(lang):
            warnings.append(f"unknown language code {lang!r} (kept; name it in search/data/languages.yaml)")
            entry["language"] = lang
        else:
            warnings.append(f"language {entry['language'][:40]!r} is not a language code: left out (detected instead)")
            del entry["language"]
    if "type" in entry and entry["type"] not in DOC_TYPES:
        warnings.append(f"unknown type {entry['type'][:40]!r} (filed as 'other'; known: {', '.join(DOC_TYPES)})")


@dataclass
class Catalog:
    """Entries by absolute path and by sha256, and what was wrong with the rows left out."""

    by_path: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_hash: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    #: ``{"file", "line", "problem", "kept"}`` per row left out (``kept``
    #: false) or value reported (the row is kept).
    problems: list[dict[str, Any]] = field(default_factory=list)
    #: Where each entry was given: ("path", absolute path) or ("sha256", hash) → (file, line).
    origins: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)

    def lookup(self, path: str, sha256: str | None) -> dict[str, Any]:
        """The entry for a file (path entries win over hash entries)."""
        merged: dict[str, Any] = {}
        if sha256 and sha256 in self.by_hash:
            merged.update(self.by_hash[sha256])
        if path in self.by_path:
            merged.update(self.by_path[path])
        merged.pop("path", None)
        merged.pop("sha256", None)
        return merged

    def add_file(self, path: str | Path, cache_dir: Path | None = None) -> None:
        path = Path(path).resolve()
        base = str(path.parent)
        rows = _read_cached(path, cache_dir) if cache_dir is not None else _read_packed(path)[0]
        ids: dict[str, int] = {}

        def problem(line: int, text: str, kept: bool = False) -> None:
            self.problems.append({"file": str(path), "line": line, "problem": text, "kept": kept})

        for line, raw in rows:
            if isinstance(raw, _Unreadable):
                problem(line, f"cannot be read: {raw.reason}: row left out")
                continue
            if not isinstance(raw, dict):
                problem(line, f"expected a mapping of field: value, not {_kind(raw)}: row left out")
                continue
            warnings: list[str] = []
            try:
                entry = clean_entry(raw, warnings)
            except RowProblem as e:
                problem(line, f"{e}: row left out")
                continue
            if "id" in entry:
                if entry["id"] in ids:
                    problem(line, f"id {entry['id']!r} is already given at line {ids[entry['id']]}: row left out")
                    continue
                ids[entry["id"]] = line
            for w in warnings:
                problem(line, w, kept=True)
            if "path" in entry:
                # normpath, not resolve(): a stat per path component cost
                # ~0.1 ms an entry, and ingest's walk does not resolve either.
                key = os.path.normpath(os.path.join(base, entry["path"]))
                self.by_path[key] = entry
                self.origins[("path", key)] = (str(path), line)
            if "sha256" in entry:
                self.by_hash[entry["sha256"].lower()] = entry
                self.origins[("sha256", entry["sha256"].lower())] = (str(path), line)
        self.files.append(str(path))


def _compose(text: str, path: Path) -> Any:
    """The YAML node tree, refused when its aliases would expand it far
    beyond the file ("billion laughs": ten lines of aliases that stand for
    a billion values) or make it refer to itself."""
    try:
        root = yaml.compose(text, Loader=SafeLoader)
    except yaml.YAMLError as e:
        raise CatalogError(f"{path}: not valid YAML: {' '.join(str(e).split())[:300]}") from None
    if root is not None:
        expanded = _expanded_size(root, path)
        if expanded > MAX_EXPANDED:
            raise CatalogError(
                f"{path}: its YAML aliases (*name) stand for {expanded:,} values, more than {MAX_EXPANDED:,}: refused"
            )
    return root


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for kv in node.value for x in kv]
    return []


def _expanded_size(root: Any, path: Path) -> int:
    """How many values the tree stands for with every alias written out
    (counted once per node, without expanding anything; capped)."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = min(MAX_EXPANDED + 1, 1 + sum(size[id(c)] for c in _children(node)))
            continue
        if key in size:
            continue
        if key in on_path:
            raise CatalogError(f"{path}: a YAML alias refers to a value that contains it: refused")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in size)
    return size[id(root)]


def _read(path: Path) -> list[tuple[int, Any]]:
    """The rows of a catalog file with their line numbers (raises CatalogError)."""
    try:
        size = path.stat().st_size
        if size > MAX_CATALOG_BYTES:
            raise CatalogError(f"{path}: {size:,} bytes, larger than a catalog may be ({MAX_CATALOG_BYTES:,})")
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except OSError as e:
        raise CatalogError(f"{path}: cannot read catalog: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise CatalogError(f"{path}: not UTF-8 text (byte {e.start})") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(text, path)
    root = _compose(text, path)
    if root is None:
        return []
    if isinstance(root, yaml.MappingNode):
        found = [v for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "documents"]
        if not found:
            return []
        root = found[0]
    if isinstance(root, yaml.ScalarNode) and root.value in ("", "~", "null"):
        return []
    if not isinstance(root, yaml.SequenceNode):
        raise CatalogError(f"{path}: expected a list under 'documents'")
    loader = SafeLoader("")
    rows: list[tuple[int, Any]] = []
    try:
        for node in root.value:
            line = node.start_mark.line + 1
            try:
                rows.append((line, loader.construct_object(node, deep=True)))
            except (yaml.YAMLError, ValueError, TypeError, OverflowError) as e:
                # A value YAML itself cannot build (2023-02-30 as a date).
                rows.append((line, _Unreadable(" ".join(str(e).split())[:200])))
    finally:
        loader.dispose()
    return rows


@dataclass
class _Unreadable:
    """A row YAML could not build; the reason is reported with its line."""

    reason: str


def _read_csv(text: str, path: Path) -> list[tuple[int, Any]]:
    rows = []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    line = 1  # the header
    try:
        for row in reader:
            extra = row.pop(None, None)
            rows.append((line + 1, row if not extra else {**row, "(extra columns)": extra}))
            line = reader.line_num
    except csv.Error as e:
        raise CatalogError(f"{path}: line {reader.line_num}: not valid CSV: {e}") from None
    return rows


def _plain(value: Any) -> str:
    """YAML dates as the text :func:`clean_entry` makes of them (anything
    else JSON cannot hold leaves the catalog uncached)."""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, _Unreadable):
        return {_UNREADABLE: value.reason}
    raise TypeError(type(value).__name__)


_UNREADABLE = "\u0000unreadable"  # no field name: a key no catalog can hold


def _unplain(raw: Any) -> Any:
    if isinstance(raw, dict) and len(raw) == 1 and _UNREADABLE in raw:
        return _Unreadable(str(raw[_UNREADABLE]))
    return raw


def _checksum(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def _read_packed(path: Path) -> tuple[list[tuple[int, Any]], list[list[Any]] | None]:
    """``_read``'s rows made again from their JSON text once the YAML node
    tree is gone, and that JSON's data (None when a value has no JSON form).

    The tree's small objects were allocated among the rows', so the rows
    alone kept the allocator's arenas: 250 MB of an ingest's memory, for as
    long as it ran, after parsing a catalog of 29,000 entries (8 MB). Made
    again from one string, they take 30 MB.
    """
    rows = _read(path)
    try:
        text = json.dumps([[line, raw] for line, raw in rows], default=_plain, ensure_ascii=False)
    except (TypeError, ValueError):
        return rows, None
    del rows  # the last reference to the tree's objects: their arenas go back
    plain = json.loads(text)
    return [(line, _unplain(raw)) for line, raw in plain], plain


def _read_cached(path: Path, cache_dir: Path) -> list[tuple[int, Any]]:
    """``_read`` through a cache keyed by the file's content hash: parsing a
    2,700-entry YAML catalog took half of a re-ingest in which nothing had
    changed. The cache holds data only (JSON with a checksum over it); a
    cache file that does not check out is ignored and written again, and its
    rows are checked like any others."""
    try:
        data = path.read_bytes() if path.stat().st_size <= MAX_CATALOG_BYTES else b""
    except OSError as e:
        raise CatalogError(f"{path}: cannot read catalog: {e.strerror or e}") from None
    digest = hashlib.sha256(data).hexdigest()
    cached = cache_dir / f"{digest}.json"
    try:
        saved = json.loads(cached.read_text("utf-8"))
        if (
            isinstance(saved, dict)
            and saved.get("format") == CACHE_FORMAT
            and saved.get("source") == digest
            and isinstance(saved.get("rows"), list)
            and saved.get("checksum") == _checksum(saved["rows"])
            and all(isinstance(r, list) and len(r) == 2 and isinstance(r[0], int) for r in saved["rows"])
        ):
            return [(line, _unplain(raw)) for line, raw in saved["rows"]]
    except (OSError, ValueError):
        pass
    rows, plain = _read_packed(path)
    if plain is None:
        return rows
    try:
        text = json.dumps({"format": CACHE_FORMAT, "source": digest, "rows": plain, "checksum": _checksum(plain)}, ensure_ascii=False)
    except (TypeError, ValueError):
        return rows
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{digest}.{os.getpid()}.tmp"
        tmp.write_text(text, "utf-8")
        os.replace(tmp, cached)
        # Keep the few most recent: one per catalog file in use. Pickles of
        # older versions go too.
        for stale in cache_dir.glob("*.pickle"):
            stale.unlink(missing_ok=True)
        old = sorted(cache_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[8:]:
            stale.unlink(missing_ok=True)
    except OSError:  # a read-only index folder: parse every time
        pass
    return rows


def load_catalog(paths: list[str | Path], extra: list[str | Path] = (), cache_dir: Path | None = None) -> Catalog:
    """Catalog files given explicitly plus those found in the ingest folders
    (parsed entries cached under ``cache_dir`` when given)."""
    cat = Catalog()
    seen: set[Path] = set()
    candidates = [Path(p) for p in extra]
    for p in paths:
        p = Path(p)
        if p.is_dir():
            candidates += [p / name for name in CATALOG_NAMES if (p / name).is_file()]
    for c in candidates:
        c = c.resolve()
        if c in seen:
            continue
        if not c.is_file():
            raise CatalogError(f"{c}: catalog file not found")
        seen.add(c)
        cat.add_file(c, cache_dir)
    return cat


def entry_hash(entry: dict[str, Any]) -> str:
    """A fingerprint of a catalog entry: a change means a metadata update."""
    return hashlib.sha1(json.dumps(entry, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
