"""What the index holds: documents, works (document families), pages and
every facet's values, counted as a search counts them (works)."""

from __future__ import annotations

from dataclasses import dataclass

from ..index import index_id
from ..model import FacetValue
from ..vocab.facets import FACETS
from .facets import facet_results
from .generation import Generation


@dataclass
class IndexStats:
    documents: int
    pages: int
    generation: int
    store: str  # the live store folder (a server path: not for the public)
    facets: dict[str, list[FacetValue]]  # every value with its count of works (as a search counts)
    families: int = 0  # works: documents with their versions counted once
    index_id: str = ""  # store folder name/generation: the same on every node serving a published copy


def index_stats(gen: Generation) -> IndexStats:
    table = gen.table
    everything = gen.everything()
    facets = {
        name: facet_results(facet, table.columns[name], table.columns[name].counts(everything, table.families), [], None)
        for name, facet in FACETS.items()
    }
    snap = gen.snap
    return IndexStats(snap.n_docs, snap.n_pages, snap.generation, str(snap.store.path), facets, table.families.count, index_id(snap.store.name, snap.generation))
