"""Finding a document's title (and a byline) the way a cataloguer does.

The title is the document's own title block on its first page, taken as a
whole: a legal act's heading with every line that continues it, a
report's cover title with its subtitle, the heading after a genre label
("COMMUNICATION FROM THE COMMISSION …", "European Commission - Press
release"). File metadata (PDF /Title, HTML meta tags, a markdown heading)
is used when the text confirms it or has no title block; site chrome,
file names and authoring-tool names are never titles.

The rules live in ``search/data/titles.yaml``: lines to skip, genre labels,
how an act's heading runs on, where a title stops, and how an all-capitals
heading is put in normal case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..text.datafile import DATA_DIR, DataFileError, read_yaml
from .values import Found

DEFAULT_PATH = DATA_DIR / "titles.yaml"

_MARKERS_RE = re.compile(r"[►▼◄]\s*[A-Z]?\s?\d*\s*")
# Markdown that survives in .txt files: heading marks, emphasis, code fences.
_MARKDOWN_RE = re.compile(r"^\s*(#{1,6}\s*|```\w*|>\s*|%\s*)|\*\*|__")
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_SPACES_RE = re.compile(r"\s+")
_YEAR_LINE_RE = re.compile(r"^(19|20)\d{2}$")
_HAS_NUMBERS_RE = re.compile(r"\b(19|20)\d{2}\b|\bv(ersion)?\s?\d|\d+\.\d+|\b\d{1,2}/\d{1,2}\b", re.I)
# Leading numbering of a metadata title: "5a. Climate Action Plan".
_NUMBERING_RE = re.compile(r"^\s*\d{1,3}[a-z]?[.)]\s+")
_JUNK_TITLE_RE = re.compile(
    r"(^untitled|^microsoft (word|powerpoint)|\.(docx?|pptx?|pdf|indd|tex)\b|^document\d*$|^slide \d+$|^\W*$)",
    re.IGNORECASE,
)
_ACT_NUMBER_CUT_RE = re.compile(r"(\((?:EU|EC|EEC)\)\s+(?:No\s+)?)?\b((?:19|20)\d{2})/(?=\s|$|\))")
_NO_NUMBER_CUT_RE = re.compile(r"\bNo\s+(\d{1,4})/(?=\s|$|\))")
_SPLIT_NUMBER_RE = re.compile(r"\b((?:19|20)\d{2})/\s+(\d{1,4})\b")


@dataclass(frozen=True)
class TitleRules:
    skip: tuple[re.Pattern[str], ...]
    strip: tuple[re.Pattern[str], ...]
    stop: tuple[re.Pattern[str], ...]
    labels: tuple[re.Pattern[str], ...]
    byline: re.Pattern[str]
    act_start: re.Pattern[str]
    act_continue: re.Pattern[str]
    act_max_lines: int
    acronyms: frozenset[str]
    small_words: frozenset[str]
    connectors: frozenset[str]


@dataclass
class TitleBlock:
    """A title found in the text, with how it was found.

    ``kind`` is ``act`` (a legal act's heading), ``label`` (the heading
    after a genre label), ``block`` (the first title-like lines) or ``""``
    when nothing was found.
    """

    title: str | None = None
    kind: str = ""
    authors: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def rules() -> TitleRules:
    """The packaged title rules, checked (a bad pattern names file and key)."""
    return parse(DEFAULT_PATH)


def parse(path: Path) -> TitleRules:
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    known = {"skip", "strip", "stop", "labels", "byline", "acts", "acronyms", "small_words", "connectors"}
    unknown = set(data) - known
    if unknown:
        raise DataFileError(f"{path}: unknown key(s) {sorted(unknown)} (known: {', '.join(sorted(known))})")

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
    if not isinstance(acts, dict) or not isinstance(acts.get("max_lines", 12), int):
        raise DataFileError(f"{path}: 'acts' must be a mapping with start, continue and an integer max_lines")
    return TitleRules(
        skip=patterns("skip"),
        strip=patterns("strip"),
        stop=patterns("stop"),
        labels=patterns("labels"),
        byline=rx("byline", data.get("byline", r"^by\s+(.+)$")),
        act_start=rx("acts.start", acts.get("start", r"^$^")),
        act_continue=rx("acts.continue", acts.get("continue", r"^$^")),
        act_max_lines=int(acts.get("max_lines", 12)),
        acronyms=frozenset(words("acronyms")),
        small_words=frozenset(w.lower() for w in words("small_words")),
        connectors=frozenset(w.lower() for w in words("connectors")),
    )


def is_boilerplate(line: str) -> bool:
    r = rules()
    return any(p.search(line) for p in r.skip)


def normal_case(title: str, *, start: bool = True) -> str:
    """An ALL-CAPITALS heading in title case, acronyms and numbers kept
    (``start=False``: the line continues a title, so its first word may be
    a small word: "… AND" / "THE COUNCIL")."""
    letters = [c for c in title if c.isalpha()]
    if not letters or sum(c.isupper() for c in letters) < 0.8 * len(letters):
        return title
    r = rules()
    out = []
    for i, word in enumerate(title.split(" ")):
        core = word.strip("()[],.;:")
        if core in r.acronyms or any(ch.isdigit() for ch in core) or (word.startswith("(") and len(core) <= 3):
            out.append(word)
        elif (i > 0 or not start) and core.lower() in r.small_words:
            out.append(word.lower())
        else:
            out.append(word[:1] + word[1:].lower())
    return " ".join(out)


def _clean(line: str) -> str:
    line = _MARKDOWN_RE.sub("", _MARKERS_RE.sub("", line))
    line = _SPACES_RE.sub(" ", line).strip(" -–—|`*")
    line = line.lstrip(":")
    for p in rules().strip:
        line = p.sub("", line)
    return line.strip(" -–—|`*†‡")


def _head_lines(pages: list[str], limit: int = 150) -> list[str]:
    lines: list[str] = []
    for page in pages[:3]:
        for raw in page.splitlines():
            line = _clean(raw)
            if line:
                lines.append(line)
        if len(lines) > limit:
            break
    return lines[:limit]


def _last_word(line: str) -> str:
    words = re.findall(r"[\w’']+|,", line.lower())
    return words[-1] if words else ""


def _is_act_start(line: str) -> bool:
    return bool(rules().act_start.search(line))


def _continues_act(prev: str, line: str) -> bool:
    r = rules()
    if line.startswith("(") and not line.lower().startswith("(oj") and len(line) <= 90:
        return True  # "(Text with EEA relevance)", "(recast)", "(2011/753/EU)"
    if r.act_continue.search(line) or line[:1].islower():
        return True
    return _last_word(prev) in r.connectors or prev.rstrip().endswith((",", "/"))


def _stops(line: str) -> bool:
    return any(p.search(line) for p in rules().stop)


def _act_block(lines: list[str], start: int) -> list[str]:
    r = rules()
    picked = [lines[start]]
    for line in lines[start + 1 :]:
        if len(picked) >= r.act_max_lines or line == picked[0] or _stops(line):
            break
        if _is_act_start(line) and _last_word(picked[-1]) not in r.connectors:
            break  # the heading again (a cover page, then the act itself)
        if line.upper() == line and picked[-1].upper() == picked[-1] and len(line) < 60 and not line.startswith("("):
            # An all-capitals heading running on ("REPORT FROM THE COMMISSION TO …" / "THE COUNCIL").
            if _last_word(picked[-1]) in r.connectors or r.act_continue.search(line):
                picked.append(line)
                continue
        if _continues_act(picked[-1], line):
            picked.append(line)
            continue
        break
    return picked


def _label_end(line: str) -> int | None:
    """Where a genre label at the start of ``line`` ends, or None."""
    for p in rules().labels:
        m = p.match(line)
        if m:
            end = m.end()
            # An all-capitals label runs over the capitalised words after it
            # (the addressees of a Communication).
            rest = line[end:]
            m2 = re.match(r"^(?:[\s,]+(?:[A-Z][A-Z’'-]*\b))*", rest)
            if line[: m.end()].upper() == line[: m.end()] and m2:
                end += len(m2.group(0))
            return end
    return None


def _block(lines: list[str], start: int) -> tuple[list[str], list[str]]:
    """A plain title block from ``lines[start]``: (lines, byline authors)."""
    r = rules()
    picked = [lines[start]]
    authors: list[str] = []
    for line in lines[start + 1 :]:
        m = r.byline.match(line)
        if m:
            authors = [a.strip() for a in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s+und\s+|\s+et\s+", m.group(2)) if a.strip()]
            break
        if _stops(line) or is_boilerplate(line) and not _YEAR_LINE_RE.match(line):
            break
        prev = picked[-1]
        joined = " ".join(picked)
        if _CJK_RE.search(prev):
            break  # a line in Chinese or Japanese is a whole title by itself
        if _YEAR_LINE_RE.match(line):
            # A year under a short cover title is its edition: "Climate
            # Change Report / 2023".
            if len(joined) <= 50 and not re.search(r"\b(19|20)\d{2}\b", joined):
                picked.append(line)
            break
        if prev.endswith((".", "?", "!")) or len(line) > 110:
            break
        words_prev, words_line = len(prev.split()), len(line.split())
        continues = (
            line[:1].islower()
            or _last_word(prev) in r.connectors
            or prev.endswith((",", ":", "(", "–", "-"))
            or (words_line <= 2 and len(joined) < 60)
            or (words_line == 1 and len(joined) < 120 and line[:1].isupper())
        )
        if continues and len(picked) < 5 and len(joined) < 200:
            picked.append(line)
            continue
        # A subtitle: a phrase of its own under a title of several words.
        if (
            len(picked) < 4
            and words_prev >= 3
            and words_line >= 3
            and line[:1].isupper()
            and not _HAS_NUMBERS_RE.search(line)
            and len(joined) < 120
            and not line.endswith((".", "?", "!"))
            and not any(p.search(line) for p in r.labels)
        ):
            picked.append(": " + line)
            break
        break
    return picked, authors


def _join(lines: list[str]) -> str:
    out = ""
    for n, line in enumerate(lines):
        line = normal_case(line, start=n == 0) if not line.startswith(": ") else ": " + normal_case(line[2:])
        if line.startswith(": "):
            out = out.rstrip(" :") + line
        else:
            out = f"{out} {line}" if out else line
    out = _SPLIT_NUMBER_RE.sub(r"\1/\2", out)
    return _SPACES_RE.sub(" ", out).strip(" :;,")


def find_title_block(pages: list[str]) -> TitleBlock:
    """The title block of a document's first pages (see :class:`TitleBlock`)."""
    lines = _head_lines(pages)
    candidates = [i for i, l in enumerate(lines) if not is_boilerplate(l) and len(l) >= 3]
    if not candidates:
        return TitleBlock()
    first = candidates[0]
    # A legal act's heading: the first line that starts one, if it is the
    # first title-like line or set as a heading (capitals), e.g. after a web
    # page's chrome.
    for i in candidates[:120]:
        line = lines[i]
        if _is_act_start(line) and (i == first or line.upper() == line or i < first + 60 and _looks_like_heading(line)):
            return TitleBlock(_join(_act_block(lines, i)), "act")
        if i - first > 60:
            break
    for i in candidates[:40]:
        end = _label_end(lines[i])
        if end is None:
            continue
        rest = lines[i][end:].strip(" :,–-")
        if rest:
            picked, authors = _block([rest] + lines[i + 1 :], 0)
            return TitleBlock(_join(picked), "label", authors)
        nxt = [j for j in candidates if j > i]
        if not nxt:
            break
        j = nxt[0]
        if lines[j][:1].islower():
            return TitleBlock(_join(_act_block(lines, i)), "act")
        picked, authors = _block(lines, j)
        return TitleBlock(_join(picked), "label", authors)
    for i in candidates[:40]:
        line = lines[i]
        if _stops(line) or rules().byline.match(line):
            continue
        if sum(c.isalpha() for c in line) < 0.5 * len(line) or len(line) > 250:
            continue
        if line.endswith((".", "?", "!")) and len(line) > 80:
            continue  # a sentence, not a heading
        picked, authors = _block(lines, i)
        return TitleBlock(_join(picked), "block", authors)
    return TitleBlock()


