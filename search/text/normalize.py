"""Text normalisation, garbage detection and sectioning for extracted text.

Every extractor sends its page/section text through :func:`normalize`;
the PDF extractor checks raw page text with :func:`garbage_ratio` before
normalising (normalising removes the control characters that betray a
font without a usable ToUnicode map).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["normalize", "garbage_ratio", "is_garbage", "split_sections"]

# Markers PDFium (and some producers) put where a word was hyphenated at a
# line end: U+0002 (PDFium's "generated hyphen"), U+00AD (soft hyphen),
# U+FFFE (older PDFium builds).  PDFium has already removed the line break.
_SOFT_HYPHENS = "\x02\xad\ufffe"

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}

# Second halves that are compound tails, not syllables: "market-|based".
_COMPOUND_TAILS = frozenset(
    """based term free related intensive scale wide like level specific effective
    income emission emissions carbon market oriented driven sector sectoral
    friendly neutral neutrality zero making up off in out owned run led
    only time year years hand""".split()
)
# First halves that (in English) are nearly always followed by a hyphen.
_COMPOUND_HEADS = frozenset("self non low high well so cross above below".split())

# Both start at a word's first letter ((?<!\w)): without it a failed match
# was retried from every later letter of the word, each time running to its
# end (3x slower on PDF pages; the matches are the same).
_BREAK_RE = re.compile(
    r"(?<!\w)(?P<a>\w*[^\W_])"  # word part before the break
    rf"(?:[{_SOFT_HYPHENS}][ \t]*\n?[ \t]*|[-\u2010][ \t]*\n[ \t]*)"
    rf"(?P<b>[\w]+)"
)
_HYPHENATED_RE = re.compile(r"(?<!\w)(\w+)[-\u2010](\w+)")
# Control and format characters to drop; keep \t \n, ZWNJ/ZWJ (needed in
# Persian and Indic scripts).
_DROP_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ufffe\uffff]"
)
# Only runs that change: a lone space between words (nearly all of them) is
# left alone instead of going through a Python callback.
_HSPACE_CHANGE_RE = re.compile(
    r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)


def normalize(text: str) -> str:
    """Canonical form of extracted text: NFKC, ligatures, line-end hyphens,
    no control characters, single spaces, at most one blank line in a row."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\x0c", "\n\n")
    for lig, rep in _LIGATURES.items():
        text = text.replace(lig, rep)
    text = unicodedata.normalize("NFKC", text)
    text = _rejoin_hyphens(text)
    text = _DROP_RE.sub("", text)
    text = _HSPACE_CHANGE_RE.sub(_space_run, text)
    lines = [line.strip(" \t") for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n ")


def _space_run(m: re.Match[str]) -> str:
    return "\t" if "\t" in m.group(0) and m.group(0).strip(" ") == "\t" else " "


def _rejoin_hyphens(text: str) -> str:
    """Join words split at line ends; keep the hyphen of real compounds."""
    if not any(c in text for c in _SOFT_HYPHENS) and "-\n" not in text and "\u2010\n" not in text:
        return text
    # Compounds written with a hyphen elsewhere in the same text are compounds.
    known = {(a.lower(), b.lower()) for a, b in _HYPHENATED_RE.findall(text)}

    def join(m: re.Match[str]) -> str:
        a, b = m.group("a"), m.group("b")
        keep = (
            b[0].isupper()
            or b[0].isdigit()
            or a[-1].isdigit()
            or (a.lower(), b.lower()) in known
            or b.lower() in _COMPOUND_TAILS
            or a.lower() in _COMPOUND_HEADS
            or (a[-1].isupper() and len(a) > 1 and a[-2].isupper())  # "EU-\nwide", "CO2-"
        )
        return f"{a}-{b}" if keep else a + b

    return _BREAK_RE.sub(join, text)


# --------------------------------------------------------------------------
# Garbage detection

# UTF-8 read as cp1252/latin-1: "Ã©", "â€™", "Â ".
_MOJIBAKE_RE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
    "|\u00e2\u20ac[\u0080-\u00bf\u2122\u201c\u201d\u2018\u2019\u0153\u02dc\u201a\u201e\u2013\u2014\u2022\u00a6]?"
)
# Glyph names instead of text (fonts without a ToUnicode map, as pypdf and
# pdfminer render them): "/g135/g136", "(cid:123)", "/uni0041".
_GLYPH_NAME_RE = re.compile(r"/g\d{1,5}|\(cid:\d+\)|/uni[0-9A-Fa-f]{4,6}|/glyph\d+|/G[0-9A-F]{2}\b")
# Script families that may mix within one word.
_CJK = {"CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "HALFWIDTH", "FULLWIDTH"}
_NEUTRAL = {"LATIN", "COMMON", "MODIFIER", "COMBINING"}


@lru_cache(maxsize=65536)
def _char_class(c: str) -> tuple[str, str]:
    """(unicode category, script family) of a character."""
    cat = unicodedata.category(c)
    if cat[0] not in "LM":
        return cat, "COMMON"
    try:
        word = unicodedata.name(c).split(" ", 1)[0]
    except ValueError:
        return cat, "UNKNOWN"
    if word in _CJK:
        return cat, "CJK"
    if word in ("MODIFIER", "SMALL", "SUPERSCRIPT", "SUBSCRIPT", "MATHEMATICAL"):
        return cat, "COMMON"
    return cat, word


def garbage_ratio(text: str) -> float:
    """Share of non-space characters that look like extraction garbage.

    Counted as garbage: U+FFFD, private-use, unassigned and surrogate code
    points, C0/C1 control characters (a font without ToUnicode yields glyph
    ids 0x01..0x1f), UTF-8-as-Latin-1 mojibake, letters of words that mix
    two or more unrelated non-Latin scripts (a wrong ToUnicode map), glyph
    names instead of text ("/g135", "(cid:12)"), orphan
    combining marks, and lines of symbol soup with hardly any letters or
    digits.  Real text in any script scores near 0; 0.0 for empty text.
    """
    total = 0
    bad = 0
    for line in text.splitlines():
        t, b = _line_garbage(line)
        total += t
        bad += b
    if total == 0:
        return 0.0
    # A mojibake pair stands for one letter but spoils the whole word.
    bad += 4 * len(_MOJIBAKE_RE.findall(text))
    bad += sum(len(m) for m in _GLYPH_NAME_RE.findall(text))
    return min(1.0, bad / total)


_LEADER_RE = re.compile(r"(?:[.\u2026\u00b7_\-\u2013\u2014=*~+#]\s?){4,}")


def _line_garbage(line: str) -> tuple[int, int]:
    """(non-space chars, garbage chars) of one line."""
    line = _LEADER_RE.sub(" ", line)  # dot leaders of tables of contents, rules
    total = bad = alnum = symbols = 0
    for token in line.split():
        t, b, a, s = _token_garbage(token)
        total += t
        bad += b
        alnum += a
        symbols += s
    # Symbol soup: a longish line made of punctuation/symbols, not a rule
    # of repeated dots or dashes.
    if total >= 8 and alnum < 0.3 * total and len(set(line.replace(" ", ""))) > 4:
        bad = max(bad, symbols)
    return total, bad


def _token_garbage(token: str) -> tuple[int, int, int, int]:
    total = bad = alnum = symbols = 0
    scripts: set[str] = set()
    letters = 0
    has_base = False
    for c in token:
        total += 1
        cat, script = _char_class(c)
        if c == "\ufffd" or cat in ("Co", "Cn", "Cs") or (cat == "Cc" and c not in "\t\x02"):
            bad += 1
            has_base = False
            continue
        if cat == "Mn" or cat == "Me":
            if not has_base:
                bad += 1  # combining mark with nothing to combine with
            continue
        if cat[0] == "L":
            letters += 1
            alnum += 1
            has_base = True
            if script not in _NEUTRAL:
                scripts.add(script)
        elif cat[0] == "N":
            alnum += 1
            has_base = True
        else:
            has_base = False
            if cat[0] in "SP":
                symbols += 1
    if len(scripts) - ("CJK" in scripts) >= 2 or (len(scripts) >= 2 and "UNKNOWN" in scripts):
        # Wrong ToUnicode maps spray letters over unrelated scripts
        # (Greek, Sinhala, Lao... in one "word").
        bad += letters
    return total, bad, alnum, symbols


# Characters of ordinary Latin-script text: ASCII, Latin-1 and Latin
# Extended letters, general punctuation, currency, arrows, math, shapes.
_PLAIN_RE = re.compile(
    "[^\t\n\r\x02\x20-\x7e\u00a0-\u024f\u2000-\u206f\u20a0-\u20bf\u2100-\u214f"
    "\u2190-\u21ff\u2200-\u22ff\u2460-\u24ff\u25a0-\u25ff\u2610-\u2612\u2713\u2714]"
)
_SYMBOL_RE = re.compile(r"[^\w\s]")


def looks_clean(text: str, threshold: float = 0.25) -> bool:
    """A quick verdict, in C, that :func:`garbage_ratio` stays below ``threshold``.

    The full check walks every character in Python (~0.6 ms a page). Text
    of plain Latin characters without mojibake or glyph names can only
    score through symbol soup, which is bounded by its share of symbols.
    """
    if _PLAIN_RE.search(text) or _MOJIBAKE_RE.search(text) or _GLYPH_NAME_RE.search(text):
        return False
    nonspace = len("".join(text.split()))
    return len(_SYMBOL_RE.findall(text)) < threshold * nonspace


def is_garbage(text: str, threshold: float = 0.25) -> bool:
    """True when the text is mostly unreadable (see :func:`garbage_ratio`)."""
    if looks_clean(text, threshold):
        return False
    return garbage_ratio(text) >= threshold


# --------------------------------------------------------------------------
# Sections for unpaged text


def split_sections(text: str, target_chars: int = 3000) -> list[str]:
    """Cut text into sections of about ``target_chars`` characters.

    Cuts fall on paragraph breaks, else line breaks, else spaces; never
    inside a word unless a single "word" is longer than twice the target
    (e.g. unspaced Chinese), and sections are never empty.
    """
    text = text.strip()
    if not text:
        return []
    target = max(200, target_chars)
    pieces = _pieces(text, target)
    sections: list[str] = []
    current = ""
    for sep, piece in pieces:
        if current and len(current) + len(sep) + len(piece) > target:
            sections.append(current)
            current = piece
        else:
            current = f"{current}{sep}{piece}" if current else piece
    if current:
        # A very short tail is better merged than left alone.
        if sections and len(current) < target // 5 and len(sections[-1]) + len(current) < target * 1.5:
            sections[-1] = f"{sections[-1]}\n\n{current}"
        else:
            sections.append(current)
    return [s.strip() for s in sections if s.strip()]


def _pieces(text: str, target: int) -> list[tuple[str, str]]:
    """(separator, piece) pairs no longer than ``target`` where possible."""
    out: list[tuple[str, str]] = []
    for para in re.split(r"\n[ \t]*\n+", text):
        para = para.strip()
        if not para:
            continue
        if len(para) <= target:
            out.append(("\n\n", para))
            continue
        first = True
        for line in _split_long(para, "\n", target):
            for chunk in _split_long(line, " ", target):
                for hard in _hard_split(chunk, target):
                    out.append(("\n\n" if first else "\n", hard))
                    first = False
    return out


def _split_long(text: str, sep: str, target: int) -> list[str]:
    if len(text) <= target:
        return [text]
    parts = [p for p in text.split(sep) if p.strip()]
    if sep == "\n":
        return parts
    # Regroup words into chunks of up to target chars.
    chunks: list[str] = []
    cur = ""
    for p in parts:
        if cur and len(cur) + 1 + len(p) > target:
            chunks.append(cur)
            cur = p
        else:
            cur = f"{cur} {p}" if cur else p
    if cur:
        chunks.append(cur)
    return chunks


_SENTENCE_END_RE = re.compile(r"(?<=[。！？；.!?;])")


def _hard_split(chunk: str, target: int) -> list[str]:
    """Split an unspaced run (CJK) at sentence ends, else every ``target`` chars."""
    if len(chunk) <= 2 * target:
        return [chunk]
    out: list[str] = []
    cur = ""
    for sent in _SENTENCE_END_RE.split(chunk):
        if cur and len(cur) + len(sent) > target:
            out.append(cur)
            cur = ""
        cur += sent
        while len(cur) > 2 * target:
            out.append(cur[:target])
            cur = cur[target:]
    if cur:
        out.append(cur)
    return out


_WORD_COUNT_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@lru_cache(maxsize=2)
def word_count(text: str) -> int:
    """Whitespace-separated words, plus CJK characters counted two to a word.

    Jurisdiction and topic detection both ask for the same document text in
    turn; the cache saves the second pass (~1 ms for 40,000 words).
    """
    cjk = len(text) - len(_WORD_COUNT_CJK_RE.sub("", text))
    return len(text.split()) + cjk // 2
