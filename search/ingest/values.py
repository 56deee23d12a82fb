"""A derived metadata value with where it came from and how sure we are.

Every rule that derives a field returns a :class:`Found`, so the document
records each field's provenance (``sources``) and confidence
(``confidence``), and values below :data:`LOW_CONFIDENCE` are listed for
staff to check (``etslib stats``, the ingest report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Values less sure than this are listed for staff review.
LOW_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Found:
    """``value`` read from ``source`` (e.g. "byline", "imprint", "pdf-metadata",
    "filename") with ``confidence`` from 0 to 1."""

    value: Any
    source: str
    confidence: float


#: Fields a citation needs: when no rule finds one, staff are told too.
EXPECTED = ("title", "year", "publisher", "jurisdictions")


def low_confidence(doc_meta: dict[str, Any], threshold: float = LOW_CONFIDENCE) -> list[tuple[str, Any, float, str]]:
    """``(field, value, confidence, source)`` of a document's derived values
    that staff should check, least sure first: values below ``threshold``
    and expected fields no rule could fill (confidence 0, source "none")."""
    conf = doc_meta.get("confidence") or {}
    sources = doc_meta.get("sources") or {}
    out = []
    for name, c in conf.items():
        if c < threshold and sources.get(name) != "catalog":
            out.append((name, doc_meta.get(name), c, sources.get(name, "")))
    for name in EXPECTED:
        if doc_meta.get(name) in (None, "", []) and name not in conf and sources.get(name) != "catalog":
            out.append((name, doc_meta.get(name), 0.0, "none"))
    return sorted(out, key=lambda t: (t[2], t[0]))


def review_entries(doc_meta: dict[str, Any], threshold: float = LOW_CONFIDENCE) -> list[dict[str, Any]]:
    """:func:`low_confidence` as the JSON rows of the ingest report and
    ``etslib stats``: one per value to check, naming the document."""
    return [
        {"id": doc_meta.get("id"), "path": doc_meta.get("path"), "field": name, "value": value,
         "confidence": round(c, 2), "source": source}
        for name, value, c, source in low_confidence(doc_meta, threshold)
    ]