def _looks_like_heading(line: str) -> bool:
    """A line that names an act in full rather than citing one in a sentence."""
    return bool(re.search(r"\bof the european parliament and of the council\b|\bof \d{1,2} \w+ (19|20)\d{2}\b", line, re.I)) and not line.endswith(".")


def find_title(pages: list[str]) -> tuple[str | None, list[str], bool]:
    """``(title, authors from a byline, is a legal act's heading)``."""
    tb = find_title_block(pages)
    return tb.title, tb.authors, tb.kind == "act"


# ---------------------------------------------------------------- repairs


def repair_act_numbers(title: str, celex: str | None, text: str) -> str:
    """Restore act numbers a conversion cut off ("Regulation (EU) 2018/ of …").

    The act's own number comes from its CELEX identifier; a cited act's
    number from the document's own full mention of it ("No 601/2012").
    """
    from .identifiers import celex_parts

    parts = celex_parts(celex or "")

    def own_or_cited(m: re.Match[str]) -> str:
        prefix, year = m.group(1) or "", m.group(2)
        if parts and parts[1] == int(year) and title.find(m.group(0)) < 60:
            return f"{prefix}{year}/{parts[3]}"
        found = {x for x in re.findall(re.escape(year) + r"/(\d{1,4})(?!\d)", text)}
        return f"{prefix}{year}/{found.pop()}" if len(found) == 1 else m.group(0)

    def numbered(m: re.Match[str]) -> str:
        number = m.group(1)
        if parts and parts[3] == int(number) and title.find(m.group(0)) < 60:
            return f"No {number}/{parts[1]}"
        found = set(re.findall(r"\bNo\s+" + re.escape(number) + r"/((?:19|20)\d{2})\b", text))
        return f"No {number}/{found.pop()}" if len(found) == 1 else m.group(0)

    title = _ACT_NUMBER_CUT_RE.sub(own_or_cited, title)
    return _NO_NUMBER_CUT_RE.sub(numbered, title)


