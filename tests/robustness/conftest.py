"""The robustness suite: crashes, damaged disks, hostile files, hostile
users and load (issue 14). Every test counts its cases as *tried*,
*survived* (a working index or a clear message with the way out; never a
wrong answer, a 500 or a traceback) and *lost*, and the figures are printed
at the end of the run.

``ETSLIB_ROBUSTNESS=large`` runs the larger counts (see README).
"""

from __future__ import annotations

import pytest

from .figures import FIGURES, LARGE


def pytest_report_header(config):
    return f"robustness scale: {'large' if LARGE else 'default'} (ETSLIB_ROBUSTNESS=large for the larger counts)"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FIGURES.rows:
        return
    terminalreporter.section(f"robustness figures ({'large' if LARGE else 'default'} counts)")
    for line in FIGURES.table():
        terminalreporter.write_line(line)


@pytest.fixture
def figures():
    return FIGURES
