"""Turning text into index terms, the same way at ingest and at query time.

Two token streams are made from every text:

* **stemmed**: lower-cased, stemmed with the Snowball stemmer of the
  document's language, accents folded, stopwords dropped. Used for ranking.
* **exact**: lower-cased and accent-folded but not stemmed, stopwords kept,
  one position per token. Used for quoted phrases and the "exact" switch.

Chinese, Japanese and Korean ideographs and kana carry no spaces, so runs of
them become overlapping character bigrams (as Lucene's CJK analyser does); a
query run is then a phrase of bigrams, which finds the words in place.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable

from nltk.stem.snowball import SnowballStemmer

from .datafile import DATA_DIR
from .fold import fold

#: ISO 639-1 code → nltk Snowball language.
SNOWBALL = {
    "da": "danish",
    "de": "german",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "nb": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
}

# Ideographs, kana and the iteration marks: scripts written without spaces.
_CJK = (
    "\u3005\u3006\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\U00020000-\U0002fa1f"
)
CJK_RE = re.compile(f"[{_CJK}]")
# A word is a run of letters/digits; a CJK run is split out of it below.
WORD_RE = re.compile(r"[^\W_]+")
SPLIT_CJK_RE = re.compile(f"([{_CJK}]+)")

_STEM_CACHE_LIMIT = 200_000


def is_cjk(token: str) -> bool:
    return bool(CJK_RE.match(token))


def cjk_bigrams(run: str) -> list[str]:
    """Overlapping bigrams of a CJK run; a lone character stands for itself."""
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def words(text: str) -> list[str]:
    """Raw word tokens (not lower-cased) with CJK runs kept whole."""
    found = WORD_RE.findall(text)
    if not CJK_RE.search(text):
        return found
    out: list[str] = []
    for w in found:
        if CJK_RE.search(w):
            out.extend(p for p in SPLIT_CJK_RE.split(w) if p)
        else:
            out.append(w)
    return out


@lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    """The shipped stopword list of a language (empty when there is none)."""
    try:
        data = (DATA_DIR / "stopwords" / f"{lang}.txt").read_text("utf-8")
    except OSError:
        return frozenset()
    out = set()
    for line in data.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.add(fold(line))
    return frozenset(out)


@lru_cache(maxsize=None)
def stemmer(lang: str) -> Callable[[str], str]:
    """A cached stemming function for a language; identity when none exists.

    The cache matters: Snowball in pure Python costs ~10 µs a word, while a
    page repeats most of its words.
    """
    name = SNOWBALL.get(lang)
    if name is None:
        return fold
    stem = SnowballStemmer(name).stem
    cache: dict[str, str] = {}

    def cached(word: str) -> str:
        word = word.lower()
        try:
            return cache[word]
        except KeyError:
            if len(cache) > _STEM_CACHE_LIMIT:
                cache.clear()
            # Stem before folding: Snowball's rules read the accents.
            result = cache[word] = fold(stem(word))
            return result

    cached.cache = cache  # analyze() reads it directly: a dict lookup per word
    return cached


def analyze(text: str, lang: str) -> tuple[list[str], list[str]]:
    """Index terms of a text: ``(stemmed, exact)``.

    ``exact`` has one entry per token position (bigrams for CJK runs);
    ``stemmed`` drops stopwords, so it is shorter, and CJK bigrams, which
    are searched as phrases of the exact field only (in a Chinese-heavy
    corpus they were three quarters of the stemmed vocabulary, written and
    never read).
    """
    stem = stemmer(lang)
    stops = stopwords(lang)
    if not CJK_RE.search(text):
        # One lower() for the page, one regex pass, then a dict lookup per
        # word: ~4x faster than the general loop below, same terms.
        low = WORD_RE.findall(text.lower())
        exact = low if text.isascii() else [w if w.isascii() else fold(w) for w in low]
        cache = getattr(stem, "cache", None)
        if cache is None:  # no stemmer for the language: folding is all
            return [e for e in exact if e not in stops], exact
        get = cache.get
        stemmed = [get(w) or stem(w) for w, e in zip(low, exact) if e not in stops]
        return stemmed, exact
    stemmed: list[str] = []
    exact: list[str] = []
    for w in words(text):
        if CJK_RE.match(w):
            exact.extend(cjk_bigrams(w))
            continue
        e = fold(w)
        exact.append(e)
        if e in stops:
            continue
        stemmed.append(stem(w))
    return stemmed, exact


def scoring_length(text: str, stemmed: list[str], exact: list[str]) -> int:
    """A page's length for BM25: its stemmed terms plus its CJK bigrams."""
    if not CJK_RE.search(text):
        return len(stemmed)
    return len(stemmed) + sum(1 for e in exact if CJK_RE.match(e))


