"""Language names for the language facet: ``data/languages.yaml``."""

from __future__ import annotations

import functools
from pathlib import Path

from ..text.datafile import DATA_DIR, DataFileError, read_yaml

DEFAULT_PATH = DATA_DIR / "languages.yaml"


def parse(path: Path) -> dict[str, str]:
    """ISO 639-1 code → English name, checked."""
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping of language code: name, found {type(data).__name__}")
    out: dict[str, str] = {}
    for code, name in data.items():
        if not isinstance(code, str) or not isinstance(name, str) or not name.strip():
            raise DataFileError(f"{path}: {code!r}: expected a language code mapped to a name, found {name!r}")
        out[code] = name.strip()
    return out


@functools.lru_cache(maxsize=None)
def names() -> dict[str, str]:
    """The packaged language names (cached)."""
    return parse(DEFAULT_PATH)


def name_of(code: str) -> str:
    """The English name of a language code (the code itself when unknown)."""
    return names().get(code, code)


def code_of(text: str) -> str:
    """The code of a language typed as a code or an English name ("German" → "de")."""
    v = text.strip().lower()
    for code, name in names().items():
        if name.lower() == v:
            return code
    return v