# ---------------------------------------------------------------- choosing


def usable_metadata_title(title: str | None) -> str | None:
    """A title from file metadata, cleaned, or None for tool and file names."""
    if not title:
        return None
    t = _NUMBERING_RE.sub("", _SPACES_RE.sub(" ", title)).strip()
    if len(t) < 4 or _JUNK_TITLE_RE.search(t) or is_boilerplate(t):
        return None
    return t


def _fold(s: str) -> str:
    s = s.replace("’", "'").replace("‘", "'").lower()
    return re.sub(r"[^\w']+", " ", s).strip()


def _core(title: str) -> str:
    """A metadata title without its owner suffix and edition year
    ("Climate Action Plan 2024 - Costco Wholesale" -> "Climate Action Plan")."""
    t = re.sub(r"\s+[-–|]\s+[^-–|]{2,60}$", "", title)
    return re.sub(r"\s*\b(19|20)\d{2}\b\s*", " ", t).strip()


def _edition(title: str, text: str) -> str:
    """"Climate Transition Action Plan" printed as "… Action Plan 2021": the
    edition year belongs to the title."""
    if re.search(r"\b(19|20)\d{2}\b", title):
        return title
    m = re.search(re.escape(_fold(title)) + r" ((?:19|20)\d{2})\b", _fold(text))
    return f"{title} {m.group(1)}" if m else title


