"""Plain data passed between the stages: files → extraction → documents → index.

Nothing here does I/O; every stage takes and returns these dataclasses so a
stage can be tested on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Fields a catalog entry may set, in display order.
METADATA_FIELDS = (
    "id",
    "title",
    "authors",
    "publisher",
    "year",
    "date",
    "jurisdictions",
    "type",
    "topics",
    "language",
    "url",
    "description",
    "identifiers",
    # Document families (search.ingest.families): a family name shared by
    # the versions of one work, the document this one is a version of, and
    # documents that are never the same work as this one.
    "family",
    "version_of",
    "not_same_as",
)

#: The catalog fields that steer document families.
FAMILY_FIELDS = ("family", "version_of", "not_same_as")

DOC_TYPES = (
    "legislation",
    "report",
    "working paper",
    "guide",
    "news",
    "presentation",
    "dataset",
    "other",
)


@dataclass
class Extracted:
    """What an extractor read from one file, before any metadata rules.

    ``pages`` holds the text of each page in order (page 1 first). Files
    without pages (HTML, text) are cut into sections at paragraph breaks so
    a hit can still be located; ``paged`` tells which is the case.
    """

    kind: str  # "pdf", "html" or "text"
    pages: list[str]
    paged: bool = True
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    date: str | None = None  # ISO 8601: "2023", "2023-05" or "2023-05-10"
    keywords: list[str] = field(default_factory=list)
    description: str | None = None
    language: str | None = None  # declared by the file itself (html lang, PDF /Lang)
    page_labels: list[str] | None = None  # printed labels ("iv", "12") when they differ
    outline: list[tuple[str, int]] = field(default_factory=list)  # (heading, 1-based page)
    #: Unpaged files: the heading lines the file marks up (Markdown ``#``,
    #: HTML h1–h6), in order; None when not looked for (an older text cache).
    headings: list[str] | None = None
    warnings: list[str] = field(default_factory=list)
    extractor: str = ""  # "pypdfium2", "pypdf", "bs4", "text"
    url: str | None = None  # the page's own address: canonical link, og:url, a "URL:" line
    site: str | None = None  # the web site's own name: og:site_name, its footer's © holder
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text came from OCR
    #: 1-based pages that show only images and were not read by OCR (OCR
    #: off when extracted): a document with text elsewhere is read again
    #: with OCR when it is available.
    unread_pages: list[int] = field(default_factory=list)


class ExtractionError(Exception):
    """A file that cannot be indexed, with a one-line reason for the report.

    ``code`` is a short stable word (``encrypted``, ``scanned``, ``garbage``,
    ``broken``, ``empty``, ``timeout``, ``memory``, ``crashed``,
    ``unsupported``) so reports can be grouped.
    """

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Document:
    """One indexed document: metadata plus page texts."""

    id: str
    path: str
    sha256: str
    size: int
    mtime_ns: int
    kind: str
    title: str
    pages: list[str]
    paged: bool = True
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    year: int | None = None
    date: str | None = None
    jurisdictions: list[str] = field(default_factory=list)
    type: str = "other"
    topics: list[str] = field(default_factory=list)
    language: str = "und"
    page_labels: list[str] | None = None
    keywords: list[str] = field(default_factory=list)
    description: str | None = None
    url: str | None = None  # the original source: catalog, canonical link, og:url, a printed URL
    identifiers: dict[str, str] = field(default_factory=dict)  # scheme -> value: celex, eli, act, doi, isbn…
    flags: list[str] = field(default_factory=list)  # e.g. "garbage-text" on some pages
    sources: dict[str, str] = field(default_factory=dict)  # field -> "catalog"/"pdf-info"/"text"/...
    confidence: dict[str, float] = field(default_factory=dict)  # field -> 0..1 for derived values
    ingested: str = ""  # ISO timestamp
    #: The file's path relative to the folder it was ingested from: what
    #: public output names (``path`` is the server's own, never shown).
    relpath: str = ""
    #: Unpaged documents: per section, where the document's own headings
    #: start, as ``[offset, label, length]`` (see :mod:`search.text.sections`).
    section_marks: list[list[list[Any]]] = field(default_factory=list)
    ocr_pages: list[int] = field(default_factory=list)  # 1-based pages whose text came from OCR
    #: 1-based pages that point elsewhere (contents, glossary, references:
    #: search.text.pagekind); page ranking weighs them less.
    nav_pages: list[int] = field(default_factory=list)
    #: The text's MinHash signature (search.text.minhash, base64); "" when
    #: the text is too short to say anything, None when not computed yet.
    minhash: str | None = None
    #: Document families (search.ingest.families): the family's id (a
    #: document alone is its own family), its newest member, and why its
    #: members are one family. Set by ingest's family pass.
    family: str = ""
    family_newest: str = ""
    family_by: str = ""
    #: Staff overrides from the catalog (see FAMILY_FIELDS).
    version_of: str | None = None
    not_same_as: list[str] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def metadata(self) -> dict[str, Any]:
        """Everything but the page texts, as JSON-ready values."""
        d = asdict(self)
        d.pop("pages")
        d["page_count"] = self.page_count
        return d


@dataclass
class IndexTerms:
    """A document's analysed terms, ready for the index writer."""

    title: list[str] = field(default_factory=list)
    title_exact: list[str] = field(default_factory=list)
    meta: list[str] = field(default_factory=list)
    author: list[str] = field(default_factory=list)
    # one search.index.PageTerms per non-blank page (see search.index.encode_page)
    pages: list[Any] = field(default_factory=list)
    # the fingerprint of the phrase vocabulary the pages were counted with
    # (search.text.phrases.PhraseSet; "" for none)
    phrases: str = ""


