"""Finding a document's title (and a byline) in its first lines.

The rules live in ``search/data/titles.yaml``: lines to skip (disclaimers,
document numbers), how a legal act's heading runs on over several lines,
where a title stops, and how an all-capitals heading is put in normal case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..text.datafile import DATA_DIR, DataFileError, read_yaml

DEFAULT_PATH = DATA_DIR / "titles.yaml"

_MARKERS_RE = re.compile(r"[►▼◄]\s*[A-Z]?\d*\s*")
# Markdown that survives in .txt files: heading marks, emphasis, code fences.
_MARKDOWN_RE = re.compile(r"^\s*(#{1,6}\s*|```\w*|>\s*|%\s*)|\*\*|__")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_SPACES_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class TitleRules:
    skip: tuple[re.Pattern[str], ...]
    strip: tuple[re.Pattern[str], ...]
    stop: tuple[re.Pattern[str], ...]
    byline: re.Pattern[str]
    act_start: re.Pattern[str]
    act_continue: re.Pattern[str]
    act_max_lines: int
    acronyms: frozenset[str]
    small_words: frozenset[str]


@lru_cache(maxsize=1)
def rules() -> TitleRules:
    """The packaged title rules, checked (a bad pattern names file and key)."""
    return parse(DEFAULT_PATH)


def parse(path: Path) -> TitleRules:
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")

    def rx(key: str, p: object) -> re.Pattern[str]:
        if not isinstance(p, str):
            raise DataFileError(f"{path}: {key}: {p!r} must be a regular expression in quotes")
        try:
            return re.compile(p, re.IGNORECASE)
        except re.error as e:
            raise DataFileError(f"{path}: {key}: bad pattern {p!r}: {e}") from None

    def patterns(key: str) -> tuple[re.Pattern[str], ...]:
        items = data.get(key) or []
        if not isinstance(items, list):
            raise DataFileError(f"{path}: '{key}' must be a list of patterns")
        return tuple(rx(key, p) for p in items)

    def words(key: str) -> list[str]:
        items = data.get(key) or []
        if not isinstance(items, list) or not all(isinstance(w, str) for w in items):
            raise DataFileError(f"{path}: '{key}' must be a list of words")
        return items

    acts = data.get("acts") or {}
    if not isinstance(acts, dict) or not isinstance(acts.get("max_lines", 6), int):
        raise DataFileError(f"{path}: 'acts' must be a mapping with start, continue and an integer max_lines")
    return TitleRules(
        skip=patterns("skip"),
        strip=patterns("strip"),
        stop=patterns("stop"),
        byline=rx("byline", data.get("byline", r"^by\s+(.+)$")),
        act_start=rx("acts.start", acts.get("start", r"^$^")),
        act_continue=rx("acts.continue", acts.get("continue", r"^$^")),
        act_max_lines=int(acts.get("max_lines", 6)),
        acronyms=frozenset(words("acronyms")),
        small_words=frozenset(w.lower() for w in words("small_words")),
    )


def is_boilerplate(line: str) -> bool:
    r = rules()
    return any(p.search(line) for p in r.skip)


def normal_case(title: str) -> str:
    """An ALL-CAPITALS heading in title case, acronyms and numbers kept."""
    letters = [c for c in title if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return title
    r = rules()
    out = []
    for i, word in enumerate(title.split(" ")):
        core = word.strip("()[],.;:")
        if core in r.acronyms or any(ch.isdigit() for ch in core) or (word.startswith("(") and len(core) <= 3):
            out.append(word)
        elif i > 0 and core.lower() in r.small_words:
            out.append(word.lower())
        else:
            out.append(word[:1] + word[1:].lower())
    return " ".join(out)


def _clean(line: str) -> str:
    line = _MARKDOWN_RE.sub("", _MARKERS_RE.sub("", line))
    line = _SPACES_RE.sub(" ", line).strip(" -–—:|`*")
    for p in rules().strip:
        line = p.sub("", line)
    return line.strip()


def find_title(pages: list[str]) -> tuple[str | None, list[str], bool]:
    """``(title, authors from a byline, is a legal act's heading)`` from a
    document's first page."""
    r = rules()
    lines = []
    for page in pages[:2]:
        lines += [_clean(l) for l in page.splitlines()]
        if len([l for l in lines if l]) > 40:
            break
    lines = [l for l in lines if l][:60]
    picked: list[str] = []
    authors: list[str] = []
    in_act = False
    for line in lines:
        if in_act and r.act_continue.search(line) and len(picked) < r.act_max_lines:
            picked.append(line)
            continue
        if any(p.search(line) for p in r.stop):
            if picked:
                break
            continue
        m = r.byline.match(line)
        if m:
            if picked:
                authors = [a.strip() for a in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s+und\s+|\s+et\s+", m.group(2)) if a.strip()]
                break
            continue
        if is_boilerplate(line) or len(line) < 3 or sum(c.isalpha() for c in line) < 0.5 * len(line):
            if picked and not in_act:
                break
            continue
        if not picked:
            picked.append(line)
            in_act = bool(r.act_start.search(line))
            continue
        if in_act:
            break
        # A plain heading runs on over short lines that read as one phrase;
        # a line in Chinese or Japanese is a whole title by itself.
        if (
            not _CJK_RE.search(picked[-1])
            and len(" ".join(picked)) < 90
            and len(picked) < 3
            and len(line) <= 70
            and not picked[-1].endswith((".", ":", "?", "!"))
            and (line[:1].islower() or len(picked[-1]) < 60)
        ):
            picked.append(line)
            continue
        break
    if not picked:
        return None, authors, False
    title = " ".join(normal_case(l) for l in picked)
    title = re.sub(r"\s*\(?Text with EEA relevance\)?\s*$", "", title, flags=re.IGNORECASE)
    return (title[:240].rstrip() or None), authors, in_act
