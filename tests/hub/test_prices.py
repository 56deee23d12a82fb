"""Price series: parsing, the import (good, bad, again), the shipped series against their sources."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from search.hub import prices
from search.hub.prices import Mapping, PriceStore, import_file, import_rows


GOOD = """date,system,instrument,price,currency,kind,source,licence
2024-01-05,eu-ets,EUA spot,70.50,EUR,secondary market,Test exchange,CC0-1.0
2024-01-08,eu-ets,EUA spot,71.25,EUR,secondary market,Test exchange,CC0-1.0
2024-01-08,ETS_NZ,NZU,"1,234.5",NZD,spot,Test broker,CC0-1.0
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("text, value", [("12.10", 12.1), ("$12.10 ", 12.1), ("US$ 7", 7.0), ("1,234.5", 1234.5), ("€65", 65.0), (".5", 0.5)])
def test_parse_price(text, value):
    assert prices.parse_price(text) == value


@pytest.mark.parametrize("text", ["", "abc", "-3", "1.2.3", "12,5", "nan", "inf"])
def test_parse_price_refuses(text):
    with pytest.raises(ValueError):
        prices.parse_price(text)


def test_parse_date_quarter_and_format():
    assert prices.parse_date("Q4 2014", "quarter") == (dt.date(2014, 10, 1), "quarter")
    assert prices.parse_date("2010/05/14", "%Y/%m/%d") == (dt.date(2010, 5, 14), None)
    with pytest.raises(ValueError, match="quarter"):
        prices.parse_date("2014-Q5", "quarter")


def test_import_good_file_then_again(tmp_path):
    store = PriceStore(tmp_path / "store.csv")
    src = _write(tmp_path, "good.csv", GOOD)
    r1 = import_file(src, store=store)
    assert (r1.rows, r1.added, r1.updated, r1.unchanged, r1.rejected) == (3, 3, 0, 0, [])
    pts = store.load()
    assert {(p.system, p.currency, p.kind) for p in pts} == {("eu-ets", "EUR", "secondary market"), ("nz-ets", "NZD", "secondary market")}
    assert sorted(p.price for p in pts) == [70.5, 71.25, 1234.5]
    # The same file again: nothing new, nothing duplicated.
    r2 = import_file(src, store=store)
    assert (r2.added, r2.updated, r2.unchanged) == (0, 0, 3)
    assert len(store.load()) == 3
    # A corrected price updates its point in place.
    _write(tmp_path, "fix.csv", GOOD.replace("71.25", "71.30"))
    r3 = import_file(tmp_path / "fix.csv", store=store)
    assert (r3.added, r3.updated, r3.unchanged) == (0, 1, 2)
    assert sorted(p.price for p in store.load()) == [70.5, 71.3, 1234.5]
    with store.path.open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 3


BAD = """date,system,instrument,price,currency,kind,source,licence
2024-01-05,eu-ets,EUA spot,70.50,EUR,secondary market,Test,CC0-1.0
2024-13-01,eu-ets,EUA spot,70.50,EUR,secondary market,Test,CC0-1.0
2024-01-06,atlantis-ets,X,1,EUR,auction,Test,CC0-1.0
2024-01-07,eu-ets,EUA spot,seventy,EUR,secondary market,Test,CC0-1.0
2024-01-08,eu-ets,EUA spot,70,euro,secondary market,Test,CC0-1.0
2024-01-09,eu-ets,EUA spot,70,EUR,futures,Test,CC0-1.0
2024-01-10,eu-ets,EUA spot,70,EUR,auction,,CC0-1.0
2024-01-11,eu-ets,EUA spot,70,EUR
2024-01-05,eu-ets,EUA spot,99,EUR,secondary market,Test,CC0-1.0
"""


def test_bad_rows_are_rejected_with_line_numbers(tmp_path):
    store = PriceStore(tmp_path / "store.csv")
    report = import_file(_write(tmp_path, "bad.csv", BAD), store=store)
    lines = {r.line: r.reason for r in report.rejected}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "does not match" in lines[3]
    assert "unknown system 'atlantis-ets'" in lines[4]
    assert "not a number" in lines[5]
    assert "ISO 4217" in lines[6]
    assert "kind 'futures'" in lines[7]
    assert "source is empty" in lines[8]
    assert "fields where the header has" in lines[9]
    assert "repeats line 2" in lines[10]
    assert not report.written and not store.path.exists()
    # --skip-bad imports the one good row.
    report = import_file(tmp_path / "bad.csv", store=store, skip_bad=True)
    assert report.written and report.added == 1 and len(store.load()) == 1


def test_declared_mapping_with_template_and_fixed_values(tmp_path):
    text = "Jurisdiction,Year,Value\nETS_EU,2023,96.3\nETS_EU,2024,\nETS_EU,2025,0\n"
    m = Mapping(columns={"system": "Jurisdiction", "date": "{Year}-04-01", "price": "Value"},
                fixed={"instrument": "Reference", "currency": "USD", "kind": "annual reference",
                       "source": "Test", "licence": "CC BY 4.0", "period": "year"},
                skip_zero_price=True)
    store = PriceStore(tmp_path / "s.csv")
    report = import_rows(text.splitlines(), m, store)
    assert (report.added, report.skipped, report.rejected) == (1, 2, [])
    (p,) = store.load()
    assert (p.system, p.date, p.price, p.period) == ("eu-ets", dt.date(2023, 4, 1), 96.3, "year")