@dataclass
class Passage:
    """A few lines of one page, as plain text segments: ``(text, is_match)``.

    No markup: each view renders the matches its own way (see
    :func:`search.query.contract.passage_html` for the JSON's ``<mark>``).
    """

    page: int  # 1-based
    segments: list[tuple[str, bool]] = field(default_factory=list)
    label: str | None = None  # printed page label where it differs from the number; unpaged: the heading it is under
    score: float = 0.0
    start: int = 0  # offset in the page's text of the first match shown (else of the passage)


@dataclass
class Hit:
    id: str
    score: float
    meta: dict[str, Any]
    passages: list[Passage] = field(default_factory=list)
    matched_pages: int = 0
    #: The other versions of its work (document family), newest first:
    #: id, title, date, year, kind, language and whether it matched.
    versions: list[dict[str, Any]] = field(default_factory=list)
    #: How many other versions the work has; ``versions`` lists the newest
    #: ``config.HIT_VERSIONS`` of them.
    version_count: int = 0


@dataclass
class FacetValue:
    value: str
    count: int
    label: str = ""
    selected: bool = False
    group: str | None = None  # e.g. a jurisdiction's region


#: The orders results can be listed in, with their labels; the first is the
#: default (an empty query lists newest first instead, see the searcher).
SORTS: dict[str, str] = {
    "relevance": "Relevance",
    "newest": "Newest first",
    "oldest": "Oldest first",
    "title": "Title A–Z",
}
DEFAULT_SORT = "relevance"


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)  # facet -> values (OR within)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = DEFAULT_SORT  # one of SORTS
    page: int = 1
    limit: int = 10
    exact: bool = False  # unstemmed matching
    expand: bool = True  # glossary expansion
    passages: int = 3  # passages per hit
    facet_limit: int | None = None  # None: every value
    #: List every version of a work, not each document family once (the
    #: web's ``versions=all``); totals and facets then count documents.
    all_versions: bool = False


@dataclass
class SearchResponse:
    total: int  # works (document families) matching; documents with all_versions
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    request: SearchRequest
    notes: list[str] = field(default_factory=list)  # how the query was read
    expansions: list[tuple[str, list[str]]] = field(default_factory=list)  # glossary additions
    suggestion: str | None = None  # "did you mean", only when it has hits
    interpreted: str = ""  # the query as the engine read it
    elapsed_ms: float = 0.0
    generation: int = -1
    timed_out_facets: list[str] = field(default_factory=list)
    sort: str = "relevance"  # the order actually used (an empty query browses newest first)
    documents: int = 0  # matching documents, every version counted
