"""Folding: accents go from Latin, Greek and Cyrillic letters only, the
same in every text, whatever the mix of scripts."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from search.text.fold import _MAYBE_MARK_RE, fold, strip_marks


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Québec", "quebec"),
        ("Übergang der Zuteilung", "ubergang der zuteilung"),
        ("Straße", "strasse"),
        ("ﬁnancement ²", "financement 2"),
        ("Ελληνικά", "ελληνικα"),
        ("Ёлка", "елка"),
        ("碳排放权交易", "碳排放权交易"),
        ("がぎぐ", "がぎぐ"),  # kana voicing belongs to the letter
        ("क़ानून", "क़ानून"),  # so does a Devanagari nukta
    ],
)
def test_fold(text, folded):
    assert fold(text) == unicodedata.normalize("NFC", folded)


def test_a_run_of_marks_after_a_latin_letter_goes_whole():
    assert strip_marks("e\u0301\u0302\u0323x") == "ex"


def test_a_mark_after_a_kept_mark_follows_the_rule_of_its_neighbour():
    # After a Devanagari letter the first mark stays; the next one follows
    # that mark (below U+0530), so it goes.
    assert strip_marks("\u0915\u0301\u0302") == unicodedata.normalize("NFC", "\u0915\u0301")


def test_the_fast_scan_sees_every_combining_mark():
    missed = [hex(cp) for cp in range(0x300, sys.maxunicode + 1) if unicodedata.combining(chr(cp)) and not _MAYBE_MARK_RE.match(chr(cp))]
    assert not missed