def document_title(meta_title: str | None, kind: str, pages: list[str], *, celex: str | None = None) -> tuple[Found | None, list[str]]:
    """The document's title with its source and confidence, and byline authors.

    ``meta_title`` is what the file's metadata (or the text extractor's
    heading) says; ``kind`` is the file kind ("pdf", "html", "text").
    """
    tb = find_title_block(pages)
    first_text = "\n".join(pages[:2])[:20000]
    text_all = "\n".join(pages)[:400000]
    meta = usable_metadata_title(meta_title)
    source = f"{kind}-metadata" if kind != "text" else "text-heading"

    def done(title: str, src: str, conf: float) -> tuple[Found, list[str]]:
        title = repair_act_numbers(title, celex, text_all)
        return Found(title[:600].rstrip(), src, conf), tb.authors

    if tb.title and tb.kind in ("act", "label"):
        if meta and tb.kind == "label" and _fold(meta).startswith(_fold(tb.title)) and len(meta) > len(tb.title):
            return done(meta, source, 0.85)  # the heading the page sets over several lines, whole
        return done(tb.title, "text", 0.9 if tb.kind == "act" else 0.85)
    if meta:
        if kind != "pdf":
            # A web page's own title, a text file's front matter or heading.
            return done(meta, source, 0.8)
        # A PDF's /Title is often a working title or a file name: trust it
        # when the first pages print it, else the printed title block.
        if _fold(_core(meta)) and _fold(_core(meta)) in _fold(first_text):
            return done(_edition(meta, "\n".join(pages[:3])[:30000]), source, 0.85)
        if tb.title:
            return done(tb.title, "text", 0.6)
        return done(meta, source, 0.5)
    if tb.title:
        return done(tb.title, "text", 0.6)
    return None, tb.authors