def exact_terms(text: str) -> list[str]:
    """The exact-field tokens of a text (a query phrase, a title)."""
    out: list[str] = []
    for w in words(text):
        if CJK_RE.match(w):
            out.extend(cjk_bigrams(w))
        else:
            out.append(fold(w))
    return out


def stem_variants(word: str, langs: Iterable[str]) -> list[str]:
    """The stemmed-field terms a query word may have become in any language.

    The query's language is unknown, so a word is stemmed by every language
    present in the index; each variant only matches documents whose own
    analysis produced it.
    """
    seen: dict[str, None] = {}
    for lang in sorted(set(langs)) or ["en"]:
        seen[stemmer(lang)(word)] = None
    seen.setdefault(fold(word), None)
    return list(seen)


def is_stopword(word: str, langs: Iterable[str]) -> bool:
    f = fold(word)
    return any(f in stopwords(lang) for lang in langs)


_MARK_SPLIT_RE = re.compile(r"([^\W_]+)")


def match_spans(
    text: str,
    lang: str,
    stems: set[str],
    exacts: set[str],
    phrases: set[tuple[str, ...]] = frozenset(),
) -> list[tuple[int, int]]:
    """Character spans of the words in ``text`` that match query terms.

    A word matches when its stem (in the page's language) is one of ``stems``
    or its folded form is one of ``exacts``; the words of a phrase match
    where they occur in sequence. CJK runs are marked where a query bigram
    occurs.
    """
    if not (stems or exacts or phrases):
        return []
    # Accents are folded only on pages that have accented letters (a regex
    # tells in C). Accent-tolerant regexes instead cost ~3 ms to compile
    # for every new query.
    low = text.lower()
    if not low.isascii() and _ACCENTED_RE.search(low):
        low = _fold_accents(low)
    if len(low) != len(text):  # a rare letter whose lower case is longer (İ)
        spans = _word_spans(text, lang, stems, exacts)
        if phrases:
            spans = sorted(set(spans) | set(_phrase_spans(text, phrases)))
        return spans
    # Let a regex find the few words that could match (by prefix), in C,
    # and stem only those: stemming every word of 30 pages per search
    # cost ~20 ms.
    spans: list[tuple[int, int]] = []
    cjk = frozenset(t for t in stems | exacts if CJK_RE.match(t))
    # The regexes below start with a letter and only then assert that it
    # begins a word (a lookbehind over two characters): sre can then skip
    # ahead to the alternatives' first letters in C, which a leading
    # assertion prevents (2.5x faster).
    rx = _candidates_regex(frozenset(stems) - cjk, frozenset(exacts) - cjk)
    if rx is not None:
        stem = stemmer(lang)
        for m in rx.finditer(low):
            a, b = m.span()
            if m.group() in exacts or stem(text[a:b]) in stems:
                spans.append((a, b))
    if cjk and CJK_RE.search(text):
        spans.extend(_cjk_spans(text, cjk))
    if phrases:
        for m in _phrases_regex(frozenset(phrases)).finditer(low):
            spans.extend(w.span() for w in WORD_RE.finditer(low, m.start(), m.end()))
    return sorted(set(spans))


def _word_start_alternatives(alternatives: list[tuple[str, str]], letter: str) -> str:
    """``(first character, regex for the rest)`` pairs as one group that
    matches only where a word starts: after the first character, a
    lookbehind checks the one before, once per first character. Order is
    kept among alternatives with the same first character."""
    by_first: dict[str, list[str]] = {}
    for first, rest in alternatives:
        by_first.setdefault(first, []).append(rest)
    return "(?:" + "|".join(
        f"{re.escape(first)}(?<!{letter}.)(?:{'|'.join(rests)})" for first, rests in by_first.items()
    ) + ")"


def _cjk_spans(text: str, terms: frozenset[str]) -> list[tuple[int, int]]:
    """Where query bigrams occur in CJK runs, merged into marked stretches."""
    out: list[tuple[int, int]] = []
    for m in _cjk_regex(terms).finditer(text):
        a = m.start()
        group = m.lastindex
        b = a + 1 + (len(m.group(group)) if group else 0)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


@lru_cache(maxsize=256)
def _cjk_regex(terms: frozenset[str]) -> re.Pattern[str]:
    """A term's first character, then the rest of it as a lookahead (a
    group), so a match takes one character and overlapping occurrences
    are all found; the longest term first, a single character (a query of
    one character, found as the first of any bigram) after the terms it
    starts. Starting with characters, not with a lookahead, lets the
    regex engine skip the text's other characters in C: 20% faster on
    Chinese pages."""
    by_first: dict[str, list[str]] = {}
    for t in sorted((t for t in terms if len(t) > 1), key=len, reverse=True):
        by_first.setdefault(t[0], []).append(re.escape(t[1:]))
    parts = [f"{re.escape(first)}(?=({'|'.join(rests)}))" for first, rests in by_first.items()]
    parts += [re.escape(t) for t in terms if len(t) == 1]
    return re.compile("|".join(parts))


