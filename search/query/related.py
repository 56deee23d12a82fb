"""More like this: documents sharing a document's most distinctive words."""

from __future__ import annotations

import numpy as np

from ..model import Hit
from ..text import analysis
from .generation import Generation
from .hits import hit_meta
from .parse import Node, Or, Word

#: At most this many words make the query (title words first).
MAX_WORDS = 24


def related(gen: Generation, row: int, n: int) -> list[Hit]:
    """Up to ``n`` documents matching the title, topic and jurisdiction
    words of document ``row``, best first (without passages)."""
    snap = gen.snap
    info = snap.infos[row]
    words = [w for w in analysis.words(info.get("title") or "") if len(w) > 2]
    words += [t.replace("-", " ") for t in info.get("topics") or []]
    words += list(info.get("jurisdictions") or [])
    langs = ["en"] + gen.evaluator.langs
    kids: list[Node] = [Word(w) for w in dict.fromkeys(words) if not analysis.is_stopword(w, langs)]
    if not kids:
        return []
    scored, _, _ = gen.evaluator.evaluate(Or(tuple(kids[:MAX_WORDS])), exact=False)
    families = gen.table.families
    mask = scored.mask.copy()
    # Its own versions are listed as versions, not as related works.
    mask[families.members(row)] = False
    rows = np.flatnonzero(mask)
    rows = families.best_of_each(rows, scored.score, gen.table.date_rank)  # a work once
    order = rows[np.argsort(-scored.score[rows], kind="stable")][:n]
    return [Hit(id=snap.infos[r]["id"], score=float(scored.score[r]), meta=hit_meta(snap.full_info(r))) for r in order.tolist()]
