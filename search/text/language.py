"""Language identification of document text (py3langid).

Only a sample is classified: up to ~20 kB taken from the start, middle
and end, which is as reliable as the whole text for documents and keeps
detection at a few milliseconds.  The model loads once per process
(about 0.7 s), on first use.
"""

from __future__ import annotations

import re
import threading
from typing import Any

__all__ = ["detect_language", "UND"]

UND = "und"
#: Characters of text classified at most.
SAMPLE_CHARS = 6_000  # ~1,000 words: as reliable for a document, a third of the time
#: Fewer letters than this: too short to tell.
MIN_LETTERS = 20
#: Normalised probability from which the detected language is trusted.
CONFIDENT = 0.5
#: Text with fewer letters than this defers to a declared language.
SHORT_LETTERS = 300

# Codes py3langid returns that are not ISO 639-1 but have a 639-1 parent.
_ALIASES = {"wuu": "zh", "yue": "zh", "hbo": "he", "arz": "ar", "ary": "ar", "uzs": "uz", "nn": "no", "nb": "no"}
_ISO639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
    hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
    ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
    pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
    ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)
_URL_RE = re.compile(r"\S+://\S+|\S+@\S+\.\S+|www\.\S+")

_identifier: Any = None
_lock = threading.Lock()


def _model() -> Any:
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def detect_language(text: str, hint: str | None = None) -> str:
    """ISO 639-1 code of the text's language, or ``"und"``.

    ``hint`` is a declared language (html lang, PDF /Lang, "en-GB"); it is
    used when the text is too short or detection is unsure, never against
    a confident detection (PDF /Lang is often a template default).
    """
    declared = _normalise(hint) if hint else None
    sample = _sample(text)
    letters = sum(map(str.isalpha, sample))
    if letters < MIN_LETTERS:
        return declared or UND
    lang, prob = _classify(sample)
    if declared and declared != lang and (letters < SHORT_LETTERS or prob < 0.9):
        return declared
    if lang is None or prob < CONFIDENT:
        return declared or UND
    return lang


def _classify(sample: str) -> tuple[str | None, float]:
    """Best ISO 639-1 code and its probability; dialect codes count for
    their parent language (wuu, yue → zh)."""
    probs: dict[str, float] = {}
    for code, prob in _model().rank(sample)[:5]:
        code = _ALIASES.get(code, code)
        if len(code) == 2:
            probs[code] = probs.get(code, 0.0) + float(prob)
    if not probs:
        return None, 0.0
    best = max(probs, key=lambda c: probs[c])
    return best, probs[best]


def _sample(text: str) -> str:
    """Up to SAMPLE_CHARS of text from start, middle and end, URLs removed."""
    if len(text) > SAMPLE_CHARS:
        part = SAMPLE_CHARS // 3
        mid = len(text) // 2
        text = "\n".join((text[:part], text[mid - part // 2 : mid + part // 2], text[-part:]))
    return _URL_RE.sub(" ", text)


def _normalise(code: str) -> str | None:
    m = re.match(r"^\s*([A-Za-z]{2,3})(?:[-_]|\s*$)", code or "")
    if not m:
        return None
    base = m.group(1).lower()
    base = _ALIASES.get(base, base)
    return base if base in _ISO639_1 else None
