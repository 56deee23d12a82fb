"""What the knowledge hub's views share: the registry, the prices, the library's counts.

The registry and the shipped prices are read once per process; the local
price store is read again when it changes (``etslib prices import``), and the
library's counts come from the running searcher. Without an index the hub
still works: maps and prices need none, and the library parts say so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app

from search.hub import prices
from search.hub.library import documents_per_system
from search.vocab import systems as systems_mod

log = logging.getLogger("etslib.web")


@dataclass
class HubData:
    reg: systems_mod.Systems
    book: prices.PriceBook
    documents: dict[str, int] | None  # documents per system id; None without a usable index


def price_store_path():
    """The local price store: the app's PRICES setting, else the default."""
    configured = current_app.config.get("PRICES")
    return prices.PriceStore(configured).path if configured else prices.default_store_path()


def searcher_or_none() -> Any:
    from ..state import get_searcher

    try:
        return get_searcher()
    except Exception as e:  # no index yet: the hub's maps and prices still work
        log.info("knowledge hub without the library: %s", e)
        return None


def jurisdiction_counts(searcher: Any) -> dict[str, int] | None:
    """Documents per jurisdiction id, from the library's statistics."""
    if searcher is None:
        return None
    try:
        stats = searcher.index_stats()
    except Exception as e:
        log.info("knowledge hub without library counts: %s", e)
        return None
    return {v.value: v.count for v in stats.facets.get("jurisdiction", [])}


def hub_data(*, with_documents: bool = True) -> HubData:
    reg = systems_mod.load()
    book = prices.book(price_store_path())
    docs = None
    if with_documents:
        counts = jurisdiction_counts(searcher_or_none())
        if counts is not None:
            docs = documents_per_system(counts, reg.all())
    return HubData(reg, book, docs)
