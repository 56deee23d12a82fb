"""MinHash signatures: estimates of shingle overlap, stable across runs."""

from __future__ import annotations

import random
import re

import numpy as np
import pytest

from search.text import minhash
from search.text.fold import fold

WORDS = (
    "allowance auction benchmark cap carbon compliance emission free allocation installation leakage "
    "market operator price registry reserve stability surrender trading verification aviation maritime "
    "member state directive regulation report union period phase offset credit linking review"
).split()


def _text(seed: int, n: int = 600) -> str:
    rnd = random.Random(seed)
    return " ".join(rnd.choice(WORDS) for _ in range(n))


def _exact(a: str, b: str) -> float:
    def shingles(t: str) -> set[str]:
        w = re.findall(r"[^\W_]+", fold(t))
        return {" ".join(w[i : i + minhash.SHINGLE]) for i in range(len(w) - minhash.SHINGLE + 1)}

    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


def test_same_text_same_signature_whatever_the_layout():
    text = _text(1)
    a = minhash.signature(text)
    b = minhash.signature(text.upper().replace(" ", "\n  "))  # case and spacing differ
    assert a is not None and a.dtype == np.uint32 and len(a) == minhash.BINS
    assert minhash.similarity(a, b) == 1.0


@pytest.mark.parametrize("keep", [0.9, 0.6, 0.3])
def test_estimate_is_close_to_the_exact_overlap(keep):
    base = _text(2, 2000).split()
    rnd = random.Random(3)
    # A revision: a share of the text rewritten in runs.
    edited = list(base)
    for start in range(0, len(edited), 50):
        if rnd.random() > keep:
            edited[start : start + 50] = _text(rnd.randrange(10**6), 50).split()
    a, b = " ".join(base), " ".join(edited)
    est = minhash.similarity(minhash.signature(a), minhash.signature(b))
    assert abs(est - _exact(a, b)) < 0.12


def test_unrelated_texts_are_far_apart():
    assert minhash.similarity(minhash.signature(_text(4)), minhash.signature(_text(5))) < 0.1


def test_short_texts_have_no_signature():
    assert minhash.signature("Page 1") is None
    assert minhash.signature("") is None


def test_cjk_characters_are_words():
    text = "碳排放权交易管理暂行条例第一条为了规范碳排放权交易及相关活动加强对温室气体排放的控制积极稳妥推进碳达峰碳中和工作促进经济社会绿色低碳发展推进生态文明建设制定本条例" * 2
    sig = minhash.signature(text)
    assert sig is not None
    assert minhash.similarity(sig, minhash.signature(text.replace("条例", "条 例"))) > 0.5


def test_stored_form_round_trips_and_rejects_garbage():
    sig = minhash.signature(_text(6))
    assert np.array_equal(minhash.decode(minhash.encode(sig)), sig)
    assert minhash.decode("") is None and minhash.decode("not base64!") is None and minhash.decode("AAAA") is None


def test_signatures_do_not_change_between_versions():
    """Signatures are stored in indexes: the same text must keep the same
    signature (hashes are not salted per process)."""
    sig = minhash.signature(_text(7))
    assert minhash.encode(sig)[:24] == "cC6y4Jff9NXIREw46eM/UlGd"


def test_bands_pair_near_copies_only():
    texts = [_text(i) for i in range(20)]
    texts.append(texts[3] + " and a closing sentence about the reserve")
    sigs = np.stack([minhash.signature(t) for t in texts])
    pairs = {tuple(p) for p in minhash.bands(sigs).tolist()}
    assert (3, 20) in pairs
    assert len(pairs) <= 3
