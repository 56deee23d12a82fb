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

__all__ = ["Facet", "FACETS", "FILTER_FACETS", "facet_for_alias", "short_forms"]


class Facet:
    """One facet: a name, where its values come from, how they are shown."""

    name: str = ""
    label: str = ""
    #: The document metadata key the values come from.
    key: str = ""
    #: The index field holding the values on a document's header record
    #: ("" for none: the facet is counted from the stored metadata alone, so
    #: adding it needs no new index field and no rebuild).
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

    def short_forms(self, value: str) -> set[str]:
        """Well-known short forms of a value, folded, that a query may use
        instead of the whole label: ``DIW`` for "DIW Berlin", ``ICAP`` for
        "International Carbon Action Partnership" (see :func:`short_forms`)."""
        return short_forms(self.value_label(value))

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


class AuthorFacet(Facet):
    """People and organisations named as authors (working papers, reports).

    No query alias: ``author:`` stays a word search in author names (which
    finds "Smith" in "John Smith"); the facet is ticked, or chosen with
    ``?author=`` and ``--author``.
    """

    name, label, key, field, multi = "author", "Author", "authors", "", True
    cli_help = "Only documents by these authors (as the Author facet lists them)."


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


#: Words left out of an acronym ("Institute for Climate Economics" → ICE).
_MINOR_WORDS = frozenset("of for and the de des du la le et für und der die das on in to a an".split())


def short_forms(label: str) -> set[str]:
    """Short forms of a label, case-folded: the part before a parenthesis
    ("Bundesgesetzblatt" of "Bundesgesetzblatt (Germany)") and the
    abbreviation inside one ("ICAP" of "… Partnership (ICAP)"), a leading
    upper-case word ("DIW" of "DIW Berlin", "RGGI" of "RGGI, Inc."), and
    the initials of three or more capitalised words (ICAP of "International
    Carbon Action Partnership"; two give too many false friends)."""
    import re

    out: set[str] = set()
    text = " ".join(label.split())
    if not text:
        return out
    head, _, rest = text.partition(" (")
    if rest:
        out.add(head.strip())
        inner = rest.rstrip(")").strip()
        if re.fullmatch(r"[A-Z][A-Za-z0-9&.-]{1,11}", inner) and sum(c.isupper() for c in inner) >= 2:
            out.add(inner)  # an abbreviation, not "(Germany)"
    first = re.split(r"[\s,]+", text, maxsplit=1)[0]
    if len(first) >= 2 and first.isupper() and first != text:
        out.add(first)
    words = [w for w in re.findall(r"[^\W\d_]+", head) if w.casefold() not in _MINOR_WORDS]
    if len(words) >= 3 and all(w[0].isupper() for w in words):
        out.add("".join(w[0] for w in words))
    return {s.casefold() for s in out if len(s) >= 2 and s != text}


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
        AuthorFacet(),
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
