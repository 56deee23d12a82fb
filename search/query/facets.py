"""Facets as first-class objects, counted over document masks with numpy.

Each facet turns the per-document metadata of an index generation into a
column (codes for single-valued facets, CSR lists for multi-valued ones)
once, then answers two questions per search: which documents carry any of
the chosen values (a mask), and how many matching documents carry each
value (a count). A new facet is a new subclass in :data:`FACETS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..model import FacetValue


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

    def counts(self, mask: np.ndarray) -> np.ndarray:
        if self.rows is None:
            sel = self.codes[mask]
            sel = sel[sel >= 0]
        else:
            sel = self.codes[mask[self.rows]]
        return np.bincount(sel, minlength=len(self.vocab))

    def mask(self, values: Sequence[str], n_docs: int) -> np.ndarray:
        wanted = [self.index[v] for v in values if v in self.index]
        out = np.zeros(n_docs, dtype=bool)
        if not wanted:
            return out
        if self.rows is None:
            return np.isin(self.codes, wanted)
        out[self.rows[np.isin(self.codes, wanted)]] = True
        return out


class Facet:
    """A facet: a name, how to read its values, how to label them."""

    name: str = ""
    label: str = ""
    multi: bool = False
    #: Values are sorted by count (True) or by value (False, e.g. years).
    by_count: bool = True

    def values_of(self, info: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    def value_label(self, value: str) -> str:
        return value

    def value_group(self, value: str) -> str | None:
        return None

    def normalize(self, value: str) -> str:
        """A user-typed value (``jurisdiction:eu``) in the facet's own spelling."""
        return value

    def build(self, infos: list[dict[str, Any]]) -> Column:
        index: dict[str, int] = {}
        vocab: list[str] = []

        def code(v: str) -> int:
            c = index.get(v)
            if c is None:
                c = index[v] = len(vocab)
                vocab.append(v)
            return c

        if not self.multi:
            codes = np.full(len(infos), -1, dtype=np.int32)
            for i, info in enumerate(infos):
                vals = self.values_of(info)
                if vals:
                    codes[i] = code(vals[0])
            return Column(vocab, index, codes)
        flat: list[int] = []
        rows: list[int] = []
        for i, info in enumerate(infos):
            for v in dict.fromkeys(self.values_of(info)):
                flat.append(code(v))
                rows.append(i)
        return Column(vocab, index, np.array(flat, dtype=np.int32), np.array(rows, dtype=np.int32))

    def results(self, column: Column, counts: np.ndarray, selected: Sequence[str], limit: int | None) -> list[FacetValue]:
        """Values with a count, best first; chosen values always included."""
        chosen = set(selected)
        nonzero = np.flatnonzero(counts)
        items = list(zip([column.vocab[c] for c in nonzero.tolist()], counts[nonzero].tolist()))
        present = {v for v, _ in items}
        items += [(v, 0) for v in chosen if v not in present]
        described = column.described
        for v, _ in items:
            if v not in described:
                described[v] = (self.value_label(v), self.value_group(v))
        if self.by_count:
            items.sort(key=lambda vn: (-vn[1], described[vn[0]][0].casefold()))
        else:
            items.sort(key=lambda vn: vn[0], reverse=True)
        if limit is not None:
            head = items[:limit]
            head += [it for it in items[limit:] if it[0] in chosen]
            items = head
        return [FacetValue(v, n, described[v][0], v in chosen, described[v][1]) for v, n in items]


class JurisdictionFacet(Facet):
    name, label, multi = "jurisdiction", "Jurisdiction", True

    def values_of(self, info):
        return info.get("jurisdictions") or []

    def value_label(self, value):
        j = _registry().get(value)
        return j.name if j else value

    def value_group(self, value):
        return _registry().region_of(value) or None

    def normalize(self, value):
        return _registry().resolve(value) or value


