"""search/data/publishers.yaml: loaded and checked; lookups by name and site."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.text.datafile import DataFileError
from search.vocab import publishers


def test_packaged_file_loads_and_names_known_jurisdictions():
    rules = publishers.rules()
    assert publishers.check_jurisdictions(rules) == []
    assert rules.canonical("Scoop Media").name == "Scoop (New Zealand)"
    assert rules.canonical("publications office").name == "Publications Office of the European Union"
    assert rules.by_domain("www.taxation-customs.ec.europa.eu").name == "European Commission"
    assert rules.by_domain("example.org") is None
    assert rules.bylines.match("Press Release: Green Party").group("org") == "Green Party"
    assert rules.bylines.match("Speech: ACT New Zealand").group("org") == "ACT New Zealand"
    assert rules.bylines.match("Summary: the plan") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("publishers:\n- {name: X, colour: red}\n", r"entry 1 \(id None\)|entry 1.*unknown key"),
        ("publishers:\n- {name: X, cues: [{pattern: '(', as: issuer}]}\n", "not a valid regular expression"),
        ("imprints: ['^(?P<name>.+)$']\npublishers: []\n", r"needs a group \(\?P<org>"),
        ("publishers:\n- {name: A, aliases: [B]}\n- {name: C, aliases: [b]}\n", "already belongs to 'A'"),
        ("publishers:\n- {name: X, cues: [{pattern: x, as: author}]}\n", "as one of"),
        ("bylines: Press Release\n", "'bylines' must be a list"),
    ],
)
def test_malformed_files_are_named(tmp_path: Path, text: str, message: str):
    p = tmp_path / "publishers.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        publishers.parse(p)
