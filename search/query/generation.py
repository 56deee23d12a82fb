"""What a searcher derives once per index generation: the document table
(facet columns, sort orders), the evaluator and each document's first page.

Built when :class:`~search.index.live.LiveIndex` hands out a new snapshot,
dropped with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..index import Snapshot
from .evaluate import Evaluator, Params
from .facets import DocTable


@dataclass
class Generation:
    snap: Snapshot
    table: DocTable
    evaluator: Evaluator
    first_record: np.ndarray  # per document row, its first page record (-1 none)

    @classmethod
    def of(cls, snap: Snapshot, params: Params) -> Generation:
        table = DocTable(snap.infos)
        return cls(snap, table, Evaluator(snap, table, params), _first_records(snap))

    def row_of(self, doc_id: str) -> int | None:
        return self.snap.row_of_id.get(doc_id)

    def everything(self) -> np.ndarray:
        """A mask of every document."""
        return np.ones(self.snap.n_docs, dtype=bool)


def _first_records(snap: Snapshot) -> np.ndarray:
    first = np.full(snap.n_docs, -1, dtype=np.int32)
    recs = np.flatnonzero(snap.page_doc >= 0)
    if len(recs):
        order = np.lexsort((snap.page_num[recs], snap.page_doc[recs]))
        recs = recs[order]
        docs = snap.page_doc[recs]
        uniq, idx = np.unique(docs, return_index=True)
        first[uniq] = recs[idx]
    return first