class YearFacet(Facet):
    name, label, by_count = "year", "Year", False

    def values_of(self, info):
        y = info.get("year")
        return [str(y)] if y else []


class TypeFacet(Facet):
    name, label = "type", "Document type"

    def values_of(self, info):
        t = info.get("type")
        return [t] if t else []

    def value_label(self, value):
        from ..vocab.classify import type_label

        return type_label(value)

    def normalize(self, value):
        v = value.strip().lower().replace("_", " ").replace("-", " ")
        return {"handbook": "guide", "workingpaper": "working paper", "law": "legislation"}.get(v, v)


class PublisherFacet(Facet):
    name, label = "publisher", "Publisher"

    def values_of(self, info):
        p = info.get("publisher")
        return [p] if p else []


class TopicFacet(Facet):
    name, label, multi = "topic", "Topic", True

    def values_of(self, info):
        return info.get("topics") or []

    def value_label(self, value):
        from ..vocab.classify import topic_label

        return topic_label(value)


class LanguageFacet(Facet):
    name, label = "language", "Language"

    def values_of(self, info):
        lang = info.get("language")
        return [lang] if lang else []

    def value_label(self, value):
        from ..vocab.languages import name_of

        return name_of(value)

    def normalize(self, value):
        from ..vocab.languages import code_of

        return code_of(value)


def _registry():
    from ..vocab.jurisdictions import load

    return load()


#: The facets, in sidebar order.
FACETS: dict[str, Facet] = {
    f.name: f
    for f in (
        JurisdictionFacet(),
        YearFacet(),
        TypeFacet(),
        PublisherFacet(),
        TopicFacet(),
        LanguageFacet(),
    )
}


def resolve_value(facet: Facet, column: Column, value: str) -> str:
    """Match a typed value to the index's spelling (case-insensitively)."""
    if value in column.index:
        return value
    v = facet.normalize(value)
    if v in column.index:
        return v
    low = value.casefold()
    for known in column.vocab:
        if known.casefold() == low or facet.value_label(known).casefold() == low:
            return known
    return v


class DocTable:
    """Per-document arrays of one index generation: facets and sort keys."""

    def __init__(self, infos: list[dict[str, Any]]):
        self.infos = infos
        self.n = len(infos)
        self.columns: dict[str, Column] = {name: f.build(infos) for name, f in FACETS.items()}
        self.year = np.array([info.get("year") or 0 for info in infos], dtype=np.int32)
        dates = [_date_key(info) for info in infos]
        # Newest first; undated documents last, then by title.
        self.order_newest = np.array(
            sorted(range(self.n), key=lambda i: (-dates[i], infos[i].get("title", "").casefold())),
            dtype=np.int32,
        )
        self.order_oldest = np.array(
            sorted(range(self.n), key=lambda i: (dates[i] == 0, dates[i], infos[i].get("title", "").casefold())),
            dtype=np.int32,
        )
        self.order_title = np.array(
            sorted(range(self.n), key=lambda i: (infos[i].get("title", "") or "\uffff").casefold()),
            dtype=np.int32,
        )
        self.date_rank = np.empty(self.n, dtype=np.int32)
        self.date_rank[self.order_newest] = np.arange(self.n, dtype=np.int32)

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


def _date_key(info: dict[str, Any]) -> int:
    """yyyymmdd as an int (0 when unknown); a bare year counts as 1 January."""
    d = str(info.get("date") or "")
    y = info.get("year")
    digits = "".join(ch for ch in d if ch.isdigit())
    if len(digits) >= 4:
        digits = (digits + "0101")[:8]
        return int(digits)
    return int(f"{y}0101") if y else 0


def counts_for(table: DocTable, mask_for: Callable[[str | None], np.ndarray]) -> dict[str, np.ndarray]:
    """Counts of every facet, each over the mask that ignores its own filter."""
    return {name: table.columns[name].counts(mask_for(name)) for name in FACETS}
