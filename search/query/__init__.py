"""Query: a request in, ranked documents with passages and facets out.

:mod:`.parse` reads the query string into a tree (never raising),
:mod:`.rewrite` drops common words and adds glossary equivalents,
:mod:`.plan` reads and evaluates a request once (with :mod:`.evaluate`
scoring the tree over a :mod:`.generation` of the index), and the roles
after it each have a module: :mod:`.rank` orders, :mod:`.hits` builds a
page of hits with :mod:`.passages`, :mod:`.facets` counts and filters,
:mod:`.suggest` offers a corrected query, :mod:`.related` finds more like
a document, :mod:`.documents` reads one document's pages and :mod:`.stats`
describes the index. :mod:`.searcher` is the facade over them, and
:mod:`.contract` the JSON shared by the command line and the web API.

The web layer and the command line import from here only, never from
:mod:`search.index`: the index errors and the index folder are re-exported.
"""

from ..index import IndexBusy, IndexMissing, IndexOutdated, IndexProblem, IndexRoot
from ..text.sections import short_label
from .facets import VALUE_ORDERS, narrow_values
from .contract import hit_json, passage_html, passage_json, public_path, response_json, stats_json
from .plan import Plan
from .searcher import Searcher
from .stats import IndexStats

__all__ = [
    "IndexBusy",
    "IndexMissing",
    "IndexOutdated",
    "IndexProblem",
    "IndexRoot",
    "IndexStats",
    "VALUE_ORDERS",
    "narrow_values",
    "Plan",
    "Searcher",
    "hit_json",
    "passage_html",
    "passage_json",
    "public_path",
    "response_json",
    "short_label",
    "stats_json",
]
