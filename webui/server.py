"""Running the web app under gunicorn (sync worker processes).

Searches are CPU-bound Python, so separate processes (not threads) use the
cores; each worker keeps its own searcher open and picks up a newer index
by itself.
"""

from __future__ import annotations

from pathlib import Path

from gunicorn.app.base import BaseApplication


class _App(BaseApplication):
    def __init__(self, options: dict, index: Path):
        self.options = options
        self.index = index
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from webui import create_app
        from webui.state import get_searcher

        app = create_app({"INDEX": str(self.index)})
        # Open the index and load the data files before the first request.
        with app.app_context():
            get_searcher().warm_up()
        return app


def gunicorn_options(host: str, port: int, workers: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
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


def run(index: Path, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 2) -> None:
    _App(gunicorn_options(host, port, workers), index).run()
