"""Running the web app under gunicorn.

Searches are CPU-bound Python, so separate worker processes (not threads)
use the cores; each worker keeps its own searcher open and picks up a
newer index by itself. The workers are gevent's: with gunicorn's sync
workers two clients sending their headers one byte a second held both
workers and stalled every search for a minute; a gevent worker holds such
a client in a greenlet and goes on answering others. (Behind a buffering
proxy, as ``scripts/deploy/nginx.conf`` sets one up, slow clients never
reach gunicorn at all.)
"""

from __future__ import annotations

import html
import textwrap
from pathlib import Path
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication


class _App(BaseApplication):
    def __init__(self, options: dict, index: Path, config: dict[str, Any] | None = None):
        self.options = options
        self.index = index
        self.config = config or {}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from webui import create_app
        from webui.state import get_searcher

        # A worker lives long: SERVER_WORKER leaves its index out of the
        # garbage collector's full passes (search.heap.freeze_long_lived).
        app = create_app({"INDEX": str(self.index), **self.config, "SERVER_WORKER": True})
        # Open the index and load the data files before the first request.
        with app.app_context():
            get_searcher().warm_up()
        return app


def gunicorn_options(host: str, port: int, workers: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gevent",
        # Connections one worker holds at once (slow ones included).
        "worker_connections": 1000,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "warning",
        # Each instance would otherwise claim the same control socket file.
        "control_socket_disable": True,
        # Load the app in each worker so every worker opens its own index reader.
        "preload_app": False,
    }


def _write_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error reply (a malformed request never reaches the
    app) with ``X-Content-Type-Options: nosniff`` like every app reply."""
    body = textwrap.dedent(
        f"""\
        <html>
          <head><title>{html.escape(reason)}</title></head>
          <body><h1>{html.escape(reason)}</h1>{html.escape(mesg)}</body>
        </html>
        """
    )
    head = (
        f"HTTP/1.1 {int(status_int)} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        f"Content-Length: {len(body.encode('utf-8'))}\r\n\r\n"
    )
    gunicorn_util.write_nonblock(sock, head.encode("latin-1", "replace") + body.encode("utf-8"))


# The workers call gunicorn.util.write_error by name: one patch covers them all.
gunicorn_util.write_error = _write_error

#: Bind addresses that say nothing about the site's name.
_WILDCARDS = {"", "0.0.0.0", "::", "[::]"}


def run(
    index: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 2,
    base_url: str | None = None,
    allowed_hosts: list[str] | None = None,
    read_only: bool | None = None,
    writer_url: str | None = None,
) -> None:
    """Serve ``index``. The site answers to ``ALLOWED_HOSTS`` plus
    ``allowed_hosts`` and ``host`` (unless it binds every address);
    ``base_url``, ``read_only`` and ``writer_url`` override the settings
    ``BASE_URL``, ``READ_ONLY`` and ``WRITER_URL``."""
    config: dict[str, Any] = {"SERVE_HOSTS": list(allowed_hosts or []) + ([host.strip("[]")] if host not in _WILDCARDS else [])}
    if base_url:
        config["BASE_URL"] = base_url
    if read_only is not None:
        config["READ_ONLY"] = read_only
    if writer_url:
        config["WRITER_URL"] = writer_url
    _App(gunicorn_options(host, port, workers), index, config).run()
