"""Pure URL helpers: a page's state is its query string.

State is a list of ``(name, value)`` pairs in a stable order, so the same
search always gives the same URL (bookmarkable, cacheable). None of these
functions touches Flask; they are tested with tables.
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import urlencode

Pairs = list[tuple[str, str]]


def clean(pairs: Iterable[tuple[str, str]]) -> Pairs:
    """Drop empty values and exact duplicates, keeping the first occurrence."""
    seen: set[tuple[str, str]] = set()
    out: Pairs = []
    for k, v in pairs:
        v = "" if v is None else str(v)
        if not v.strip() or (k, v) in seen:
            continue
        seen.add((k, v))
        out.append((k, v))
    return out


def with_added(pairs: Pairs, name: str, value: str) -> Pairs:
    """``pairs`` plus ``name=value`` (after the last ``name``, else at the end)."""
    if (name, value) in pairs:
        return list(pairs)
    last = max((i for i, (k, _) in enumerate(pairs) if k == name), default=None)
    out = list(pairs)
    out.insert(len(out) if last is None else last + 1, (name, value))
    return out


def with_removed(pairs: Pairs, name: str, value: str | None = None) -> Pairs:
    """``pairs`` without ``name=value`` (without every ``name`` if value is None)."""
    return [(k, v) for k, v in pairs if not (k == name and (value is None or v == value))]


def with_replaced(pairs: Pairs, name: str, value: str | None) -> Pairs:
    """``pairs`` with the single value ``name=value`` where ``name`` was (None removes it)."""
    if value is None or value == "":
        return with_removed(pairs, name)
    out: Pairs = []
    placed = False
    for k, v in pairs:
        if k == name:
            if not placed:
                out.append((name, value))
                placed = True
            continue
        out.append((k, v))
    if not placed:
        out.append((name, value))
    return out


def toggled(pairs: Pairs, name: str, value: str) -> Pairs:
    """Remove ``name=value`` if present, else add it."""
    if (name, value) in pairs:
        return with_removed(pairs, name, value)
    return with_added(pairs, name, value)


def without(pairs: Pairs, names: Iterable[str]) -> Pairs:
    """``pairs`` without any of ``names``."""
    drop = set(names)
    return [(k, v) for k, v in pairs if k not in drop]


def only(pairs: Pairs, names: Iterable[str]) -> Pairs:
    """Just the pairs named in ``names``."""
    keep = set(names)
    return [(k, v) for k, v in pairs if k in keep]


def query_string(pairs: Pairs) -> str:
    """``?a=1&b=2``, or ``""`` when there is nothing to say."""
    return "?" + urlencode(pairs) if pairs else ""


def url(path: str, pairs: Pairs) -> str:
    """``path`` with ``pairs`` as its query string."""
    return path + query_string(pairs)


def page_window(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and ``radius`` around ``page``; None is a gap.

    >>> page_window(6, 12)
    [1, None, 4, 5, 6, 7, 8, None, 12]
    """
    if pages <= 1:
        return [1]
    keep = {1, pages} | {p for p in range(page - radius, page + radius + 1) if 1 <= p <= pages}
    out: list[int | None] = []
    prev = 0
    for p in sorted(keep):
        if p - prev == 2:
            out.append(p - 1)  # a gap of one page: show the page, not "…"
        elif p - prev > 2:
            out.append(None)
        out.append(p)
        prev = p
    return out
