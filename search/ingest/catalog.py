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
jurisdictions, topics, not_same_as) separate values with ``;``. An entry
may give any subset of the fields in :data:`search.model.METADATA_FIELDS`.

Document families (:mod:`.families`) take three of them: ``family: NAME``
(entries with the same name are one family; a name that is a document's id
joins that document's family), ``version_of: DOC_ID`` and ``not_same_as:
[DOC_ID, ...]``.

Files named ``catalog.yaml``, ``catalog.yml`` or ``catalog.csv`` in a folder
given to ``etslib ingest`` are read automatically.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..text.datafile import load_yaml

from ..model import METADATA_FIELDS

CATALOG_NAMES = ("catalog.yaml", "catalog.yml", "catalog.csv")
LIST_FIELDS = {"authors", "jurisdictions", "topics", "keywords", "not_same_as"}
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
ALLOWED = set(METADATA_FIELDS) | {"keywords", "path", "sha256"}
_SCHEME_RE = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")


class CatalogError(Exception):
    """A catalog file that cannot be used, with file and entry in the message."""


def _identifiers(value: Any, where: str) -> dict[str, str]:
    """Identifiers as ``{scheme: value}``: a YAML mapping, or in CSV
    ``celex=32023L0959; doi=10.2775/790913``."""
    if isinstance(value, str):
        pairs = [p.split("=", 1) for p in value.split(";") if p.strip()]
        if not all(len(p) == 2 for p in pairs):
            raise CatalogError(f"{where}: identifiers must be 'scheme=value' pairs separated by ';', not {value!r}")
        value = {a.strip(): b for a, b in pairs}
    if not isinstance(value, dict) or not value:
        raise CatalogError(f"{where}: identifiers must map a scheme (celex, eli, doi, isbn, ...) to a value")
    out: dict[str, str] = {}
    for scheme, v in value.items():
        scheme = str(scheme).strip().lower()
        if not _SCHEME_RE.match(scheme):
            raise CatalogError(f"{where}: identifiers: {scheme!r} is not a scheme name (letters, digits, '-', '_')")
        if v is None or isinstance(v, (dict, list)) or not str(v).strip():
            raise CatalogError(f"{where}: identifiers: {scheme} must have a single non-empty value")
        out[scheme] = str(v).strip()
    return out


def _clean_entry(raw: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        k = str(key).strip().lower()
        if k not in ALLOWED:
            raise CatalogError(f"{where}: unknown field {key!r} (allowed: {', '.join(sorted(ALLOWED))})")
        if value is None or value == "":
            continue
        if k in LIST_FIELDS:
            if isinstance(value, str):
                value = [v.strip() for v in value.split(";") if v.strip()]
            elif not isinstance(value, list):
                value = [value]
            value = [str(v) for v in value]
        elif k == "year":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise CatalogError(f"{where}: year must be a number, not {value!r}") from None
        elif k == "identifiers":
            value = _identifiers(value, where)
        elif k == "url":
            value = str(value).strip()
            if not re.match(r"^https?://\S+$", value):
                raise CatalogError(f"{where}: url must be a web address starting with http:// or https://, not {value!r}")
        else:
            value = str(value).strip()
        out[k] = value
    if "id" in out and not _ID_RE.match(out["id"]):
        raise CatalogError(f"{where}: id {out['id']!r} may use only letters, digits, '.', '_' and '-' (it is part of a URL)")
    _check_family_fields(out, where)
    if "path" not in out and "sha256" not in out:
        raise CatalogError(f"{where}: an entry needs a 'path' or a 'sha256'")
    return out


#: Public: staff edits and imports check their values as a catalog's.
clean_entry = _clean_entry


def _check_family_fields(entry: dict[str, Any], where: str) -> None:
    """``family`` names a family; ``version_of`` and ``not_same_as`` name
    documents by id: all are ids (letters, digits, '.', '_', '-'), and a
    document is neither a version of nor apart from itself."""
    names = [("family", entry["family"])] if "family" in entry else []
    names += [("version_of", entry["version_of"])] if "version_of" in entry else []
    names += [("not_same_as", v) for v in entry.get("not_same_as", [])]
    for key, value in names:
        if not _ID_RE.match(value):
            raise CatalogError(
                f"{where}: {key} {value!r} is not a document or family id (letters, digits, '.', '_' and '-')"
            )
    own = entry.get("id")
    if own and (entry.get("version_of") == own or own in entry.get("not_same_as", [])):
        raise CatalogError(f"{where}: a document cannot be a version of, or kept apart from, itself ({own!r})")
    if "version_of" in entry and entry["version_of"] in entry.get("not_same_as", []):
        raise CatalogError(f"{where}: {entry['version_of']!r} is both version_of and not_same_as")


@dataclass
class Catalog:
    """Entries by absolute path and by sha256."""

    by_path: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_hash: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

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
        try:
            entries = _read_cached(path, cache_dir) if cache_dir is not None else _read(path)
        except CatalogError:
            raise
        except (OSError, yaml.YAMLError, csv.Error, UnicodeDecodeError) as e:
            raise CatalogError(f"{path}: cannot read catalog: {str(e).splitlines()[0]}") from None
        for i, raw in enumerate(entries, 1):
            where = f"{path} entry {i}"
            if not isinstance(raw, dict):
                raise CatalogError(f"{where}: expected a mapping of field: value")
            entry = _clean_entry(raw, where)
            if "path" in entry:
                # normpath, not resolve(): a stat per path component cost
                # ~0.1 ms an entry, and ingest's walk does not resolve either.
                self.by_path[os.path.normpath(os.path.join(base, entry["path"]))] = entry
            if "sha256" in entry:
                self.by_hash[entry["sha256"].lower()] = entry
        self.files.append(str(path))


def _read(path: Path) -> list[Any]:
    if path.suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            return list(csv.DictReader(f))
    data = load_yaml(path.read_text("utf-8"))
    if data is None:
        return []
    if isinstance(data, dict):
        data = data.get("documents", [])
    if not isinstance(data, list):
        raise CatalogError(f"{path}: expected a list under 'documents'")
    return data


def _read_cached(path: Path, cache_dir: Path) -> list[Any]:
    """``_read`` through a cache of parsed entries keyed by the file's
    content hash: parsing a 2,700-entry YAML catalog took half of a
    re-ingest in which nothing had changed."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    cached = cache_dir / f"{digest}.pickle"
    try:
        with open(cached, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        pass
    entries = _read(path)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{digest}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            pickle.dump(entries, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
        # Keep the few most recent: one per catalog file in use.
        old = sorted(cache_dir.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[8:]:
            stale.unlink(missing_ok=True)
    except OSError:  # a read-only index folder: parse every time
        pass
    return entries


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
