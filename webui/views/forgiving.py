"""A safety net around running a query typed by a user."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, TypeVar

from flask import current_app

from search.model import SearchRequest
from search.query import IndexProblem

T = TypeVar("T")


def plain_words(q: str) -> str:
    return " ".join(re.findall(r"\w+", q))


def forgiving(run: Callable[[SearchRequest], T], req: SearchRequest, notes: list[str]) -> tuple[T, SearchRequest]:
    """``run(req)``; should the query trip the engine, run its plain words and say so.

    The parser is designed never to raise, so this is a safety net: a
    malformed query must give a page with a note, never a 500.
    """
    try:
        return run(req), req
    except IndexProblem:
        raise
    except Exception:
        words = plain_words(req.q)
        if words == req.q:
            raise
        current_app.logger.exception("query %r failed; retrying with its plain words", req.q)
        notes.append(f"The query could not be read as written; searched for its words instead: {words or '(none)'}.")
        req = replace(req, q=words)
        return run(req), req
