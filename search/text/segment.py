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

The glossary's Chinese terms are added to jieba's dictionary, so an ETS
term (碳排放权交易) stays one word and is still expanded.

A single character left between stop words (碳 in 碳排放配额, 权 in
碳排放权) cannot be looked up on its own (the index has bigrams): it is
joined to the neighbouring word it stood next to.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import Iterable

from .analysis import CJK_RE, stopwords
from .fold import fold

_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _tokenizer(user_words: tuple[str, ...]):
    """A jieba tokenizer of its own (not the module's global one) with
    ``user_words`` added; jieba builds its prefix dictionary on first use
    (~0.4 s, cached in the temporary folder)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with _LOCK:
        tok.initialize()
    for w in user_words:
        tok.add_word(w, freq=None)
    return tok


def segment(run: str, user_words: Iterable[str] = ()) -> list[str]:
    """The content words of a CJK run, in order.

    Stop words are dropped; a lone character is joined to the word it
    touches (the one after it, else the one before), since the index holds
    bigrams. A run that is all stop words gives ``[]``.
    """
    tok = _tokenizer(tuple(sorted(set(user_words))))
    with _LOCK:  # jieba's tokenizer is not thread-safe while it loads
        pieces = [p for p in tok.cut(run, HMM=True) if p.strip()]
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
    """Build jieba's dictionary now (a server does it before its first request)."""
    _tokenizer(())
