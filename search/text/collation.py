"""Sorting text the way readers expect: the Unicode Collation Algorithm.

Python's ``sorted`` compares code points, so "Verordnung zur" (z, U+007A)
comes before "Verordnung über" (ü, U+00FC) and every accented or non-Latin
title lands after the Latin ones. :func:`sort_key` gives UCA keys from the
Default Unicode Collation Element Table through ``pyuca``: accents and case
only break ties (über sorts with u, Émissions beside Emissions), digits
before letters, scripts in Unicode's order. The root collation, not one
language's, fits a library whose titles are in many languages.

``pyuca`` is a pure-Python wheel, so it installs wherever etslib does;
PyICU, the other well-known choice, is published on PyPI as source only
and needs ICU's headers and a C++ build. Keys are computed once per index
generation, and only when a list is sorted by title.
"""

from __future__ import annotations

import functools
import re

__all__ = ["sort_key"]

# Quotation marks and other punctuation opening a title do not decide its place.
_LEADING = re.compile(r"^[\W_]+", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _collator():
    from pyuca import Collator

    return Collator()


def sort_key(text: str) -> tuple:
    """The collation key of ``text`` (leading punctuation and spaces ignored).

    Keys compare as tuples; an empty text sorts first, so callers that want
    untitled documents last say so in their own key.
    """
    s = " ".join(str(text or "").split())
    s = _LEADING.sub("", s) or s
    return tuple(_collator().sort_key(s))
