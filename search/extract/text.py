"""Plain text and markdown extraction.

Markdown (``.md``/``.markdown``, and ``.txt`` files that look like
markdown) is reduced to plain text: heading marks, emphasis, links
(``[text](url)`` → text), images, HTML tags and code fences go; tables
stay as text.  YAML front matter and pandoc ``%`` title blocks give
title/date/authors.  Pages saved from websites keep chrome: blocks that
are mostly links (menus, tables of contents), cookie notices and a few
known site phrases are dropped.  What remains: short chrome lines that
are plain text (e.g. "How do you know?", language lists), which do no
harm to search beyond a little noise.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Extracted, ExtractionError
from ..text.normalize import normalize, split_sections
from . import dateline, parse_date, split_authors


MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})

_LINK_RE = re.compile(r"(?<!!)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
_IMAGE_RE = re.compile(r"!\[(?:[^\[\]]|\[[^\[\]]*\])*\]\((?:[^()]|\([^()]*\))*\)")
_REF_LINK_RE = re.compile(r"(?<!!)\[([^\[\]]+)\]\[[^\[\]]*\]")
_REF_DEF_RE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$", re.M)
_AUTOLINK_RE = re.compile(r"<(https?://[^>\s]+)>")
_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_H1_RE = re.compile(r"^\s{0,3}#\s+(.*?)\s*#*\s*$")
_SETEXT_RE = re.compile(r"^(.+)\n\s{0,3}(?:=+|-+)\s*$", re.M)
_EMPHASIS_RE = re.compile(r"(\*{1,3})(?=\S)(.+?)(?<=\S)\1|(?<!\w)(_{1,3})(?=\S)(.+?)(?<=\S)\3(?!\w)")
_CODE_SPAN_RE = re.compile(r"`+([^`\n]+)`+")
_FENCE_RE = re.compile(r"^\s{0,3}(```|~~~).*$", re.M)
_HR_RE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$", re.M)
_LIST_MARK_RE = re.compile(r"^(\s*)(?:[*+-]|\d{1,3}[.)])\s+", re.M)
_QUOTE_RE = re.compile(r"^\s{0,3}>\s?", re.M)
_TABLE_RULE_RE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*(?:\n|$)", re.M)
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~])")

_CHROME_RE = re.compile(
    r"^(?:skip to (?:main )?content|this site uses cookies.*|accept (?:all|only essential) cookies"
    r"|an official (?:website|eu website) of the european union|an official eu website|how do you know\?"
    r"|all official european union website addresses are in the europa\.eu domain\."
    r"|see all eu institutions and bodies|switch to (?:mobile|desktop)|close|menu|search|×|share this page"
    r"|back to top|print|top|log in|my eur-lex|select your language|official eu languages:|quick search"
    r"|search tips|apply|you are here|up-to-date link|permanent link|download notice|create an (?:email|rss) alert"
    r"|(?:hide )?table of contents|this document is an excerpt from the eur-lex website|\[ \])$",
    re.I,
)
def extract_text(path: str | Path) -> Extracted:
    """Extract a plain-text or markdown file (``paged=False``)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ExtractionError("broken", f"cannot read file: {e.strerror or e}") from None
    ex = Extracted(kind="text", pages=[], paged=False, extractor="text")
    text = _decode(raw, ex.warnings)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    front, text = _front_matter(text)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES or _looks_like_markdown(text)
    heading = _first_heading(text) if markdown else None
    ex.headings = []
    if markdown:
        ex.headings = markdown_headings(text)
        text = strip_markdown(text)
    text = normalize(text)
    # The file's own title: front matter, or the markdown document's level-1
    # heading. Otherwise the title is found in the text by the ingest's
    # title rules (search.ingest.titles), as for every other kind of file.
    ex.title = front.get("title") or heading
    ex.date = parse_date(front.get("date", ""), allow_year=True) or dateline(text, chars=3000, lines=15)
    ex.authors = split_authors(front.get("author", ""))
    ex.language = front.get("lang") or front.get("language") or None
    if front.get("description"):
        ex.description = front["description"]
    ex.pages = split_sections(text)
    if not ex.pages:
        raise ExtractionError("empty", "the file has no text")
    return ex


