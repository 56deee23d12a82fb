"""Passages: the few lines of a page that show why it matched.

A passage is plain text cut into segments, each marked as a match or not;
the views render them (HTML ``<mark>``, terminal bold, plain text).
"""

from __future__ import annotations

import re

from ..model import Passage
from ..text import analysis

_SPACE_RE = re.compile(r"\s+")


def best_window(
    text: str, spans: list[tuple[int, int]], words: list[str], width: int
) -> tuple[int, int]:
    """The ``width``-character window with the most distinct matched words
    (then the most matches), found in one sliding pass over the spans."""
    if not spans:
        return 0, min(len(text), width)
    best_distinct, best_count, best_i = -1, -1, 0
    in_window: dict[str, int] = {}  # word -> matches in spans[i:j]
    n = len(spans)
    j = 0
    for i in range(n):
        s = spans[i][0]
        while j < n and spans[j][1] - s <= width:
            if j >= i:
                in_window[words[j]] = in_window.get(words[j], 0) + 1
            j += 1
        distinct, count = len(in_window), j - i
        if distinct > best_distinct or (distinct == best_distinct and count > best_count):
            best_distinct, best_count, best_i = distinct, count, i
        if i < j:
            left = in_window[words[i]] - 1
            if left:
                in_window[words[i]] = left
            else:
                del in_window[words[i]]
    i = best_i
    start = spans[i][0]
    end_span = spans[i][1]
    for k in range(i, n):
        if spans[k][1] - start <= width:
            end_span = spans[k][1]
    # Centre the matches in the window.
    slack = max(0, width - (end_span - start))
    lo = max(0, start - slack // 2)
    hi = min(len(text), lo + width)
    lo = max(0, hi - width)
    return lo, hi


def _snap_to_words(text: str, lo: int, hi: int) -> tuple[int, int]:
    if lo > 0:
        m = re.search(r"\s", text[lo : lo + 30])
        if m:
            lo += m.end()
    if hi < len(text):
        m = re.search(r"\s\S*$", text[max(lo, hi - 30) : hi])
        if m:
            hi = max(lo, hi - 30) + m.start()
    return lo, hi


def make_passage(
    page_text: str,
    page: int,
    lang: str,
    stems: set[str],
    exacts: set[str],
    phrases: set[tuple[str, ...]] = frozenset(),
    *,
    width: int = 280,
    label: str | None = None,
    score: float = 0.0,
) -> Passage:
    """A passage of ``page_text`` around its best cluster of matching words."""
    # Spans are found in the raw page; whitespace is tidied only in the
    # window shown (a regex over every whole page cost ~60 µs a page).
    text = page_text
    spans = analysis.match_spans(text, lang, stems, exacts, phrases)
    # The window with the most distinct query words: inflections of one word
    # (allowance, allowances) count once, as one concept.
    stem = analysis.stemmer(lang)
    words = [stem(text[s:e]) for s, e in spans]
    lo, hi = best_window(text, spans, words, width)
    lo, hi = _snap_to_words(text, lo, hi)
    segments: list[tuple[str, bool]] = []
    if lo > 0:
        segments.append(("… ", False))
    cursor = lo
    for s, e in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        if s > cursor:
            segments.append((_SPACE_RE.sub(" ", text[cursor:s]), False))
        segments.append((text[s:e], True))
        cursor = e
    if cursor < hi:
        segments.append((_SPACE_RE.sub(" ", text[cursor:hi]), False))
    if segments and lo == 0:
        segments[0] = (segments[0][0].lstrip(), segments[0][1])
    if hi < len(text):
        segments[-1] = (segments[-1][0].rstrip(), segments[-1][1])
        segments.append((" …", False))
    first = next((s for s, e in spans if lo <= s < hi), lo)
    return Passage(page=page, segments=segments, label=label, score=score, start=first)
