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


def low_confidence(doc_meta: dict[str, Any], threshold: float = LOW_CONFIDENCE) -> list[tuple[str, Any, float, str]]:
    """``(field, value, confidence, source)`` of a document's derived values
    that staff should check, least sure first."""
    conf = doc_meta.get("confidence") or {}
    sources = doc_meta.get("sources") or {}
    out = []
    for name, c in conf.items():
        if c < threshold and sources.get(name) != "catalog":
            out.append((name, doc_meta.get(name), c, sources.get(name, "")))
    return sorted(out, key=lambda t: (t[2], t[0]))
