"""Document families at query time: a search lists a family once.

Ingest stores each document's family (:mod:`search.ingest.families`);
here a generation's families become arrays once (:class:`Families`), and
every request collapses with array work on them:

- a result list keeps each family's first member in the list's order
  (:meth:`Families.first_of_each`): by relevance the best-ranked version,
  by date the newest (or oldest), by title the first A–Z; the others are
  the hit's "versions";
- totals and facet counts count families (:meth:`Families.distinct`,
  :class:`FamilyValues`): a value counts a family when any of its
  matching versions has it;
- exports give each family's newest matching version
  (:meth:`Families.newest_matching`).

Documents alone in their family (nearly all) cost nothing: the work is
done over the rows of families with several members only, and skipped
when none of those match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: At the same date the typeset original comes first (as in ingest).
KIND_ORDER = {"pdf": 0, "html": 1, "text": 2}


def _date_key(info: dict[str, Any]) -> int:
    digits = "".join(ch for ch in str(info.get("date") or "") if ch.isdigit())
    if len(digits) >= 4:
        return int((digits + "0101")[:8])
    y = info.get("year")
    return int(f"{int(y)}0101") if y else 0


@dataclass
class Families:
    """The families of one generation's document rows."""

    code: np.ndarray  # int32 family code per row
    ids: list[str]  # family id per code
    size: np.ndarray  # members per family code
    multi: np.ndarray  # bool per row: its family has several members
    rank: np.ndarray  # int32 per row: 0 for its family's newest version, 1 the next…
    members_order: np.ndarray  # rows by family code, newest version first
    starts: np.ndarray  # family code -> first index in members_order (len = families + 1)

    @classmethod
    def of(cls, infos: list[dict[str, Any]]) -> Families:
        n = len(infos)
        index: dict[str, int] = {}
        ids: list[str] = []
        code = np.empty(n, dtype=np.int32)
        for row, info in enumerate(infos):
            fam = info.get("family") or info["id"]
            c = index.get(fam)
            if c is None:
                c = index[fam] = len(ids)
                ids.append(fam)
            code[row] = c
        size = np.bincount(code, minlength=len(ids)).astype(np.int32)
        dates = np.array([_date_key(info) for info in infos], dtype=np.int64)
        kinds = np.array([KIND_ORDER.get(str(info.get("kind") or ""), 3) for info in infos], dtype=np.int64)
        dn = np.array([int(info.get("dn", row)) for row, info in enumerate(infos)], dtype=np.int64)
        order = np.lexsort((dn, kinds, -dates, code)).astype(np.int32)
        starts = np.searchsorted(code[order], np.arange(len(ids) + 1)).astype(np.int32)
        rank = np.empty(n, dtype=np.int32)
        rank[order] = np.arange(n, dtype=np.int32) - starts[code[order]]
        return cls(code, ids, size, size[code] > 1, rank, order, starts)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def any_versions(self) -> bool:
        return bool(self.multi.any())

    def family_of(self, row: int) -> str:
        return self.ids[self.code[row]]

    def members(self, row: int) -> np.ndarray:
        """Every member of ``row``'s family, newest first (``row`` included)."""
        c = self.code[row]
        return self.members_order[self.starts[c] : self.starts[c + 1]]

    def distinct(self, mask: np.ndarray) -> int:
        """How many families have a member in ``mask``."""
        n = int(np.count_nonzero(mask))
        versions = mask & self.multi
        if versions.any():
            rows = np.flatnonzero(versions)
            n -= len(rows) - len(np.unique(self.code[rows]))
        return n

    def first_of_each(self, ordered: np.ndarray) -> np.ndarray:
        """``ordered`` (rows in result order) with only the first row of
        each family kept, in order."""
        if not len(ordered) or not self.multi[ordered].any():
            return ordered
        _, first = np.unique(self.code[ordered], return_index=True)
        return ordered[np.sort(first)]

    def best_of_each(self, rows: np.ndarray, scores: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
        """``rows`` with each family's best row only (highest ``scores``,
        then lowest ``tiebreak``), in their given order otherwise."""
        sel = self.multi[rows]
        if not sel.any():
            return rows
        grouped = rows[sel]
        order = np.lexsort((tiebreak[grouped], -scores[grouped], self.code[grouped]))
        grouped = grouped[order]
        firsts = np.flatnonzero(np.diff(self.code[grouped], prepend=-1) != 0)
        keep = np.zeros(len(scores), dtype=bool)
        keep[rows[~sel]] = True
        keep[grouped[firsts]] = True
        return rows[keep[rows]]

    def newest_matching(self, rows: np.ndarray, match: np.ndarray) -> np.ndarray:
        """Each of ``rows`` replaced by its family's newest member within ``match``."""
        sel = self.multi[rows]
        if not sel.any():
            return rows
        cand = np.flatnonzero(match & self.multi)
        order = np.lexsort((self.rank[cand], self.code[cand]))
        cand = cand[order]
        firsts = cand[np.flatnonzero(np.diff(self.code[cand], prepend=-1) != 0)]
        newest = np.full(self.count, -1, dtype=np.int64)
        newest[self.code[firsts]] = firsts
        out = rows.astype(np.int64).copy()
        out[sel] = newest[self.code[rows[sel]]]
        return out.astype(rows.dtype)


@dataclass
class FamilyValues:
    """One facet's values on the documents of families with several
    members, precomputed per generation so that a request turns document
    counts into family counts with two ``bincount`` calls: each (family,
    value) pair is numbered once, and a value's duplicates are its
    documents in the mask less its pairs present."""

    rows: np.ndarray  # document row of each entry
    codes: np.ndarray  # value code of each entry
    pair: np.ndarray  # (family, value) pair number of each entry
    pair_code: np.ndarray  # value code of each pair
    width: int  # value codes

    @classmethod
    def of(cls, rows: np.ndarray, codes: np.ndarray, families: Families, width: int) -> FamilyValues:
        keys = families.code[rows].astype(np.int64) * max(width, 1) + codes
        uniq, pair = np.unique(keys, return_inverse=True)
        return cls(rows, codes, pair.astype(np.int64), (uniq % max(width, 1)).astype(np.int64), width)

    def duplicates(self, mask: np.ndarray) -> np.ndarray | None:
        """Per value, documents in ``mask`` beyond the first of their family
        (None when no document with versions is in ``mask``)."""
        sel = mask[self.rows]
        if not sel.any():
            return None
        present = np.bincount(self.pair[sel], minlength=len(self.pair_code)) > 0
        return np.bincount(self.codes[sel], minlength=self.width) - np.bincount(self.pair_code[present], minlength=self.width)

    def distinct(self, mask: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """``counts`` (documents in ``mask`` per value) as families per value."""
        dup = self.duplicates(mask)
        return counts if dup is None else counts - dup[: len(counts)]

    @classmethod
    def joined(cls, parts: list[tuple[FamilyValues | None, int]]) -> FamilyValues | None:
        """Several facets' values as one, each facet's codes shifted past
        the previous facets' (``parts``: values and width of each facet), so
        one call counts every facet that shares a mask."""
        rows, codes, pair, pair_code = [], [], [], []
        offset = pairs = 0
        for part, width in parts:
            if part is not None:
                rows.append(part.rows)
                codes.append(part.codes + offset)
                pair.append(part.pair + pairs)
                pair_code.append(part.pair_code + offset)
                pairs += len(part.pair_code)
            offset += width
        if not rows:
            return None
        return cls(np.concatenate(rows), np.concatenate(codes), np.concatenate(pair), np.concatenate(pair_code), offset)
