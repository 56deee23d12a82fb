"""The tracker's selections: US$ only where sources give it, linked markets, latest prices, filters."""

from __future__ import annotations

import datetime as dt

import pytest

from search.hub import prices, tracker
from search.vocab import systems as systems_mod


@pytest.fixture(scope="module")
def reg():
    return systems_mod.load()


@pytest.fixture(scope="module")
def book():
    return prices.book(include_local=False)


def test_usd_only_where_the_source_gives_it(book, reg):
    native = tracker.compare(book, reg, ["nz-ets", "eu-ets"])
    assert [c for c, _ in native.charts] == ["USD", "NZD"]
    assert not native.excluded
    usd = tracker.compare(book, reg, ["nz-ets", "eu-ets"], currency_mode="usd")
    assert [c for c, _ in usd.charts] == ["USD"]
    (ex,) = usd.excluded
    assert ex.currency == "NZD" and "no exchange rate" in ex.reason
    # Every US$ series comes with US$ from its source.
    assert all(x.series.currency == "USD" for _, ss in usd.charts for x in ss)
    with pytest.raises(ValueError):
        tracker.compare(book, reg, ["nz-ets"], currency_mode="eur")


def test_linked_market_series_once_and_mixed_kinds(book, reg):
    cmp = tracker.compare(book, reg, ["us-california", "ca-quebec"])
    (usd,) = [ss for c, ss in cmp.charts if c == "USD"]
    keys = [x.series.key for x in usd]
    assert len(keys) == len(set(keys)) == 3  # the joint auction once, two World Bank series
    via = [x for x in usd if x.via]
    assert [(x.via, x.series.kind) for x in via] == [("wci", "auction")]
    assert cmp.mixed_kinds and cmp.kinds == ["auction", "annual reference"]


def test_date_range(book, reg):
    cmp = tracker.compare(book, reg, ["nz-ets"], start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    (nzd,) = [ss for c, ss in cmp.charts if c == "NZD"]
    assert nzd[0].series.between(cmp.start, cmp.end).points[0][0] >= dt.date(2024, 1, 1)
    old = tracker.compare(book, reg, ["uk-ets"], end=dt.date(2015, 1, 1))
    assert not old.charts and old.excluded[0].reason == "no prices in the chosen dates"


def test_latest_prices(book, reg):
    rows = {r.system: r for r in tracker.latest_prices(book, reg)}
    nz = rows["nz-ets"]
    assert (nz.date, nz.currency, nz.kind) == (dt.date(2026, 7, 3), "NZD", "secondary market")
    assert rows["eu-ets"].date == dt.date(2025, 4, 1) and rows["eu-ets"].kind == "annual reference"
    assert rows["wci"].kind == "auction"
    assert "br-sbce" not in rows  # no prices
    assert all(r.source and r.licence for r in rows.values())


def test_filters_and_rows(book, reg):
    inforce_eu = tracker.filter_systems(reg, status=["in force"], region=["Europe"])
    assert {s.id for s in inforce_eu} >= {"eu-ets", "uk-ets", "ch-ets", "de-nehs"}
    assert all(s.status == "in force" and s.region == "Europe" for s in inforce_eu)
    aviation = tracker.filter_systems(reg, sector=["aviation"])
    assert "eu-ets" in {s.id for s in aviation} and "rggi" not in {s.id for s in aviation}
    docs = {"eu-ets": 3, "nz-ets": 1}
    with_docs = tracker.filter_systems(reg, has_documents=True, documents=docs)
    assert {s.id for s in with_docs} == {"eu-ets", "nz-ets"}
    rows = tracker.system_rows(with_docs, book, reg, docs)
    assert [r.to_json()["documents"] for r in rows] == [3, 1]
    assert rows[0].to_json()["latest_price"]["currency"] == "USD"
