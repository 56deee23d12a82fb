"""A document's text as a small signature whose agreement with another's
estimates how much of the two texts is the same (Jaccard similarity of
their word shingles).

Document families (:mod:`search.ingest.families`) use it to find the same
text in another format, and revisions of a paper, among thousands of
documents without comparing texts.

The text is folded (:func:`~search.text.fold.fold`) and cut into words (a
CJK character is a word of its own, so Chinese needs no segmenter); every
run of :data:`SHINGLE` words is hashed, and the set of those hashes is
sketched by *one permutation hashing* with rotation densification (Li,
Owen and Zhang 2012; Shrivastava and Li 2014): each hash falls into one of
:data:`BINS` bins by its top bits and a bin keeps its smallest value. The
share of bins two signatures agree on estimates the Jaccard similarity of
the shingle sets like classic MinHash with as many permutations, at the
cost of hashing every shingle once instead of once per permutation, and
the bins line up, so banded locality-sensitive hashing applies unchanged.

Why not ``datasketch`` (2.0): its ``MinHash`` hashes every shingle with
SHA-1 from Python and then once per permutation: 53 ms for a 45,000-word
act and 239 ms for a 105,000-word report, against 25 and 73 ms here
(tokenising included in both), in the ingest workers; and it pulls in
SciPy (~150 MB installed) for its LSH parameter search, which is one loop
here (:func:`bands`).

Signatures are :data:`BINS` unsigned 32-bit values, stored as base64 text
(684 characters) in a document's header, so they travel with the index.
"""

from __future__ import annotations

import base64
import re
import zlib

import numpy as np

from .fold import fold

__all__ = ["BINS", "SHINGLE", "MIN_SHINGLES", "signature", "encode", "decode", "similarity", "shingle_count", "bands"]

#: Words per shingle: five keep common phrases ("the european parliament
#: and of") from making unrelated texts look alike.
SHINGLE = 5
#: Bins (the signature's length); the estimate's standard error at a
#: similarity J is sqrt(J(1 - J) / BINS): 0.044 at J = 0.5.
BINS = 128
#: Fewer shingles than this give no signature: a text that short (a
#: scanned file's stray header) says nothing about which work it is.
MIN_SHINGLES = 40

_BIN_BITS = 7  # 2**7 == BINS
_VALUE_MASK = np.uint64((1 << (64 - _BIN_BITS)) - 1)
# A CJK ideograph, kana or Hangul syllable alone, or a run of letters/digits.
_WORD = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")
# Odd multipliers combining a shingle's word hashes (any fixed odd constants do).
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit, so
    the top bits (the bin) and the rest are independent."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _shingle_hashes(text: str) -> np.ndarray:
    """The sorted, distinct 64-bit hashes of the text's shingles."""
    words = _WORD.findall(fold(text))
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    vocab: dict[str, int] = {}
    codes = np.fromiter((vocab.setdefault(w, len(vocab)) for w in words), dtype=np.int64, count=len(words))
    # crc32 is stable across processes and Python versions (hash() is salted).
    word_hash = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in vocab), dtype=np.uint64, count=len(vocab))
    h = _mix(word_hash + np.uint64(1))[codes]
    n = len(words) - SHINGLE + 1
    acc = np.zeros(n, dtype=np.uint64)
    for k in range(SHINGLE):
        acc = acc + h[k : k + n] * _MULT[k]
    return np.unique(_mix(acc))


def shingle_count(text: str) -> int:
    """How many distinct shingles the text has."""
    return len(_shingle_hashes(text))


def signature(text: str) -> np.ndarray | None:
    """The text's signature (:data:`BINS` uint32 values), or None when it
    has fewer than :data:`MIN_SHINGLES` distinct shingles."""
    hashes = _shingle_hashes(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    # Sorted hashes are sorted by bin (their top bits) and then by value:
    # a bin's minimum is its first hash.
    bins = (hashes >> np.uint64(64 - _BIN_BITS)).astype(np.int64)
    first = np.searchsorted(bins, np.arange(BINS))
    filled = np.zeros(BINS, dtype=bool)
    filled[bins] = True
    values = np.zeros(BINS, dtype=np.uint64)
    values[filled] = hashes[first[filled]] & _VALUE_MASK
    if not filled.all():
        values = _densify(values, filled)
    return (values & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _densify(values: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """An empty bin borrows the value of the next filled bin (circularly),
    marked with how far it borrowed, so that two texts agree on it about as
    often as they agree on the bin it borrowed from."""
    full = np.flatnonzero(filled)
    idx = np.arange(BINS)
    pos = np.searchsorted(full, idx)
    nxt = np.where(pos < len(full), full[np.minimum(pos, len(full) - 1)], full[0] + BINS)
    distance = (nxt - idx).astype(np.uint64)
    out = values[nxt % BINS] + distance * np.uint64(0x9E3779B1)
    return np.where(filled, values, out)


def encode(sig: np.ndarray) -> str:
    return base64.b64encode(sig.astype("<u4").tobytes()).decode("ascii")


def decode(text: str) -> np.ndarray | None:
    """A stored signature, or None when it is missing or malformed."""
    if not text:
        return None
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) != BINS * 4:
        return None
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.count_nonzero(a == b)) / BINS


def bands(signatures: np.ndarray, rows: int = 3) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``, of the rows of ``signatures``
    (an ``n × BINS`` array) that agree on every bin of at least one band of
    ``rows`` bins: banded locality-sensitive hashing. With 42 bands of 3,
    a pair at similarity 0.5 is a candidate with probability 0.996, at 0.3
    with 0.68 and at 0.1 with 0.04; candidates are then checked bin by bin.
    """
    n = len(signatures)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    sig = signatures.astype(np.uint64)
    pairs = []
    for start in range(0, BINS - rows + 1, rows):
        key = np.zeros(n, dtype=np.uint64)
        for k in range(rows):
            key = _mix(key * _MULT[k % len(_MULT)] + sig[:, start + k])
        order = np.argsort(key, kind="stable")
        pairs.append(_pairs_in_runs(order, key[order]))
    out = np.concatenate(pairs)
    return np.unique(out, axis=0) if len(out) else out


#: A run of more rows than this agreeing on a band (boilerplate shared by
#: a whole series) gives each row only its neighbour in the run as a
#: candidate: the pairs are checked one by one and families are joined
#: transitively, so a run of true copies still ends as one family.
MAX_RUN = 64


def _pairs_in_runs(order: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Every pair of rows whose keys are equal (``keys`` sorted, ``order``
    the rows in that order), as ``(smaller, larger)``."""
    boundaries = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [len(keys)]])
    big = ends - starts >= 2
    out = [np.zeros((0, 2), dtype=np.int64)]
    for s, e in zip(starts[big].tolist(), ends[big].tolist()):
        members = np.sort(order[s:e]).astype(np.int64)
        if e - s > MAX_RUN:
            out.append(np.stack([members[:-1], members[1:]], axis=1))
            continue
        a, b = np.triu_indices(len(members), k=1)
        out.append(np.stack([members[a], members[b]], axis=1))
    return np.concatenate(out)