def _accent_table() -> dict[int, str]:
    """Accented Latin letters → their base letter, one character for one,
    so offsets in the folded text are offsets in the original."""
    table = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = unicodedata.normalize("NFD", ch)[:1]
        if base != ch and base.isascii() and base.isalpha():
            table[cp] = base
    return table


_ACCENT_TABLE = _accent_table()
_ACCENTED_RE = re.compile("[" + "".join(map(chr, sorted(_ACCENT_TABLE))) + "]")
# Latin-1 text folds through a byte table (~15x faster than str.translate,
# which costs ~30 ns a character); a letter or digit beyond Latin-1 needs
# the full table. Other characters beyond it (’ – €) are not letters and
# become "?", which the regexes treat alike.
_LATIN1_FOLD = bytes(ord(_ACCENT_TABLE.get(b, chr(b))) for b in range(256))
_BEYOND_LATIN1_RE = re.compile(r"[^\W\x00-\xff]")


def _fold_accents(text: str) -> str:
    """``text`` with accents stripped, one character for one."""
    if _BEYOND_LATIN1_RE.search(text):
        return text.translate(_ACCENT_TABLE)
    return text.encode("latin-1", "replace").translate(_LATIN1_FOLD).decode("latin-1")


_WORD_END = r"(?![^\W_])"
# A word in a text that mixes scripts: CJK characters end it, as words() splits them.
_LATIN_TAIL = f"[^\\W_{_CJK}]*"


@lru_cache(maxsize=256)
def _candidates_regex(stems: frozenset[str], exacts: frozenset[str]) -> re.Pattern[str] | None:
    prefixes = set(exacts)
    for st in stems:
        # Snowball changes at most a word's last letter or two (policy → polici,
        # hoping → hope), and stems are at least 2 letters.
        prefixes.add(st[:-1] if len(st) > 3 else st[: max(1, len(st) - 1)])
    prefixes = {p for p in prefixes if p and not CJK_RE.search(p)}
    if not prefixes:
        return None
    letter = f"[^\\W_{_CJK}]"  # a CJK character before is a word start, as words() splits
    alts = _word_start_alternatives([(p[0], re.escape(p[1:])) for p in sorted(prefixes, key=len, reverse=True)], letter)
    return re.compile(f"{alts}{_LATIN_TAIL}")


@lru_cache(maxsize=256)
def _phrases_regex(phrases: frozenset[tuple[str, ...]]) -> re.Pattern[str]:
    """One pass for all phrases (a glossary expansion adds a dozen)."""
    sep = r"[\W_]+"
    ordered = sorted(phrases, key=lambda p: -sum(map(len, p)))
    alts = _word_start_alternatives(
        [(p[0][0], re.escape(p[0][1:]) + "".join(sep + re.escape(w) for w in p[1:])) for p in ordered], "[^\\W_]"
    )
    return re.compile(f"{alts}{_WORD_END}")


def _phrase_spans(text: str, phrases: set[tuple[str, ...]]) -> list[tuple[int, int]]:
    toks = [(m.start(), m.end(), fold(m.group())) for m in WORD_RE.finditer(text)]
    words = [t[2] for t in toks]
    firsts: dict[str, list[tuple[str, ...]]] = {}
    for p in phrases:
        firsts.setdefault(p[0], []).append(p)
    out: list[tuple[int, int]] = []
    for i, w in enumerate(words):
        for p in firsts.get(w, ()):
            if tuple(words[i : i + len(p)]) == p:
                out.extend((toks[j][0], toks[j][1]) for j in range(i, i + len(p)))
    return out


def _word_spans(text: str, lang: str, stems: set[str], exacts: set[str]) -> list[tuple[int, int]]:
    stem = stemmer(lang)
    spans: list[tuple[int, int]] = []
    for m in WORD_RE.finditer(text):
        w = m.group()
        if CJK_RE.search(w):
            base = m.start()
            for part in SPLIT_CJK_RE.finditer(w):
                run = part.group()
                if not CJK_RE.match(run):
                    f = fold(run)
                    if f in exacts or stem(run) in stems:
                        spans.append((base + part.start(), base + part.end()))
                    continue
                covered = [c in exacts for c in run]  # a one-character query
                for i, g in enumerate(cjk_bigrams(run)):
                    if g in exacts or g in stems:
                        for j in range(i, min(i + len(g), len(run))):
                            covered[j] = True
                i = 0
                while i < len(run):
                    if covered[i]:
                        j = i
                        while j < len(run) and covered[j]:
                            j += 1
                        spans.append((base + part.start() + i, base + part.start() + j))
                        i = j
                    else:
                        i += 1
            continue
        f = fold(w)
        if f in exacts or stem(w) in stems:
            spans.append((m.start(), m.end()))
    return spans
