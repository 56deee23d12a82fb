"""Pure helpers of the staff pages."""

from __future__ import annotations

import pytest

from webui.staff.views import human_bytes, no_paths


@pytest.mark.parametrize(
    "text, shown",
    [
        ("broken PDF: cannot open /srv/lib/corpus/eu/x.pdf", "broken PDF: cannot open x.pdf"),
        ("No such file or directory: '/tmp/i/staff/staging/t/a.pdf'", "No such file or directory: 'a.pdf'"),
        ("Directive 2003/87/EC, see https://eur-lex.europa.eu/a/b", "Directive 2003/87/EC, see https://eur-lex.europa.eu/a/b"),
        (None, None),
    ],
)
def test_no_paths(text, shown):
    assert no_paths(text) == shown


def test_human_bytes():
    assert human_bytes(512) == "512 B"
    assert human_bytes(1536) == "1.5 KB"
    assert human_bytes(3 * 2**30) == "3.0 GB"
