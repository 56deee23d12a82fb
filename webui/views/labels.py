"""Display names of facet values and the facts line of a document."""

from __future__ import annotations

from typing import Any, Iterable

from search.vocab.facets import FACETS


def label_of(facet: str, value: str) -> str:
    f = FACETS.get(facet)
    return f.value_label(value) if f else value


def labels_of(facet: str, values: Iterable[str] | None) -> list[str]:
    return [label_of(facet, v) for v in values or []]


def hit_facts(meta: dict[str, Any]) -> list[str]:
    """The short facts line of a result: year · jurisdictions · type · publisher · pages · language."""
    out: list[str] = []
    if meta.get("year"):
        out.append(str(meta["year"]))
    if meta.get("jurisdictions"):
        out.append(", ".join(labels_of("jurisdiction", meta["jurisdictions"])))
    if meta.get("type"):
        out.append(label_of("type", meta["type"]))
    if meta.get("publisher"):
        out.append(str(meta["publisher"]))
    n = meta.get("page_count")
    if n:
        unit = ("page" if n == 1 else "pages") if meta.get("paged", True) else ("part" if n == 1 else "parts")
        out.append(f"{n} {unit}")
    if meta.get("language"):
        out.append(label_of("language", meta["language"]))
    return out