def _decode(raw: bytes, notes: list[str]) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    if b"\x00" in raw[:4096]:
        raise ExtractionError("broken", "binary file, not text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # cp1252 first: Western text decodes the same wherever etslib runs (a
    # guesser, when one happened to be installed, read "système" as
    # cp1250's "systčme"); only bytes cp1252 cannot hold go to the guesser.
    try:
        text = raw.decode("cp1252")
        notes.append("not UTF-8; decoded as cp1252")
        return text
    except UnicodeDecodeError:
        pass
    try:
        import charset_normalizer  # optional

        best = charset_normalizer.from_bytes(raw).best()
        if best is not None and best.encoding:
            notes.append(f"not UTF-8; decoded as {best.encoding}")
            return str(best)
    except ImportError:
        pass
    notes.append("not UTF-8; decoded as latin-1")  # latin-1 never fails
    return raw.decode("latin-1")


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """YAML front matter (``---``) or a pandoc title block (``%`` lines)."""
    m = re.match(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*\n", text, re.S)
    if m and re.search(r"^\w[\w-]*\s*:", m.group(1), re.M):
        return _parse_front(m.group(1)), text[m.end() :]
    lines = text.split("\n", 3)
    if lines and lines[0].startswith("% "):
        keys = ("title", "author", "date")
        meta: dict[str, str] = {}
        n = 0
        for key, line in zip(keys, lines):
            if not line.startswith("%"):
                break
            value = line[1:].strip()
            if key == "author" and parse_date(value):  # "% Ausfertigungsdatum: 12.12.2019"
                meta["date"] = value
            elif value:
                meta[key] = value
            n += 1
        meta = {k: normalize(v) for k, v in meta.items()}
        return meta, "\n".join(text.split("\n")[n:])
    return {}, text


def _parse_front(block: str) -> dict[str, str]:
    """Flat ``key: value`` pairs of YAML front matter; lists joined by "; ".

    A small reader on purpose: front matter is untrusted input and only a
    few scalar fields are needed.
    """
    out: dict[str, str] = {}
    key = None
    for line in block.splitlines():
        m = re.match(r"^([\w-]+)\s*:\s*(.*)$", line)
        if m:
            key = m.group(1).lower()
            value = m.group(2).strip()
            if value.startswith("[") and value.endswith("]"):
                value = "; ".join(v.strip().strip("'\"") for v in value[1:-1].split(","))
            out[key] = value.strip("'\"")
        elif key and re.match(r"^\s+-\s+", line):
            item = re.sub(r"^\s+-\s+", "", line).strip().strip("'\"")
            out[key] = f"{out[key]}; {item}" if out.get(key) else item
    return {k: normalize(v) for k, v in out.items() if v}


def _looks_like_markdown(text: str) -> bool:
    # The whole text, not its start: a long table of contents in plain lines
    # (a Q&A document) hid 130 "####" headings that came after it.
    sample = text[:500_000]
    score = len(re.findall(r"^\s{0,3}#{1,6}\s+\S", sample, re.M))
    score += len(re.findall(r"\*\*[^*\n]+\*\*", sample))
    score += len(_LINK_RE.findall(sample))
    # EUR-Lex texts converted to .txt wrap every paragraph in code fences.
    score += len(re.findall(r"^```", sample, re.M)) // 2
    return score >= 3


def markdown_headings(text: str) -> list[str]:
    """The ``#`` heading lines of markdown as they read after stripping (so
    the sections can show them as headings and name a passage's place)."""
    out = []
    for m in _HEADING_RE.finditer(_FENCE_RE.sub("", text)):
        line = normalize(_inline(m.group(1))).replace("\n", " ").strip()
        if line:
            out.append(line)
    return out


def _first_heading(text: str) -> str | None:
    """The first level-1 heading, with the level-1 headings that directly
    continue it (a long title set over several lines)."""
    lines = text.split("\n")
    parts: list[str] = []
    for line in lines:
        m = _H1_RE.match(line)
        if m:
            part = normalize(_inline(m.group(1))).replace("\n", " ").strip(" *")
            if parts and not _continues_heading(parts[-1], part):
                break
            parts.append(part)
            continue
        if parts and line.strip():
            break
    title = " ".join(p for p in parts if p).strip()
    if not title or _CHROME_RE.match(title):
        return None
    return title if 2 <= len(title) <= 300 else None


_CONNECTOR_END_RE = re.compile(r"\b(a|an|and|as|at|by|for|from|in|into|of|on|or|the|to|with|und|der|die|das|des|für|von|et|de|la|le|du)$", re.I)
_SECTION_RE = re.compile(r"^(introduction|summary|abstract|contents?|background|overview|foreword|preface|einleitung|inhalt)\b", re.I)


def _continues_heading(prev: str, part: str) -> bool:
    """A level-1 heading that carries on the previous one's words."""
    if not part or prev.endswith((".", "?", "!", ":", ")")) or _SECTION_RE.match(part):
        return False
    return bool(_CONNECTOR_END_RE.search(prev)) or part[:1].islower() or len(part.split()) <= 3


def strip_markdown(text: str) -> str:
    """Plain text of markdown, paragraph breaks kept."""
    text = _HTML_COMMENT_RE.sub("", text)
    text = _REF_DEF_RE.sub("", text)
    text = _FENCE_RE.sub("", text)
    blocks = re.split(r"\n[ \t]*\n", text)
    kept = []
    for block in blocks:
        if _is_link_block(block) or _is_menu_block(block):
            continue
        plain = _block_text(block)
        if plain and not all(_CHROME_RE.match(line.strip()) or not line.strip() for line in plain.splitlines()):
            kept.append(plain)
    return "\n\n".join(kept)


def _is_link_block(block: str) -> bool:
    """Menus, tables of contents and link lists: mostly link text."""
    links = _LINK_RE.findall(block) + _REF_LINK_RE.findall(block)
    if not links:
        return False
    plain = _block_text(block)
    if not plain:
        return True
    link_chars = sum(len(_inline(t)) for t in links)
    lines = [line for line in block.splitlines() if line.strip()]
    link_lines = sum(1 for line in lines if _LINK_RE.search(line))
    # A list of links (one per line) or a block made of link text.
    return (len(lines) >= 3 and link_lines >= 0.6 * len(lines) and link_chars >= 0.5 * len(plain)) or (
        link_chars >= 0.8 * len(plain) and len(plain) < 300
    )


def _is_menu_block(block: str) -> bool:
    """Language pickers and menus: many very short lines, no sentences."""
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    if len(lines) < 5 or any(line.startswith("|") for line in lines):
        return False
    short = sum(1 for line in lines if len(line) <= 30 and not re.search(r"[.;:]\s*$|\d", line))
    return short >= 0.9 * len(lines)


def _block_text(block: str) -> str:
    block = _IMAGE_RE.sub("", block)
    block = _TABLE_RULE_RE.sub("", block)
    block = _HR_RE.sub("", block)
    block = _QUOTE_RE.sub("", block)
    # List marks before heading marks: a heading keeps its number ("#### 124. …").
    block = _LIST_MARK_RE.sub(r"\1", block)
    block = _HEADING_RE.sub(r"\1", block)
    block = _SETEXT_RE.sub(r"\1", block)
    lines = []
    for line in block.splitlines():
        line = _inline(line)
        if "|" in line and line.strip().startswith("|"):
            # Table rows: keep the cells as text.
            line = " \t".join(c.strip() for c in line.strip().strip("|").split("|"))
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


def _inline(s: str) -> str:
    s = _IMAGE_RE.sub("", s)
    s = _LINK_RE.sub(r"\1", s)
    s = _REF_LINK_RE.sub(r"\1", s)
    s = _AUTOLINK_RE.sub(r"\1", s)
    s = _TAG_RE.sub("", s)
    s = _CODE_SPAN_RE.sub(r"\1", s)
    for _ in range(2):  # nested emphasis: ***x*** or **_x_**
        s = _EMPHASIS_RE.sub(lambda m: m.group(2) or m.group(4) or "", s)
    s = _ESCAPE_RE.sub(r"\1", s)
    s = re.sub(r"(?<=\S)  $", "", s)  # hard line break marker
    return s
