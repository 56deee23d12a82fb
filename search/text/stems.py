"""Stem exceptions: query words kept apart from the words Snowball merges
them with (``search/data/stem_exceptions.yaml``).

Snowball English stems "internal" and "international" alike ("intern"),
and "directive" like "direct". The index keeps its stems; at query time a
listed word is matched through the exact field by the forms of its own
group, in documents of that language (:mod:`search.query.evaluate`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .datafile import DATA_DIR, DataFileError, read_yaml
from .fold import fold

DEFAULT_PATH = DATA_DIR / "stem_exceptions.yaml"


def parse(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """``{lang: {folded form: its group's forms}}``, checked."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping of language codes to lists of groups")
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang, groups in data.items():
        if lang == "version":
            continue
        if not isinstance(lang, str) or not isinstance(groups, list):
            raise DataFileError(f"{path}: {lang!r}: expected a list of groups of word forms")
        table: dict[str, tuple[str, ...]] = {}
        for i, group in enumerate(groups):
            if not isinstance(group, list) or not group or not all(isinstance(w, str) and w.strip() for w in group):
                raise DataFileError(f"{path}: {lang}: group {i + 1}: expected a list of words, found {group!r}")
            forms = tuple(dict.fromkeys(fold(w.strip()) for w in group))
            for form in forms:
                if form in table:
                    raise DataFileError(f"{path}: {lang}: group {i + 1}: {form!r} is already in group {table[form]!r}")
                table[form] = forms
        out[lang] = table
    return out


@lru_cache(maxsize=None)
def _default() -> dict[str, dict[str, tuple[str, ...]]]:
    return parse(DEFAULT_PATH)


def exception_forms(word: str, lang: str) -> tuple[str, ...] | None:
    """The forms a query ``word`` matches in ``lang`` documents when it is
    listed as an exception, else None (stem it as usual)."""
    return _default().get(lang, {}).get(fold(word))
