"""The one way to read the hand-edited data files in ``search/data``.

Every reader parses through :func:`read_yaml` and reports a malformed file
with :class:`DataFileError`, whose message names the file and the entry, so
a staff member who broke a file by hand is told where. YAML is parsed with
libyaml's C parser when PyYAML has it: the pure-Python parser takes ~1 ms
per catalog entry, which dominated a re-ingest with nothing changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

#: The packaged data files (vocabularies, rules, stopwords).
DATA_DIR = Path(__file__).resolve().parent.parent / "data"

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataFileError(ValueError):
    """A hand-edited data file is malformed; the message names file and entry."""


def load_yaml(text: str) -> Any:
    """Parse YAML text with a safe loader (no Python objects)."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader


def read_yaml(path: Path) -> Any:
    """Parse a YAML data file, turning every failure into a DataFileError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise DataFileError(f"{path}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise DataFileError(f"{path}: not UTF-8 text: {e}") from e
    try:
        return load_yaml(text)
    except yaml.YAMLError as e:
        raise DataFileError(f"{path}: not valid YAML: {e}") from e


def numeric_settings(path: Path, data: dict[str, Any], key: str, defaults: dict[str, float]) -> dict[str, float]:
    """A mapping of named non-negative numbers under ``key``, over ``defaults``."""
    out = dict(defaults)
    given = data.get(key) or {}
    if not isinstance(given, dict):
        raise DataFileError(f"{path}: '{key}' must be a mapping")
    for k, v in given.items():
        if k not in defaults:
            raise DataFileError(f"{path}: {key}: unknown setting {k!r} (known: {', '.join(defaults)})")
        if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
            raise DataFileError(f"{path}: {key}: {k} must be a non-negative number")
        out[k] = float(v)
    return out


def entry_error(path: Path, index: int, entry: Any, problem: str) -> DataFileError:
    """An error naming the file, the entry's position and, if it has one, its id."""
    eid = entry.get("id") if isinstance(entry, dict) else None
    where = f"entry {index + 1}" + (f" (id {eid!r})" if eid is not None else "")
    return DataFileError(f"{path}: {where}: {problem}")


def require_mapping(path: Path, data: Any, key: str) -> list[Any]:
    """The top-level list ``key`` of a data file, or a clear error."""
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise DataFileError(f"{path}: expected a non-empty list under '{key}:'")
    return items