def test_header_lacking_a_mapped_column(tmp_path):
    m = Mapping(columns={"date": "Date", "price": "Close"}, fixed={"system": "nz-ets", "instrument": "NZU",
                "currency": "NZD", "kind": "secondary market", "source": "x", "licence": "y"})
    report = import_rows(["Day,Close", "2024-01-01,50"], m, PriceStore(tmp_path / "s.csv"))
    assert [(r.line, "Date" in r.reason) for r in report.rejected] == [(1, True)]


def test_mapping_must_cover_required_fields():
    with pytest.raises(ValueError, match="licence"):
        Mapping(columns={"date": "d", "price": "p"}, fixed={"system": "x", "instrument": "i", "currency": "USD",
                "kind": "auction", "source": "s"}).check()
    with pytest.raises(ValueError, match="unknown field"):
        Mapping(columns={"colour": "c"}).check()


def test_local_store_wins_over_shipped(tmp_path):
    shipped = [p for p in prices.load_points(include_local=False) if p.system == "nz-ets" and p.currency == "NZD"]
    first = min(shipped, key=lambda p: p.date)
    store = PriceStore(tmp_path / "local.csv")
    store.replace_all([prices.PricePoint(**{**first.__dict__, "price": first.price + 1})])
    merged = [p for p in prices.load_points(store.path) if p.key == first.key]
    assert len(merged) == 1 and merged[0].price == first.price + 1
    book = prices.book(store.path)
    nzu = next(s for s in book.for_system("nz-ets") if s.currency == "NZD")
    assert len(nzu.points) == len(shipped)


# ---------------------------------------------------------------- the shipped series


@pytest.fixture(scope="module")
def book():
    return prices.book(include_local=False)


def test_shipped_series_and_their_currencies(book):
    keys = {(s.system, s.instrument, s.kind, s.currency) for s in book.series}
    assert ("nz-ets", "NZU", "secondary market", "NZD") in keys
    assert ("wci", "Joint auction, current vintage (settlement price)", "auction", "USD") in keys
    # No invented exchange rates: US$ comes only from sources that give US$.
    for s in book.series:
        if s.currency == "USD":
            assert s.source.startswith(("World Bank", "California Air Resources Board")), s.key
        assert s.source and s.licence
    assert {s.currency for s in book.for_system("nz-ets")} == {"NZD", "USD"}
    assert all(s.kind == "annual reference" for s in book.for_system("eu-ets"))


def test_shipped_series_equal_their_sources(book, shared_corpus):
    src = shared_corpus / "datasets" / "prices"
    nzu = next(s for s in book.for_system("nz-ets") if s.currency == "NZD")
    with (src / "nzu_spotprices.csv").open(encoding="utf-8") as f:
        raw = [(dt.date.fromisoformat(r["date"]), float(r["price"])) for r in csv.DictReader(f)]
    assert list(nzu.points) == sorted(raw)
    carb = next(s for s in book.for_system("wci") if s.kind == "auction")
    with (src / "carb_nc-allowance_prices.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(carb.points) == len(rows) == 44
    assert [v for _, v in carb.points] == [prices.parse_price(r["Current Auction Settlement Price"]) for r in rows]
    assert carb.points[0][0] == dt.date(2014, 10, 1) and carb.period == "quarter"
    with (src / "worldbank_cpd_2025-08_compliance_price.csv").open(encoding="utf-8-sig") as f:
        wb = [r for r in csv.DictReader(f) if r["Instrument Type"] == "ETS"]
    from search.vocab.systems import load

    reg = load()
    expected = {(reg.resolve(r["Unique ID"]), dt.date(int(y), 4, 1), float(v)) for r in wb for y, v in r.items()
                if y.isdigit() and v.strip() and float(v) != 0}
    shipped = {(s.system, d, v) for s in book.series if s.kind == "annual reference" for d, v in s.points}
    assert shipped == expected


def test_every_shipped_hub_file_has_one_source():
    from search.hub import sources
    from search.text.datafile import DATA_DIR

    srcs = sources.load()
    named = [f for s in srcs for f in s.files]
    assert len(named) == len(set(named))
    shipped = sorted(str(p.relative_to(DATA_DIR)) for d in ("hub", "prices", "geo") for p in (DATA_DIR / d).rglob("*")
                     if p.is_file() and p.name != "sources.yaml")
    assert sorted(named) == shipped
    # Every shipped series' licence is the one its source declares.
    by_file = {f: s for s in srcs for f in s.files}
    for path in prices.shipped_paths():
        src = by_file[str(path.relative_to(DATA_DIR))]
        assert {p.licence for p in PriceStore(path).load()} == {src.licence}
