"""Term positions as etslib stores them in a posting's value.

A positional posting's value is ``b"H"`` and the gaps between its positions
as little-endian uint16, or ``b"I"`` and uint32 gaps when one needs more
than 16 bits. Whoosh treats the value as opaque bytes (the
:class:`~search.index.schema.Positions` format tells it how to decode
them), so the encoding is etslib's: the encoders are here beside the numpy
decoders that read many postings at once.
"""

from __future__ import annotations

from array import array

import numpy as np


def encode_positions(positions: list[int]) -> bytes:
    """Positions as delta-encoded uint16 (or uint32 when a delta needs it)."""
    deltas = array("I", positions)
    prev = 0
    for i, p in enumerate(positions):
        deltas[i] = p - prev
        prev = p
    if max(deltas) < 65536:
        return b"H" + array("H", deltas).tobytes()
    return b"I" + deltas.tobytes()


def decode_positions(value: bytes) -> np.ndarray:
    dtype = "<u2" if value[:1] == b"H" else "<u4"
    return np.frombuffer(value, dtype=dtype, offset=1).cumsum(dtype=np.int64)


def encode_positional(terms: list[str]) -> tuple[list[str], list[int], bytes, list[int]]:
    """Unique terms in order of first use, their counts, and their positions
    encoded as in :func:`encode_positions`, all in one blob."""
    ids: dict[str, int] = {}
    tid = [ids.setdefault(t, len(ids)) for t in terms]
    if not tid:
        return [], [], b"", []
    order = np.argsort(np.array(tid, dtype=np.int32), kind="stable")  # positions grouped by term
    counts = np.bincount(np.array(tid, dtype=np.int32), minlength=len(ids))
    starts = np.cumsum(counts) - counts
    deltas = np.diff(order, prepend=0)
    deltas[starts] = order[starts]  # each term's first position counts from 0
    if len(terms) < 65536:
        # Each term's value is "H" then its uint16 deltas: lay the deltas
        # out with a gap before each term's run and put the markers in it.
        lens = 1 + 2 * counts
        marks = np.cumsum(lens) - lens
        out = np.empty(int(lens.sum()), dtype=np.uint8)
        out[marks] = ord("H")
        body = np.ones(len(out), dtype=bool)
        body[marks] = False
        out[body] = deltas.astype("<u2").view(np.uint8)
        return list(ids), counts.tolist(), out.tobytes(), lens.tolist()
    # A page of 65,536+ words: some deltas may need 32 bits.
    blobs = [encode_positions(order[a : a + n].tolist()) for a, n in zip(starts.tolist(), counts.tolist())]
    return list(ids), counts.tolist(), b"".join(blobs), [len(b) for b in blobs]


def decode_many(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Decode many postings' positions at once: ``(owner, positions)``,
    where ``owner[i]`` is the index in ``values`` of ``positions[i]``."""
    if not values:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    joined = np.frombuffer(b"".join(values), dtype=np.uint8)
    return _decode_joined(joined, lens, np.cumsum(lens) - lens, lambda: values)


def _decode_joined(joined: np.ndarray, lens: np.ndarray, starts: np.ndarray, values) -> tuple[np.ndarray, np.ndarray]:
    """Positions of values laid end to end in ``joined`` (see decode_many)."""
    if not (joined[starts] == ord("H")).all():
        parts = [decode_positions(v) for v in values()]
        counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        return np.repeat(np.arange(len(parts), dtype=np.int32), counts), np.concatenate(parts).astype(np.int32)
    keep = np.ones(len(joined), dtype=bool)
    keep[starts] = False
    deltas = joined[keep].view("<u2").astype(np.int64)
    counts = (lens - 1) // 2
    csum = np.cumsum(deltas)  # runs on over every posting: 64 bits
    first = np.cumsum(counts) - counts
    before = csum[first] - deltas[first]  # the running sum where each posting starts
    csum -= np.repeat(before, counts)
    # Owners and positions within a page fit 32 bits: half the memory of a
    # common word's decoding, which an evaluation keeps (at 1,000,000 pages
    # a Chinese title's bigrams held 100-200 MB of them).
    return np.repeat(np.arange(len(lens), dtype=np.int32), counts), csum.astype(np.int32)


class PositionTable:
    """One term's positions in many records, kept encoded in one buffer."""

    __slots__ = ("ids", "blob", "starts", "lens", "contiguous")

    def __init__(self, ids: np.ndarray, blob: bytes, starts: np.ndarray, lens: np.ndarray):
        self.ids = ids  # ascending record numbers
        self.blob = blob
        self.starts = starts  # int64 offset of each record's value in blob
        self.lens = lens
        # False when deleted records' bytes sit between the values.
        self.contiguous = len(blob) == int(lens.sum())

    @classmethod
    def from_values(cls, ids: np.ndarray, values: list[bytes]) -> "PositionTable":
        lens = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        return cls(ids, b"".join(values), np.cumsum(lens) - lens, lens)

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + len(self.blob) + self.starts.nbytes + self.lens.nbytes

    def __len__(self) -> int:
        return len(self.ids)

    def decode(self, idx: np.ndarray, kept: dict | None = None, at_once: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the records at ``idx`` (ascending): ``(owner,
        positions)`` with ``owner`` the index into ``idx``.

        When most records are wanted the whole buffer is decoded and the
        rest dropped, cheaper than gathering bytes; ``kept`` (a dict the
        caller holds for a while) keeps that decoding for the next call.
        ``at_once=False`` always gathers: a caller reading a large table in
        parts holds only a part's positions at a time.
        """
        if not len(idx):
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
        if at_once and 2 * len(idx) >= len(self.ids) and self.contiguous:
            whole = kept.get(self) if kept is not None else None
            if whole is None:
                whole = self._decode_whole()
                if kept is not None:
                    kept[self] = whole
            return self._select(whole, idx)
        starts, lens = self.starts[idx], self.lens[idx]
        # Gather the chosen values' bytes with one fancy index.
        total = int(lens.sum())
        out_starts = np.cumsum(lens) - lens
        gather = np.arange(total, dtype=np.int64) + np.repeat(starts - out_starts, lens)
        joined = np.frombuffer(self.blob, dtype=np.uint8)[gather]
        return _decode_joined(joined, lens, out_starts, lambda: [self.blob[a : a + n] for a, n in zip(starts.tolist(), lens.tolist())])

    def _decode_whole(self) -> tuple[np.ndarray, np.ndarray]:
        """``(owner, positions)`` of every record (the buffer contiguous)."""
        return _decode_joined(
            np.frombuffer(self.blob, dtype=np.uint8), self.lens, self.starts,
            lambda: [self.blob[a : a + n] for a, n in zip(self.starts.tolist(), self.lens.tolist())],
        )

    def _select(self, whole: tuple[np.ndarray, np.ndarray], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The part of ``_decode_whole()`` for the records at ``idx`` (ascending)."""
        owner, pos = whole
        if len(idx) == len(self.ids):
            return owner, pos
        rank = np.full(len(self.ids), -1, dtype=np.int32)
        rank[idx] = np.arange(len(idx), dtype=np.int32)
        owner = rank[owner]
        keep = owner >= 0
        return owner[keep], pos[keep]
