"""Facets as first-class objects, counted over document masks with numpy.

Each facet turns the per-document metadata of an index generation into a
column (codes for single-valued facets, CSR lists for multi-valued ones)
once, then answers two questions per search: which documents carry any of
the chosen values (a mask), and how many matching documents carry each
value (a count). The facets themselves are declared in
:mod:`search.vocab.facets`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..model import FacetValue
from ..vocab.facets import FACETS, Facet
from .families import Families, FamilyValues

if TYPE_CHECKING:
    from .plan import Plan


@dataclass
class Column:
    """One facet's values over the document rows of a snapshot."""

    vocab: list[str]  # code → value
    index: dict[str, int]  # value → code
    codes: np.ndarray  # single-valued: int32 code per row (-1 none); multi: flat codes
    rows: np.ndarray | None = None  # multi-valued: row of each flat code
    #: value → (label, group), filled on first use: a snapshot's columns
    #: are rebuilt when the index changes, so labels never outlive the data.
    described: dict[str, tuple[str, str | None]] = field(default_factory=dict)

    #: The values of documents in families of several members, set by
    #: :meth:`bind_families` (None: no such documents).
    versions: FamilyValues | None = None

    def counts(self, mask: np.ndarray, families: Families | None = None) -> np.ndarray:
        """Documents in ``mask`` per value; with ``families``, families
        (a family counts once for a value any of its members in ``mask`` has)."""
        if self.rows is None:
            sel = self.codes[mask]
            sel = sel[sel >= 0]
        else:
            sel = self.codes[mask[self.rows]]
        counts = np.bincount(sel, minlength=len(self.vocab))
        if families is None or self.versions is None:
            return counts
        return self.versions.distinct(mask, counts)

    def bind_families(self, families: Families) -> None:
        """Precompute what counting families needs: the values of the
        documents in families of several members."""
        if not families.any_versions:
            self.versions = None
            return
        if self.rows is None:
            rows = np.flatnonzero(families.multi & (self.codes >= 0))
            codes = self.codes[rows]
        else:
            keep = families.multi[self.rows]
            rows, codes = self.rows[keep], self.codes[keep]
        self.versions = FamilyValues.of(rows, codes, families, len(self.vocab)) if len(rows) else None

    def mask(self, values: Sequence[str], n_docs: int) -> np.ndarray:
        wanted = [self.index[v] for v in values if v in self.index]
        out = np.zeros(n_docs, dtype=bool)
        if not wanted:
            return out
        if self.rows is None:
            return np.isin(self.codes, wanted)
        out[self.rows[np.isin(self.codes, wanted)]] = True
        return out


def build_column(facet: Facet, infos: list[dict[str, Any]]) -> Column:
    """The facet's column over the document rows of a snapshot."""
    index: dict[str, int] = {}
    vocab: list[str] = []

    def code(v: str) -> int:
        c = index.get(v)
        if c is None:
            c = index[v] = len(vocab)
            vocab.append(v)
        return c

    if not facet.multi:
        codes = np.full(len(infos), -1, dtype=np.int32)
        for i, info in enumerate(infos):
            vals = facet.values_of(info)
            if vals:
                codes[i] = code(vals[0])
        return Column(vocab, index, codes)
    flat: list[int] = []
    rows: list[int] = []
    for i, info in enumerate(infos):
        for v in dict.fromkeys(facet.values_of(info)):
            flat.append(code(v))
            rows.append(i)
    return Column(vocab, index, np.array(flat, dtype=np.int32), np.array(rows, dtype=np.int32))


def facet_results(facet: Facet, column: Column, counts: np.ndarray, selected: Sequence[str], limit: int | None) -> list[FacetValue]:
    """Values with a count, best first; chosen values always included."""
    chosen = set(selected)
    nonzero = np.flatnonzero(counts)
    items = list(zip([column.vocab[c] for c in nonzero.tolist()], counts[nonzero].tolist()))
    present = {v for v, _ in items}
    items += [(v, 0) for v in chosen if v not in present]
    described = column.described
    for v, _ in items:
        if v not in described:
            described[v] = (facet.value_label(v), facet.value_group(v))
    if facet.by_count:
        items.sort(key=lambda vn: (-vn[1], described[vn[0]][0].casefold()))
    else:
        items.sort(key=lambda vn: vn[0], reverse=True)
    if limit is not None:
        head = items[:limit]
        head += [it for it in items[limit:] if it[0] in chosen]
        items = head
    return [FacetValue(v, n, described[v][0], v in chosen, described[v][1]) for v, n in items]


#: How a facet's values can be listed: the counting order, or A–Z.
VALUE_ORDERS = ("count", "az")


def narrow_values(values: Sequence[FacetValue], find: str = "", order: str = "count") -> list[FacetValue]:
    """A facet's values narrowed to those whose label or code contains
    ``find`` (chosen values always kept), in ``order``: as counted, or
    A–Z by Unicode collation."""
    from ..text.collation import sort_key
    from ..text.fold import fold

    needle = fold(" ".join(find.split()))
    out = [v for v in values if v.selected or not needle or needle in fold(v.label or v.value) or needle in fold(v.value)]
    if order == "az":
        out.sort(key=lambda v: sort_key(v.label or v.value))
    return out


