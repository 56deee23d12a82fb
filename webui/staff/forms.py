"""The metadata form shared by upload and edit: one field per editable
catalog field, its current value, where that value came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from search.ingest.staffcatalog import EDITABLE, StaffEntry, changed_fields as changes  # noqa: F401 (the forms' rule)
from search.model import DOC_TYPES

from ..views.document import SOURCE_LABELS

LABELS = {
    "title": "Title",
    "authors": "Authors",
    "publisher": "Publisher",
    "year": "Year",
    "date": "Date",
    "jurisdictions": "Jurisdictions",
    "type": "Type",
    "topics": "Topics",
    "language": "Language",
    "keywords": "Keywords",
    "description": "Description",
    "url": "Source URL",
    "identifiers": "Identifiers",
}
HINTS = {
    "authors": "separate with ;",
    "jurisdictions": "codes or names, separated by ; (EU; DE; CN-GD)",
    "topics": "separate with ;",
    "keywords": "separate with ;",
    "date": "YYYY, YYYY-MM or YYYY-MM-DD",
    "language": "a language code: en, de, zh…",
    "identifiers": "scheme=value pairs separated by ; (celex=32023L0959; doi=10.2775/…)",
}
LIST_FIELDS = {"authors", "jurisdictions", "topics", "keywords"}


@dataclass
class FieldView:
    name: str
    label: str
    value: str  # as the input shows it
    source: str | None  # where the current value came from, for people
    staff: bool  # set in the staff catalog (can be reverted)
    kind: str  # "text", "number", "select", "textarea"
    options: tuple[str, ...] = ()
    hint: str = ""


def as_input(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):  # identifiers: scheme=value pairs, as the catalog's CSV writes them
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def source_label(name: str, sources: Mapping[str, str], entry: StaffEntry | None) -> str | None:
    if entry is not None and name in entry.fields:
        how = "staff" if entry.origin == "staff" else f"bulk {entry.origin}"
        return f"{how} ({entry.by}, {entry.at[:10]})"
    src = sources.get(name)
    return SOURCE_LABELS.get(src, src) if src else None


def fields_view(values: Mapping[str, Any], sources: Mapping[str, str], entry: StaffEntry | None = None) -> list[FieldView]:
    out = []
    for name in EDITABLE:
        kind = "textarea" if name == "description" else "number" if name == "year" else "select" if name == "type" else "text"
        out.append(
            FieldView(
                name,
                LABELS.get(name, name.capitalize()),
                as_input(values.get(name)),
                source_label(name, sources, entry),
                entry is not None and name in entry.fields,
                kind,
                ("",) + DOC_TYPES if name == "type" else (),
                HINTS.get(name, ""),
            )
        )
    return out


def read_form(form: Mapping[str, str], prefix: str = "") -> dict[str, str]:
    """The submitted field values, as typed (checked later as catalog values)."""
    return {name: (form.get(prefix + name) or "").strip() for name in EDITABLE}

