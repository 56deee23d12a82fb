"""Facet values as people type them: ``publisher:DIW``, ``type:work``.

A value typed in the query syntax or a hand-edited URL is matched to the
values the index holds, in this order: exactly; in the facet's own
spelling (``jurisdiction:eu`` → EU, ``lang:German`` → de); ignoring case,
against the value or its label; by a well-known short form of the label
(``DIW`` → "DIW Berlin", ``ICAP``; see :meth:`Facet.short_forms`); and by
a unique prefix of the label (``publisher:Bundes`` → "Bundesgesetzblatt
(Germany)"). The last two say which value was chosen; a prefix or short
form that fits several values stands for all of them (as ``Euro*`` would)
and names them, and a value that fits nothing says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..vocab.facets import FACETS, Facet
from .parse import And, Filter, Node, Not, Or

if TYPE_CHECKING:
    from .facets import Column, DocTable

#: A shorter prefix is too likely to be a mistake than a choice.
MIN_PREFIX = 2
#: Candidates named in the note about an ambiguous value.
NAMED = 5


@dataclass
class ValueMatch:
    value: str  # as the index spells it (the typed value, normalised, when nothing fits)
    note: str | None = None  # what was chosen, or why nothing was
    candidates: list[str] = field(default_factory=list)  # the values an ambiguous value stands for
    found: bool = True

    @property
    def values(self) -> list[str]:
        """The values to filter by: the candidates of an ambiguous value, else the one."""
        return self.candidates or [self.value]


def match_value(facet: Facet, column: Column, typed: str) -> ValueMatch:
    """The value of ``facet`` that ``typed`` stands for (see the module docstring)."""
    raw = typed.strip()
    if raw in column.index:
        return ValueMatch(raw)
    v = facet.normalize(raw)
    if v in column.index:
        return ValueMatch(v)
    low = raw.casefold()
    if not low:
        return ValueMatch(v, found=False)
    labels = {known: facet.value_label(known) for known in column.vocab}
    for known, label in labels.items():
        if known.casefold() == low or label.casefold() == low:
            return ValueMatch(known)
    short = [k for k in column.vocab if low in facet.short_forms(k)]
    if len(short) == 1:
        return ValueMatch(short[0], _chosen(facet, raw, labels[short[0]]))
    if len(short) > 1:
        return _ambiguous(facet, raw, v, short, labels)
    if len(low) >= MIN_PREFIX:
        prefixed = [k for k, label in labels.items() if label.casefold().startswith(low) or k.casefold().startswith(low)]
        if not prefixed:
            # A word of the label: publisher:Berlin → "DIW Berlin".
            prefixed = [k for k, label in labels.items() if any(w.startswith(low) for w in label.casefold().split())]
        if len(prefixed) == 1:
            return ValueMatch(prefixed[0], _chosen(facet, raw, labels[prefixed[0]]))
        if len(prefixed) > 1:
            return _ambiguous(facet, raw, v, prefixed, labels)
    return ValueMatch(v, f"No {facet.label.lower()} “{raw}” in the library.", found=False)


def _chosen(facet: Facet, typed: str, label: str) -> str:
    return f"{facet.name}:{_quoted(typed)} was read as {facet.label.lower()} “{label}”."


def _ambiguous(facet: Facet, typed: str, v: str, keys: list[str], labels: dict[str, str]) -> ValueMatch:
    names = sorted(labels[k] for k in keys)
    shown = ", ".join(f"“{n}”" for n in names[:NAMED])
    more = f" and {len(names) - NAMED} more" if len(names) > NAMED else ""
    note = (
        f"{facet.name}:{_quoted(typed)} fits {len(names)} {facet.label.lower()} values ({shown}{more}): "
        f"documents with any of them are shown. Type more of the name to choose one."
    )
    return ValueMatch(v, note, sorted(keys, key=lambda k: labels[k]))


def _quoted(s: str) -> str:
    return f'"{s}"' if " " in s else s


def resolve_filters(filters: dict[str, list[str]], table: DocTable) -> tuple[dict[str, list[str]], list[str]]:
    """URL filters: known facets only, values as the index spells them,
    without repeats; and the notes on values that were read (see :func:`match_value`)."""
    out: dict[str, list[str]] = {}
    notes: list[str] = []
    for name, values in filters.items():
        facet = FACETS.get(name)
        if facet is None or name not in table.columns:
            continue
        vals: list[str] = []
        for typed in values:
            if not typed:
                continue
            m = match_value(facet, table.columns[name], typed)
            vals += m.values
            if m.note:
                notes.append(m.note)
        if vals:
            out[name] = list(dict.fromkeys(vals))
    return out, notes


def resolve_nodes(node: Node, table: DocTable) -> tuple[Node, list[str]]:
    """The query tree with each ``facet:value`` as the index spells it (an
    ambiguous one as the OR of its candidates), and notes on what was read."""
    notes: list[str] = []

    def walk(n: Node) -> Node:
        if isinstance(n, Filter):
            facet = FACETS.get(n.facet)
            if facet is None or n.facet not in table.columns:
                return n
            m = match_value(facet, table.columns[n.facet], n.value)
            if m.note:
                notes.append(m.note)
            if len(m.values) > 1:
                return Or(tuple(Filter(n.facet, v) for v in m.values))
            return Filter(n.facet, m.value)
        if isinstance(n, And):
            return And(tuple(walk(c) for c in n.children), implicit=n.implicit)
        if isinstance(n, Or):
            return Or(tuple(walk(c) for c in n.children), synonyms=n.synonyms, weights=n.weights)
        if isinstance(n, Not):
            return Not(walk(n.child))
        return n

    return walk(node), list(dict.fromkeys(notes))
