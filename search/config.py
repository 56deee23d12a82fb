"""Where things live by default."""

from __future__ import annotations

import os
from pathlib import Path


def default_index_dir() -> Path:
    """``$XDG_DATA_HOME/etslib/index`` (``~/.local/share/etslib/index``)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "etslib" / "index"


def index_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The index folder: the argument, else ``$ETSLIB_INDEX``, else the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ETSLIB_INDEX")
    return Path(env) if env else default_index_dir()
