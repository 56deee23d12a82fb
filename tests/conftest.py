"""Shared fixtures.

Tests that need the real corpus in ``../shared/corpus`` use ``shared_corpus``,
which skips with a reason when it is absent (a user's fresh clone). Tests
that need real documents but not those in particular use ``real_corpus``
and ``corpus_index``/``corpus_searcher``: the shared corpus when present,
else the shipped sample corpus (``corpus/``), so they run everywhere.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ETSLIB_SHARED_CORPUS", ROOT.parent / "shared" / "corpus"))


CORPUS = ROOT / "corpus"


def has_shared_corpus() -> bool:
    return (SHARED / "MANIFEST.tsv").is_file()


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    if not has_shared_corpus():
        pytest.skip(f"the shared test corpus is not at {SHARED} (set ETSLIB_SHARED_CORPUS)")
    return SHARED


@pytest.fixture(scope="session")
def real_corpus() -> Path:
    """The shared corpus when present, else the shipped sample corpus."""
    return SHARED if has_shared_corpus() else CORPUS


# -- the web app over a real index ------------------------------------------------


def build_index(paths: list[Path], dest: Path) -> dict:
    """Index ``paths`` into ``dest`` with the real ingest (as ``etslib ingest`` does)."""
    from search.index import IndexRoot
    from search.ingest import IngestOptions, ingest

    return ingest([str(p) for p in paths], IndexRoot(dest), IngestOptions(jobs=2))


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    """A real index of the shipped sample corpus (``corpus/``)."""
    dest = tmp_path_factory.mktemp("index")
    report = build_index([CORPUS], dest)
    assert report["counts"]["failed"] == 0, report["failures"]
    return dest


XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="session")
def xss_index_dir(tmp_path_factory) -> Path:
    """A tiny index whose document title and text are HTML/script injections."""
    corpus = tmp_path_factory.mktemp("xss-corpus")
    (corpus / "evil.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title></head><body>"
        "<p>Emissions trading allowances are auctioned. &lt;img src=x onerror=alert(2)&gt; "
        "The cap on allowances declines every year under the emissions trading system.</p>"
        "<script>document.title = 'pwned'</script></body></html>",
        encoding="utf-8",
    )
    # The catalog gives the title (a file's own <title> that looks like markup
    # is rightly passed over by the metadata rules).
    (corpus / "catalog.yaml").write_text(
        "documents:\n  - path: evil.html\n    title: '<script>alert(1)</script>'\n"
        "    publisher: '<b>Evil & Co</b>'\n    year: 2024\n    type: report\n",
        encoding="utf-8",
    )
    (corpus / "plain.txt").write_text(
        "Carbon market notes\n\nAllowances and offsets in emissions trading systems.\n",
        encoding="utf-8",
    )
    dest = tmp_path_factory.mktemp("xss-index")
    report = build_index([corpus], dest)
    assert report["counts"]["failed"] == 0, report["failures"]
    return dest


def _make_app(index: Path):
    from webui import create_app

    return create_app({"TESTING": True, "INDEX": str(index), "SECRET_KEY": "test"})


@pytest.fixture(scope="session")
def app(index_dir):
    """The real app over the sample corpus index (one searcher for the session)."""
    from webui.state import close

    app = _make_app(index_dir)
    yield app
    close(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def xss_app(xss_index_dir):
    from webui.state import close

    app = _make_app(xss_index_dir)
    yield app
    close(app)


@pytest.fixture
def xss_client(xss_app):
    return xss_app.test_client()


@contextmanager
def serve_index(index: Path, log: Path, *, workers: int = 1, env: dict[str, str] | None = None, args: tuple[str, ...] = (),
                timeout: float = 30):
    """``etslib serve ARGS`` (gunicorn) over ``index`` on a free port, as a
    subprocess; yields its base URL and stops it afterwards."""
    import sys

    from tests.support.processes import free_port, listening

    port = free_port()
    cmd = [sys.executable, "-m", "webui.cli", "serve", "--index", str(index), "--port", str(port), "--workers", str(workers), *args]
    with listening(cmd, port, log, what="etslib serve", timeout=timeout, cwd=ROOT, env={**os.environ, **(env or {})}):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def live_server(index_dir, tmp_path_factory):
    """``etslib serve`` (gunicorn) on a free port, as a subprocess; yields its base URL."""
    with serve_index(index_dir, tmp_path_factory.mktemp("live-server") / "server.log") as url:
        yield url


@pytest.fixture(scope="session")
def shared_index(shared_corpus, tmp_path_factory):
    """A real index of ../shared/corpus/real-ets and climate-policy, built once."""
    from search.index import IndexRoot
    from search.ingest import IngestOptions, ingest

    root = IndexRoot(tmp_path_factory.mktemp("shared-index"))
    report = ingest(
        [str(shared_corpus / "real-ets"), str(shared_corpus / "climate-policy")],
        root,
        IngestOptions(jobs=2, batch_records=400),
    )
    return root, report


@pytest.fixture(scope="session")
def shared_searcher(shared_index):
    from search.query.searcher import Searcher

    root, _ = shared_index
    s = Searcher(root)
    yield s
    s.close()


@pytest.fixture(scope="session")
def corpus_index(request):
    """``shared_index`` when the shared corpus is present, else the sample
    corpus's index (``index_dir``), as (root, report)."""
    if has_shared_corpus():
        return request.getfixturevalue("shared_index")
    from search.index import IndexRoot
    from search.ingest import read_report

    root = IndexRoot(request.getfixturevalue("index_dir"))
    return root, read_report(root)


@pytest.fixture(scope="session")
def corpus_searcher(corpus_index):
    """A searcher over ``corpus_index``."""
    from search.query.searcher import Searcher

    root, _ = corpus_index
    s = Searcher(root)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (skips without Debian's ``chromium``)."""
    from tests.support.browser import launch

    yield from launch()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where page tests save screenshots."""
    from tests.support.browser import screenshot_dir

    return screenshot_dir(tmp_path_factory)
