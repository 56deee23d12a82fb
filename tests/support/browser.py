"""Real headless Chromium for the page tests: Debian's ``chromium`` driven
by Playwright (``playwright install`` cannot download browsers here).

The ``browser`` and ``shots`` fixtures (``tests/conftest.py``) use these.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = shutil.which("chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch() -> Iterator[Any]:
    """A Chromium browser for a fixture to yield (skips when there is none)."""
    if not CHROMIUM:
        pytest.skip("no `chromium` on PATH (Debian: apt-get install chromium); Playwright cannot download browsers here")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def open_page(browser: Any, base_url: str, *, timeout_ms: int = 10_000, **options: Any) -> tuple[Any, Any, list[str]]:
    """A new context and page on ``base_url``, and the list its console
    errors and uncaught exceptions are collected in (Content-Security-Policy
    violations are console errors)."""
    ctx = browser.new_context(base_url=base_url, **options)
    ctx.set_default_timeout(timeout_ms)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return ctx, page, errors


def screenshot_dir(tmp_path_factory: Any, name: str = "screenshots") -> Path:
    """``$ETSLIB_SCREENSHOTS`` if set, else a temporary folder."""
    where = os.environ.get("ETSLIB_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        return Path(where)
    return tmp_path_factory.mktemp(name)
