"""The facets, declared once.

Each facet says what it is called (label), which document metadata it reads,
the index field that holds its values, the names it answers to in the query
syntax (``jurisdiction:EU``, ``lang:de``), its command-line option and URL
parameter, and how its values are labelled and grouped. The index writer,
the query parser and evaluator, the command line, the web pages and the
exports all read :data:`FACETS`; none of them lists facets of its own.

Counting and filtering (numpy, per index generation) live in
:mod:`search.query.facets`.
"""

from __future__ import annotations

from typing import Any, Mapping

__all__ = ["Facet", "FACETS", "FILTER_FACETS", "facet_for_alias"]


class Facet:
    """One facet: a name, where its values come from, how they are shown."""

    name: str = ""
    label: str = ""
    #: The document metadata key the values come from.
    key: str = ""
    #: The index field holding the values on a document's header record.
    field: str = ""
    #: Names in the query syntax (``field:value``), the facet's name first.
    aliases: tuple[str, ...] = ()
    #: Several values per document (jurisdictions, topics) or one.
    multi: bool = False
    #: Values are listed by count (True) or by value, newest first (False: years).
    by_count: bool = True
    #: Chosen by ticking values (``?jurisdiction=EU``); years use a range instead.
    ticked: bool = True
    #: The ``etslib search`` option's help, or "" for none.
    cli_help: str = ""

    def values_of(self, info: Mapping[str, Any]) -> list[str]:
        """The facet's values in a document's metadata."""
        v = info.get(self.key)
        if self.multi:
            return [str(x) for x in v or []]
        return [str(v)] if v not in (None, "", 0) else []

    def value_label(self, value: str) -> str:
        return value

    def value_group(self, value: str) -> str | None:
        return None

    def normalize(self, value: str) -> str:
        """A user-typed value (``jurisdiction:eu``) in the facet's own spelling."""
        return value

    def __repr__(self) -> str:
        return f"<Facet {self.name}>"


class JurisdictionFacet(Facet):
    name, label, key, field, multi = "jurisdiction", "Jurisdiction", "jurisdictions", "f_jur", True
    aliases = ("jurisdiction", "jurisdictions", "jur", "country")
    cli_help = "Only these jurisdictions (id or name; repeat for OR)."

    def value_label(self, value: str) -> str:
        j = _jurisdictions().get(value)
        return j.name if j else value

    def value_group(self, value: str) -> str | None:
        return _jurisdictions().region_of(value) or None

    def normalize(self, value: str) -> str:
        return _jurisdictions().resolve(value) or value


class YearFacet(Facet):
    name, label, key, field, by_count, ticked = "year", "Year", "year", "f_year", False, False
    aliases = ("year",)


class TypeFacet(Facet):
    name, label, key, field = "type", "Document type", "type", "f_type"
    aliases = ("type", "doctype")
    cli_help = "Only these document types."

    def value_label(self, value: str) -> str:
        from .classify import type_label

        return type_label(value)

    def normalize(self, value: str) -> str:
        v = value.strip().lower().replace("_", " ").replace("-", " ")
        return {"handbook": "guide", "workingpaper": "working paper", "law": "legislation"}.get(v, v)


class PublisherFacet(Facet):
    name, label, key, field = "publisher", "Publisher", "publisher", "f_pub"
    aliases = ("publisher",)
    cli_help = "Only these publishers."


class TopicFacet(Facet):
    name, label, key, field, multi = "topic", "Topic", "topics", "f_topic", True
    aliases = ("topic", "topics")
    cli_help = "Only these topics."

    def value_label(self, value: str) -> str:
        from .classify import topic_label

        return topic_label(value)


class LanguageFacet(Facet):
    name, label, key, field = "language", "Language", "language", "f_lang"
    aliases = ("language", "lang")
    cli_help = "Only these languages (ISO code or English name)."

    def value_label(self, value: str) -> str:
        from .languages import name_of

        return name_of(value)

    def normalize(self, value: str) -> str:
        from .languages import code_of

        return code_of(value)


def _jurisdictions():
    from .jurisdictions import load

    return load()


#: Every facet, in sidebar order.
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

#: The facets chosen by ticking values (URL parameters, CLI options), in order.
FILTER_FACETS: tuple[str, ...] = tuple(name for name, f in FACETS.items() if f.ticked)

_BY_ALIAS = {alias: f for f in FACETS.values() for alias in f.aliases}


def facet_for_alias(name: str) -> Facet | None:
    """The facet a query field name (``jur``, ``lang``) stands for."""
    return _BY_ALIAS.get(name.lower())
