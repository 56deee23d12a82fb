"""Price charts: the SVG's points read back equal the data; kinds and currencies never blend."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from search.hub import charts, prices
from search.hub.prices import Series

NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def book():
    return prices.book(include_local=False)


def read_back(svg: str) -> dict[str, list[tuple[dt.date, float]]]:
    """Every series' points, turned back into (date, price) with the scales the SVG states."""
    root = ET.fromstring(svg)
    left, top, w, h = (float(x) for x in root.get("data-plot").split())
    d0, d1 = (dt.date.fromisoformat(x) for x in root.get("data-x-domain").split())
    y0, y1 = (float(x) for x in root.get("data-y-domain").split())
    span = (d1 - d0).days
    out = {}
    for g in root.iterfind("s:g[@class='series']", NS):
        pts = []
        for pair in g.find("s:polyline", NS).get("points").split():
            x, y = (float(v) for v in pair.split(","))
            day = d0 + dt.timedelta(days=round((x - left) * span / w))
            pts.append((day, y1 - (y - top) * (y1 - y0) / h))
        out[g.get("data-series")] = pts
    return out


def assert_same(read: list[tuple[dt.date, float]], data: tuple[tuple[dt.date, float], ...], tol: float) -> None:
    assert len(read) == len(data)
    for (rd, rv), (d, v) in zip(read, data):
        assert abs((rd - d).days) <= 1, (rd, d)
        assert abs(rv - v) <= tol, (d, rv, v)


def test_nzu_chart_points_equal_the_data(book):
    nzu = next(s for s in book.for_system("nz-ets") if s.currency == "NZD")
    chart = charts.line_chart([nzu], title="NZU")
    back = read_back(chart.svg)
    key = "|".join(nzu.key)
    # Two decimals of a pixel on a ~250 px axis to 100: within a hundredth of a dollar.
    assert_same(back[key], nzu.points, tol=0.01)
    root = ET.fromstring(chart.svg)
    assert root.get("data-currency") == "NZD" and root.get("role") == "img"
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "NZ$ per allowance (t CO2e)" in text and "secondary market" in text
    assert "Licence: ODC-PDDL-1.0" in text and "Source: theecanmole/nzu" in text


def test_mixed_kinds_are_marked_and_each_reads_back(book):
    series = book.for_system("wci") + book.for_system("us-california")
    assert {s.kind for s in series} == {"auction", "annual reference"}
    chart = charts.line_chart(series, labels=["Joint auction", "California (World Bank)"], title="WCI")
    back = read_back(chart.svg)
    for s in series:
        assert_same(back["|".join(s.key)], s.points, tol=0.01)
    root = ET.fromstring(chart.svg)
    groups = {g.get("data-kind"): g for g in root.iterfind("s:g[@class='series']", NS)}
    dashes = {k: g.find("s:polyline", NS).get("stroke-dasharray") for k, g in groups.items()}
    assert dashes["auction"] != dashes["annual reference"] and None not in dashes.values()
    assert groups["auction"].find("s:rect", NS) is not None  # square marks
    assert groups["annual reference"].find("s:circle", NS) is not None  # round marks
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "Joint auction — auction" in text and "California (World Bank) — annual reference" in text
    assert "mixed kinds of price" in text
    assert "Kinds of price differ" in root.find("s:desc", NS).text


def test_one_currency_per_chart(book):
    nz = book.for_system("nz-ets")
    with pytest.raises(ValueError, match="one currency"):
        charts.line_chart(nz)
    groups = charts.by_currency(nz)
    assert set(groups) == {"NZD", "USD"}


def test_date_range_and_escaping():
    s = Series("x", "<script>alert(1)</script>", "auction", "EUR", "day", "Src & Co", "CC BY 4.0",
               ((dt.date(2020, 1, 1), 10.0), (dt.date(2021, 1, 1), 20.0), (dt.date(2022, 1, 1), 30.0)))
    chart = charts.line_chart([s], start=dt.date(2020, 6, 1), end=dt.date(2022, 6, 1), labels=["<b>x</b>"])
    assert "<script>" not in chart.svg and "<b>" not in chart.svg
    back = read_back(chart.svg)
    assert [v for _, v in back["|".join(s.key)]] == pytest.approx([20.0, 30.0], abs=0.01)
    ET.fromstring(chart.svg)  # well-formed


def test_y_ticks():
    assert charts.y_ticks(88.5) == (100.0, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0])
    top, ticks = charts.y_ticks(0.72)
    assert top >= 0.72 and ticks[0] == 0


def test_sparkline(book):
    nzu = next(s for s in book.for_system("nz-ets") if s.currency == "NZD")
    svg = charts.sparkline(nzu)
    root = ET.fromstring(svg)
    last_date, last_price = nzu.points[-1]
    assert f"NZ$ {last_price:,.2f} on {last_date.isoformat()}" in root.get("aria-label")
    n = len(root.find("s:polyline", NS).get("points").split())
    assert n == sum(1 for d, _ in nzu.points if d >= dt.date(last_date.year - 5, last_date.month, 1))


def test_year_bars_hold_the_counts():
    svg = charts.year_bars([(2005, 2), (2008, 5), (2010, 1)])
    root = ET.fromstring(svg)
    bars = {int(r.get("data-year")): int(r.get("data-count")) for r in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert bars == {2005: 2, 2008: 5, 2010: 1}
    assert "8 documents, 2005–2010" in root.find("s:title", NS).text
    assert charts.year_bars([]) == ""