def facet_counts(table: DocTable, plan: Plan, limit: int | None) -> dict[str, list[FacetValue]]:
    """Every facet's values over a plan's matches, ``limit`` a facet (chosen
    values always included).

    A facet's counts ignore its own selection, so that more values can be
    added: with ``jurisdiction=EU`` chosen, CN still shows how many it adds.
    They count families, as totals do, unless the request lists every version.
    """
    filters = plan.request.filters
    families = None if plan.request.all_versions else table.families
    # The facets counted over the matches themselves share one family correction.
    dup = table.all_versions.duplicates(plan.match) if families is not None and table.all_versions is not None else None
    out: dict[str, list[FacetValue]] = {}
    for name, facet in FACETS.items():
        column = table.columns[name]
        if name == "year":
            m = plan.scored.mask & table.filter_mask(filters, skip=name)
        elif name in filters:
            m = plan.scored.mask & table.filter_mask(filters, skip=name) & plan.year_mask
        else:
            counts = column.counts(plan.match)
            if dup is not None:
                start = table.value_offset[name]
                counts = counts - dup[start : start + len(counts)]
            out[name] = facet_results(facet, column, counts, filters.get(name, []), limit)
            continue
        out[name] = facet_results(facet, column, column.counts(m, families), filters.get(name, []), limit)
    return out


def resolve_value(facet: Facet, column: Column, value: str) -> str:
    """Match a typed value to the index's spelling (case, short forms, a
    unique prefix: see :mod:`.values`)."""
    from .values import match_value

    return match_value(facet, column, value).value


class DocTable:
    """Per-document arrays of one index generation: facets, sort keys and
    document families."""

    def __init__(self, infos: list[dict[str, Any]]):
        self.infos = infos
        self.n = len(infos)
        self.columns: dict[str, Column] = {name: build_column(f, infos) for name, f in FACETS.items()}
        # Stored values are read defensively: an index written before the
        # catalog was checked held a year of 3000000000, which broke every
        # search (OverflowError) until the catalog was fixed.
        self.year = np.array([_year(info) for info in infos], dtype=np.int32)
        dates = [_date_key(info) for info in infos]
        titles = [_title(info) for info in infos]
        # Newest first; undated documents last, then by title.
        self.order_newest = np.array(sorted(range(self.n), key=lambda i: (-dates[i], titles[i])), dtype=np.int32)
        self.order_oldest = np.array(sorted(range(self.n), key=lambda i: (dates[i] == 0, dates[i], titles[i])), dtype=np.int32)
        self.date_rank = np.empty(self.n, dtype=np.int32)
        self.date_rank[self.order_newest] = np.arange(self.n, dtype=np.int32)
        self.families = Families.of(infos)
        for column in self.columns.values():
            column.bind_families(self.families)
        # Every facet's values on documents with versions, side by side.
        self.value_offset: dict[str, int] = {}
        offset = 0
        for name, column in self.columns.items():
            self.value_offset[name] = offset
            offset += len(column.vocab)
        self.all_versions = FamilyValues.joined([(c.versions, len(c.vocab)) for c in self.columns.values()])

    @functools.cached_property
    def order_title(self) -> np.ndarray:
        """Rows by title A–Z in Unicode collation ("Verordnung über" before
        "Verordnung zur"); untitled documents last. Built on first use: only
        a title sort needs it."""
        from ..text.collation import sort_key

        titles = [str(info.get("title") or "") for info in self.infos]
        keys = [(not t, sort_key(t), t.casefold()) for t in titles]
        return np.array(sorted(range(self.n), key=lambda i: (keys[i], i)), dtype=np.int32)

    def filter_mask(self, filters: dict[str, list[str]], *, skip: str | None = None) -> np.ndarray:
        """Documents passing every facet filter (values OR-ed within a facet)."""
        mask = np.ones(self.n, dtype=bool)
        for name, values in filters.items():
            if name == skip or not values or name not in self.columns:
                continue
            mask &= self.columns[name].mask(values, self.n)
        return mask

    def year_mask(self, lo: int | None, hi: int | None) -> np.ndarray:
        mask = np.ones(self.n, dtype=bool)
        if lo is not None:
            mask &= self.year >= lo
        if hi is not None:
            mask &= (self.year <= hi) & (self.year > 0)
        if lo is not None:
            mask &= self.year > 0
        return mask


#: Years outside this range are read as unknown (0).
YEAR_RANGE = (1, 9999)


def _year(info: dict[str, Any]) -> int:
    """A stored year as an int within :data:`YEAR_RANGE`, else 0 (unknown)."""
    y = info.get("year")
    if isinstance(y, bool) or not isinstance(y, (int, float, str)):
        return 0
    try:
        y = int(y)
    except (ValueError, OverflowError):
        return 0
    return y if YEAR_RANGE[0] <= y <= YEAR_RANGE[1] else 0


def _title(info: dict[str, Any]) -> str:
    t = info.get("title")
    return (t if isinstance(t, str) else "" if t is None else str(t)).casefold()


def _date_key(info: dict[str, Any]) -> int:
    """yyyymmdd as an int (0 when unknown); a bare year counts as 1 January."""
    d = info.get("date")
    digits = "".join(ch for ch in d if ch.isdigit()) if isinstance(d, str) else ""
    if len(digits) >= 4 and YEAR_RANGE[0] <= int(digits[:4]) <= YEAR_RANGE[1]:
        return int((digits[:8] + "0101")[:8])
    y = _year(info)
    return y * 10000 + 101 if y else 0
