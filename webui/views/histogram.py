"""The year histogram of the facet sidebar: bar geometry for an inline SVG."""

from __future__ import annotations

from dataclasses import dataclass

from search.model import SearchResponse

from .. import urls
from .links import search_url

#: Years shown at most: one stray date should not flatten the chart.
MAX_YEARS = 150


@dataclass
class Bar:
    year: int
    count: int
    x: float
    y: float
    width: float
    height: float
    in_range: bool
    url: str  # the search narrowed to this year


@dataclass
class Histogram:
    bars: list[Bar]
    width: int
    height: int
    first: int
    last: int
    peak: int


def histogram(resp: SearchResponse, state: urls.Pairs, width: int = 240, height: int = 48) -> Histogram | None:
    """Documents per year of the year facet's counts (None when no document has a year)."""
    counts: dict[int, int] = {}
    for v in resp.facets.get("year", []):
        try:
            counts[int(v.value)] = v.count
        except ValueError:
            continue
    counts = {y: n for y, n in counts.items() if n > 0}
    if not counts:
        return None
    first, last = min(counts), max(counts)
    if last - first > MAX_YEARS:
        first = last - MAX_YEARS
    years = list(range(first, last + 1))
    peak = max(counts.get(y, 0) for y in years) or 1
    req = resp.request
    slot = width / len(years)
    bars = []
    base = urls.without(state, ["year_from", "year_to"])
    for i, y in enumerate(years):
        n = counts.get(y, 0)
        h = 0.0 if n == 0 else max(2.0, height * n / peak)
        in_range = (req.year_from is None or y >= req.year_from) and (req.year_to is None or y <= req.year_to)
        bars.append(
            Bar(
                year=y,
                count=n,
                x=round(i * slot + slot * 0.1, 2),
                y=round(height - h, 2),
                width=round(max(slot * 0.8, 0.5), 2),
                height=round(h, 2),
                in_range=in_range,
                url=search_url(base + [("year_from", str(y)), ("year_to", str(y))]),
            )
        )
    return Histogram(bars, width, height, first, last, peak)
