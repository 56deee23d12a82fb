"""The array helpers of evaluation agree with the plain numpy they replace."""

from __future__ import annotations

import numpy as np

from search.query.evaluate import _dense_sum, _intersect_sorted, _sum_by_id


def test_sum_by_id_equals_unique_and_bincount():
    rng = np.random.default_rng(7)
    # Sparse lists (sorted) and dense ones (summed over every record).
    for sizes, top in (((1,), 10_000), ((3, 0), 10_000), ((400, 300), 10_000), ((5000, 20, 900), 10_000),
                       ((400, 300), 1_000), ((900, 700, 800), 1_000)):
        lists = [np.sort(rng.choice(top, n, replace=False)).astype(np.int32) for n in sizes]
        tfs = [rng.integers(1, 9, len(ids)).astype(np.float32) * 0.7 for ids in lists]
        ids, tf = np.concatenate(lists), np.concatenate(tfs)
        got_ids, got_tf = _sum_by_id(ids, tf)
        want_ids, inverse = np.unique(ids, return_inverse=True)
        want_tf = np.bincount(inverse, weights=tf).astype(np.float32)
        assert np.array_equal(got_ids, want_ids) and got_ids.dtype == ids.dtype
        assert np.array_equal(got_tf, want_tf) and got_tf.dtype == np.float32


def test_intersect_sorted_equals_intersect1d():
    rng = np.random.default_rng(8)
    for na, nb in ((0, 5), (10, 10), (10, 5000), (3000, 2000)):
        a = np.sort(rng.choice(20_000, na, replace=False))
        b = np.sort(rng.choice(20_000, nb, replace=False))
        assert np.array_equal(_intersect_sorted(a, b), np.intersect1d(a, b))


def test_dense_sum_equals_bincount():
    """A query's page postings summed run by run (its concepts' ascending
    lists) give np.bincount's sums to the last bit, and unsorted input
    falls back to it."""
    rng = np.random.default_rng(9)
    n = 5_000
    cases = [
        [np.sort(rng.choice(n, k, replace=False)) for k in (900, 1500, 40, 2000)],  # concepts' lists end to end
        [np.arange(10, 20), np.arange(20, 30), np.arange(15, 25)],  # runs that touch or overlap
        [rng.integers(0, n, 3000)],  # unsorted, repeats: bincount itself
        [np.zeros(0, dtype=np.int64)],
    ]
    for lists in cases:
        ids = np.concatenate(lists).astype(np.int32)
        values = (rng.random(len(ids)) * 3).astype(np.float32)
        got = _dense_sum(ids, values, n)
        assert got.dtype == np.float64 and len(got) == n
        assert np.array_equal(got, np.bincount(ids, weights=values, minlength=n))
