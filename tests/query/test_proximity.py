"""The window coverage of page ranking, on keys as positions give them."""

from __future__ import annotations

import numpy as np

from search.query.evaluate import Evaluator


def _keys(*pairs: tuple[int, int]) -> np.ndarray:
    return np.array(sorted((c << 32) | p for c, p in pairs), dtype=np.int64)


def test_window_share_reads_the_best_window_of_each_page():
    # Page 0 holds a, b and c within 10 positions; page 1 holds all three,
    # 100 apart (a glossary: one entry each); page 2 holds only b.
    a = _keys((0, 5), (1, 10))
    b = _keys((0, 9), (1, 110), (2, 3))
    c = _keys((0, 14), (1, 210))
    share = Evaluator._window_share(np.arange(3), [(a, 2.0), (b, 1.0), (c, 1.0)], window=20)
    assert share.tolist() == [1.0, 0.5, 0.25]  # page 1: a alone (2 of 4), the best it has in one window


def test_window_share_without_positions_is_zero():
    share = Evaluator._window_share(np.arange(2), [(_keys(), 1.0), (_keys(), 1.0)], window=20)
    assert share.tolist() == [0.0, 0.0]
