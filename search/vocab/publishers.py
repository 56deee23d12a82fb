"""Publishers named by a document's first page: the rules of ``data/publishers.yaml``."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ..text.datafile import DATA_DIR, DataFileError, read_yaml

DEFAULT_PATH = DATA_DIR / "publishers.yaml"


@dataclass(frozen=True)
class PublisherRule:
    pattern: re.Pattern[str]
    publisher: str


def parse(path: Path) -> tuple[PublisherRule, ...]:
    """Load and check a publishers file (a list of ``{pattern, publisher, case}``)."""
    data = read_yaml(path) or []
    if not isinstance(data, list):
        raise DataFileError(f"{path}: expected a list of rules, found {type(data).__name__}")
    rules = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), str) or not isinstance(item.get("publisher"), str):
            raise DataFileError(f"{path}: entry {i}: expected {{pattern: ..., publisher: ...}}, found {item!r}")
        unknown = set(item) - {"pattern", "publisher", "case"}
        if unknown:
            raise DataFileError(f"{path}: entry {i}: unknown key(s) {sorted(unknown)} (allowed: pattern, publisher, case)")
        try:
            rx = re.compile(item["pattern"], 0 if item.get("case") else re.IGNORECASE)
        except re.error as e:
            raise DataFileError(f"{path}: entry {i}: pattern {item['pattern']!r} is not a valid regular expression: {e}") from None
        rules.append(PublisherRule(rx, item["publisher"].strip()))
    return tuple(rules)


@functools.lru_cache(maxsize=None)
def rules() -> tuple[PublisherRule, ...]:
    """The packaged rules (cached)."""
    return parse(DEFAULT_PATH)


def publisher_in(text: str) -> str | None:
    """The publisher of the first rule that matches ``text``, or None."""
    for rule in rules():
        if rule.pattern.search(text):
            return rule.publisher
    return None
