"""Chinese word segmentation for queries typed as sentences.

The index keeps Chinese as overlapping character bigrams (see
:mod:`.analysis`), which finds any word in place. A question typed as a
sentence, though, is one unspaced run: searched as a phrase of all its
bigrams it needs the whole sentence, function words included
(重点排放单位应当如何清缴配额 found nothing). Here the run is cut into
words with jieba (the dictionary ships in the package; nothing is
downloaded), its stop words (``stopwords/zh.txt``) are dropped, and each
remaining word is searched as a phrase of its own bigrams, so the query
can be read like any long question (most of its words, not all).

The glossary's Chinese terms stay whole (碳排放权交易 is one word, and is
still expanded): the run is cut at them first, and jieba cuts the text
between them.

A single character left between stop words (碳 in 碳排放配额, 权 in
碳排放权) cannot be looked up on its own (the index has bigrams): it is
joined to the neighbouring word it stood next to.

jieba's dictionary (349,000 words) is held in a marisa trie rather than
jieba's own dict of every word and every start of one: that dict took
71 MB of each serving worker, and a second copy (with the glossary's
words added) another 75 MB (measured 2026-12-01).
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from typing import Iterable

import numpy as np

from .analysis import CJK_RE, stopwords
from .fold import fold

_LOCK = threading.Lock()


class _Dictionary:
    """jieba's word counts as its tokenizer reads them (its ``FREQ``):
    ``frag in d`` for a word or the start of one; ``d[frag]`` and
    ``d.get(frag)`` the word's count (0 and None for only the start of one)."""

    __slots__ = ("trie", "counts")

    def __init__(self, trie, counts: np.ndarray):
        self.trie = trie
        self.counts = counts

    def __contains__(self, frag: str) -> bool:
        return frag in self.trie or next(self.trie.iterkeys(frag), None) is not None

    def get(self, frag: str, default=None):
        i = self.trie.get(frag)
        return default if i is None else int(self.counts[i])

    def __getitem__(self, frag: str) -> int:
        i = self.trie.get(frag)
        return 0 if i is None else int(self.counts[i])


def _read_dictionary() -> tuple[_Dictionary, int]:
    """jieba's shipped dictionary as a trie, and the sum of its counts (as
    jieba reads it: a word listed twice keeps its last count)."""
    import jieba
    import marisa_trie

    counts: dict[str, int] = {}
    total = 0
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, count = line.split(" ", 2)[:2]
            counts[word] = int(count)
            total += int(count)
    trie = marisa_trie.Trie(counts)
    by_id = np.zeros(len(trie), dtype=np.int64)
    for word, count in counts.items():
        by_id[trie[word]] = count
    return _Dictionary(trie, by_id), total


@lru_cache(maxsize=1)
def _tokenizer():
    """A jieba tokenizer of its own (not the module's global one) over the
    compact dictionary (~1 s to build, once per process)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with _LOCK:
        tok.FREQ, tok.total = _read_dictionary()
        tok.initialized = True
    return tok


@lru_cache(maxsize=4)
def _terms(user_words: tuple[str, ...]) -> tuple[frozenset[str], int]:
    words = frozenset(w for w in user_words if len(w) > 1)
    return words, max(map(len, words), default=0)


def _cut_at_terms(run: str, terms: frozenset[str], longest: int) -> list[tuple[str, bool]]:
    """``run`` as pieces ``(text, is_term)``: the longest term at each
    place, left to right, and the text between them."""
    out: list[tuple[str, bool]] = []
    i = start = 0
    while i < len(run):
        for n in range(min(longest, len(run) - i), 1, -1):
            if run[i : i + n] in terms:
                if start < i:
                    out.append((run[start:i], False))
                out.append((run[i : i + n], True))
                i = start = i + n
                break
        else:
            i += 1
    if start < len(run):
        out.append((run[start:], False))
    return out


def segment(run: str, user_words: Iterable[str] = ()) -> list[str]:
    """The content words of a CJK run, in order; ``user_words`` (the
    glossary's terms) stay whole.

    Stop words are dropped; a lone character is joined to the word it
    touches (the one after it, else the one before), since the index holds
    bigrams. A run that is all stop words gives ``[]``.
    """
    terms, longest = _terms(tuple(sorted(set(user_words))))
    tok = _tokenizer()
    pieces: list[str] = []
    with _LOCK:  # jieba's tokenizer is not thread-safe
        for text, whole in _cut_at_terms(run, terms, longest) if terms else [(run, False)]:
            pieces += [text] if whole else [p for p in tok.cut(text, HMM=True) if p.strip()]
    stops = stopwords("zh")
    keep = [fold(p) not in stops for p in pieces]
    out: list[str] = []
    pending = ""  # single characters waiting for the word after them
    for i, p in enumerate(pieces):
        if not keep[i]:
            if pending:
                # Nothing kept after them: join the word before, if it touched them.
                j = i - len(pending) - 1
                if out and j >= 0 and keep[j]:
                    out[-1] += pending
                pending = ""
            continue
        if len(p) == 1 and CJK_RE.match(p):
            pending += p
            continue
        out.append(pending + p)
        pending = ""
    if pending:
        j = len(pieces) - len(pending) - 1
        if out and j >= 0 and keep[j]:
            out[-1] += pending
    return [w for w in out if len(w) > 1 or not CJK_RE.match(w)]


def warm_up() -> None:
    """Build the dictionary now (a server does it before its first request)."""
    _tokenizer()
