"""Language detection on real corpus texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.extract import extract
from search.text import language
from search.text.language import detect_language


@pytest.mark.parametrize(
    ("path", "lang"),
    [
        ("real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt", "en"),
        ("more-ets/de-law/BEHG-BJNR272800019.md", "de"),
        ("real-ets/cn/碳排放权交易管理暂行条例_国务院令第775号_2024.md", "zh"),
        ("hostile-pdfs/non-latin/pdfjs__issue16063.pdf", "ja"),
        ("hostile-pdfs/non-latin/pdfjs__bug1627427_reduced.pdf", "ko"),
        ("hostile-pdfs/non-latin/pdfjs__ArabicCIDTrueType.pdf", "ar"),
        ("hostile-pdfs/large/sample-files__GeoTopo-komprimiert.pdf", "de"),
    ],
)
def test_real_documents(shared_corpus: Path, path: str, lang: str):
    ex = extract(shared_corpus / path)
    assert detect_language("\n\n".join(ex.pages)) == lang


def test_confident_text_overrides_a_wrong_declaration(shared_corpus: Path):
    ex = extract(shared_corpus / "real-ets/eu/EC_2024_carbon_market_report_en.pdf")
    assert ex.language == "fr"  # /Lang fr-BE on an English report
    assert detect_language("\n\n".join(ex.pages), ex.language) == "en"


def test_french_and_spanish_snippets(shared_corpus: Path):
    # The shared corpus has no French/Spanish document text; these are the
    # official EU ETS names as published in those languages.
    fr = "Le système d'échange de quotas d'émission de l'Union européenne (SEQE-UE) est la pierre angulaire de la politique climatique."
    es = "El régimen de comercio de derechos de emisión de la Unión Europea es la piedra angular de la política climática."
    assert detect_language(fr) == "fr"
    assert detect_language(es) == "es"


def test_short_text_and_hints():
    assert detect_language("") == "und"
    assert detect_language("12 34 56 %") == "und"
    assert detect_language("OK", hint="en-GB") == "en"
    assert detect_language("ETS", hint="de") == "de"
    assert detect_language("Emissionshandel", hint="xx-invalid") in ("und", "de")
    assert detect_language("碳排放权交易管理暂行条例", hint="zh-Hans") == "zh"


def test_a_bounded_sample_is_classified_by_a_model_loaded_once(shared_corpus: Path, monkeypatch: pytest.MonkeyPatch):
    """What kept detection at a few milliseconds a document: only a sample
    of about SAMPLE_CHARS is classified, and the model is not loaded again.
    (Its speed is measured in scripts/bench.)"""
    from py3langid.langid import LanguageIdentifier

    text = (shared_corpus / "real-ets/eu-text/CELEX_32023L0959_EN_TXT.txt").read_text(encoding="utf-8")
    assert len(text) > 10 * language.SAMPLE_CHARS
    assert detect_language(text) == "en"  # loads the model

    def no_reload(*args, **kwargs):
        raise AssertionError("the language model was loaded again")

    monkeypatch.setattr(LanguageIdentifier, "from_model_file", no_reload)
    classified: list[int] = []
    classify = language._classify
    monkeypatch.setattr(language, "_classify", lambda sample: (classified.append(len(sample)), classify(sample))[1])
    for _ in range(10):
        assert detect_language(text) == "en"
    assert len(classified) == 10
    assert max(classified) <= language.SAMPLE_CHARS + 2  # start, middle and end, joined by newlines
