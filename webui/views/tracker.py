"""The price tracker (``/prices``): systems compared on one chart per currency,
the latest price of every system, and the JSON and CSV twins.

State: ``system`` (repeatable; default a few systems with long series),
``from`` and ``to`` (YYYY or YYYY-MM-DD), ``currency`` (``native`` or
``usd``). In US$ only series whose source gives US$ are drawn; the others
are listed with the reason. Kinds of price keep their own line styles.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable

from flask import url_for
from markupsafe import Markup

from search.hub import charts, tracker
from search.hub.prices import FIELDS, KINDS, number_text

from .. import urls
from .hubdata import HubData
from .systems import system_url

#: Shown when no system is chosen: long series of three kinds and two currencies.
DEFAULT_SYSTEMS = ("eu-ets", "nz-ets", "us-california", "rggi", "kr-ets")
_DATE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")


@dataclass
class Choice:
    id: str
    name: str
    selected: bool
    count: int  # prices of its own and its linked market's


@dataclass
class LatestRow:
    system: str
    name: str
    url: str
    price: str
    date: str
    kind: str
    instrument: str
    source: str
    licence: str


@dataclass
class TrackerPage:
    choices: list[Choice]
    start: str
    end: str
    currency: str
    currency_modes: dict[str, str]
    charts: list[Markup]
    excluded: list[tracker.Excluded]
    mixed_kinds: bool
    kinds: list[str]
    latest: list[LatestRow]
    json_url: str
    csv_url: str
    problems: list[str]


@dataclass
class TrackerData:
    hub: HubData
    state: urls.Pairs
    systems: list[str]
    start: dt.date | None
    end: dt.date | None
    currency: str
    comparison: tracker.Comparison
    problems: list[str]


def _date(text: str, end: bool) -> dt.date | None:
    if not _DATE.match(text):
        return None
    try:
        if len(text) == 4:
            return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def tracker_data(hub: HubData, args: Iterable[tuple[str, str]], *, default_all: bool = False) -> TrackerData:
    state: urls.Pairs = []
    systems: list[str] = []
    problems: list[str] = []
    start = end = None
    currency = "native"
    for k, v in urls.clean(args):
        v = v.strip()
        if k == "system":
            if hub.reg.get(v) is None:
                problems.append(f"Unknown system {v!r} left out.")
                continue
            if v not in systems:
                systems.append(v)
                state.append((k, v))
        elif k in ("from", "to"):
            d = _date(v, end=k == "to")
            if d is None:
                problems.append(f"The date {v!r} was not understood (use YYYY or YYYY-MM-DD).")
                continue
            if k == "from":
                start = d
            else:
                end = d
            state.append((k, v))
        elif k == "currency" and v in tracker.CURRENCY_MODES:
            currency = v
            if v != "native":
                state.append((k, v))
    if start and end and start > end:
        problems.append("The start date is after the end date; they were swapped.")
        start, end = end, start
    if not systems:
        systems = hub.book.systems() if default_all else [s for s in DEFAULT_SYSTEMS if hub.reg.get(s)]
    cmp = tracker.compare(hub.book, hub.reg, systems, start=start, end=end, currency_mode=currency)
    return TrackerData(hub, state, systems, start, end, currency, cmp, problems)


def tracker_page(data: TrackerData) -> TrackerPage:
    hub = data.hub
    counts = {}
    for s in hub.reg.all():
        n = sum(len(x.series.points) for x in tracker.series_for(hub.book, hub.reg, s.id))
        if n:
            counts[s.id] = n
    choices = [Choice(s.id, s.name, s.id in data.systems, counts[s.id]) for s in sorted(hub.reg.all(), key=lambda s: s.name.lower())
               if s.id in counts]
    svgs = []
    for i, (currency, series) in enumerate(data.comparison.charts):
        c = charts.line_chart([x.series for x in series], labels=[x.label for x in series],
                              title=f"Allowance prices in {charts.currency_label(currency)}",
                              start=data.start, end=data.end, chart_id=f"tracker-{i}", width=760)
        svgs.append(Markup(c.svg))
    latest = [LatestRow(r.system, r.name, system_url(r.system), f"{charts.currency_label(r.currency)} {r.price:,.2f}",
                        r.date.isoformat(), r.kind_label, r.instrument, r.source, r.licence)
              for r in tracker.latest_prices(hub.book, hub.reg)]
    # The twins hold what the page shows, defaults included.
    twin_state = data.state if any(k == "system" for k, _ in data.state) else [("system", s) for s in data.systems] + data.state
    return TrackerPage(
        choices=choices,
        start=data.start.isoformat() if data.start else "",
        end=data.end.isoformat() if data.end else "",
        currency=data.currency,
        currency_modes=tracker.CURRENCY_MODES,
        charts=svgs,
        excluded=data.comparison.excluded,
        mixed_kinds=data.comparison.mixed_kinds,
        kinds=[KINDS[k] for k in data.comparison.kinds],
        latest=latest,
        json_url=urls.url(url_for("hub.api_prices"), twin_state),
        csv_url=urls.url(url_for("hub.prices_csv"), twin_state),
        problems=data.problems,
    )


def tracker_json(data: TrackerData) -> dict[str, Any]:
    """``/api/prices``: the chosen series (every point, with source and licence), what was left out, the latest prices."""
    return {
        "systems": data.systems,
        "from": data.start.isoformat() if data.start else None,
        "to": data.end.isoformat() if data.end else None,
        "currency": data.currency,
        "mixed_kinds": data.comparison.mixed_kinds,
        "series": [{**x.to_json(), "points": [{"date": d.isoformat(), "price": v} for d, v in x.series.between(data.start, data.end).points]}
                   for _, ss in data.comparison.charts for x in ss],
        "excluded": [{"series": e.label, "currency": e.currency, "reason": e.reason} for e in data.comparison.excluded],
        "latest": [r.to_json() for r in tracker.latest_prices(data.hub.book, data.hub.reg)],
        "problems": data.problems,
    }


CSV_FIELDS = ("date", "system", "system_name", "instrument", "price", "currency", "kind", "period", "source", "licence")


def csv_rows(data: TrackerData) -> Iterable[list[str]]:
    """``/prices.csv``: one row per price of the chosen series, each with its source and licence."""
    yield list(CSV_FIELDS)
    names = {s.id: s.name for s in data.hub.reg.all()}
    for _, ss in data.comparison.charts:
        for x in ss:
            s = x.series
            for d, v in s.between(data.start, data.end).points:
                yield [d.isoformat(), s.system, names.get(s.system, s.system), s.instrument, number_text(v), s.currency,
                       s.kind, s.period, s.source, s.licence]


assert set(CSV_FIELDS) >= set(FIELDS)
