"""Allowance prices: the model, the stores, and the CSV import.

A :class:`PricePoint` is one price of one instrument of one system on one
date, with its currency, the kind of price it is (auction, secondary market,
annual reference) and its source and licence. A series is identified by
(system, instrument, kind, currency); a point by that and its date, so
importing the same file again updates prices and never duplicates them.

Where prices live:

* shipped series: ``search/data/prices/*.csv`` (package data, built from the
  published files by ``scripts/build-hub-data`` through this module's import);
* imported series: one CSV store that ``etslib prices import`` writes,
  ``$ETSLIB_PRICES`` or ``$XDG_DATA_HOME/etslib/prices.csv``. On the same key
  an imported price wins over a shipped one.

No exchange rates are applied anywhere: a price is shown in the currency its
source gives, and in US$ only when the source itself gives US$.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
import os
import re
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..text.datafile import DATA_DIR, DataFileError, read_yaml

SHIPPED_DIR = DATA_DIR / "prices"

#: The canonical columns of a price file, in order.
FIELDS = ("date", "system", "instrument", "price", "currency", "kind", "period", "source", "licence")
REQUIRED = ("date", "system", "instrument", "price", "currency", "kind", "source", "licence")
#: Kinds of price, with their labels; never blended into one line.
KINDS = {"auction": "Auction", "secondary market": "Secondary market", "annual reference": "Annual reference"}
_KIND_ALIASES = {"spot": "secondary market", "secondary": "secondary market", "secondary-market": "secondary market",
                 "auction settlement": "auction", "primary auction": "auction", "annual": "annual reference"}
PERIODS = ("day", "week", "month", "quarter", "year")
#: Currency symbols a source may put in front of a number ("$12.10 ").
_SYMBOLS = ("US$", "NZ$", "CA$", "CAN$", "A$", "$", "€", "£", "¥", "₩")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_QUARTER = re.compile(r"^\s*Q([1-4])\s*[- /]?\s*(\d{4})\s*$", re.I)

SeriesKey = tuple[str, str, str, str]  # system, instrument, kind, currency


@dataclass(frozen=True, order=True)
class PricePoint:
    system: str
    instrument: str
    kind: str
    currency: str
    date: dt.date
    price: float
    source: str
    licence: str
    period: str = "day"

    @property
    def series_key(self) -> SeriesKey:
        return (self.system, self.instrument, self.kind, self.currency)

    @property
    def key(self) -> tuple[str, str, str, str, dt.date]:
        return (*self.series_key, self.date)

    def row(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "system": self.system, "instrument": self.instrument,
                "price": number_text(self.price), "currency": self.currency, "kind": self.kind, "period": self.period,
                "source": self.source, "licence": self.licence}


def number_text(x: float) -> str:
    """The shortest text that reads back as the same float (no 18.530000000000001)."""
    return repr(float(x)).removesuffix(".0") if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class Series:
    """One line on a chart: the prices of one instrument, one kind, one currency."""

    system: str
    instrument: str
    kind: str
    currency: str
    period: str
    source: str
    licence: str
    points: tuple[tuple[dt.date, float], ...]

    @property
    def key(self) -> SeriesKey:
        return (self.system, self.instrument, self.kind, self.currency)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def first(self) -> dt.date:
        return self.points[0][0]

    @property
    def last(self) -> tuple[dt.date, float]:
        return self.points[-1]

    def between(self, start: dt.date | None, end: dt.date | None) -> "Series":
        pts = tuple(p for p in self.points if (start is None or p[0] >= start) and (end is None or p[0] <= end))
        return Series(self.system, self.instrument, self.kind, self.currency, self.period, self.source, self.licence, pts)

    def to_json(self) -> dict[str, Any]:
        return {"system": self.system, "instrument": self.instrument, "kind": self.kind, "currency": self.currency,
                "period": self.period, "source": self.source, "licence": self.licence,
                "points": [{"date": d.isoformat(), "price": p} for d, p in self.points]}


def group_series(points: Iterable[PricePoint]) -> list[Series]:
    """Points grouped into series, each sorted by date; series sorted by key."""
    groups: dict[SeriesKey, list[PricePoint]] = defaultdict(list)
    for p in points:
        groups[p.series_key].append(p)
    out = []
    for key in sorted(groups):
        pts = sorted(groups[key], key=lambda p: p.date)
        last = pts[-1]
        out.append(Series(*key, period=last.period, source=last.source, licence=last.licence,
                          points=tuple((p.date, p.price) for p in pts)))
    return out


# ---------------------------------------------------------------- stores


def default_store_path() -> Path:
    """Where ``etslib prices import`` keeps imported prices."""
    env = os.environ.get("ETSLIB_PRICES")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "etslib" / "prices.csv"


class PriceStore:
    """A CSV file of price points in the canonical layout, one row per key."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)

    def load(self) -> list[PricePoint]:
        if not self.path.is_file():
            return []
        with self.path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = set(REQUIRED) - set(reader.fieldnames or [])
            if missing:
                raise DataFileError(f"{self.path}: not a price store: missing column(s) {sorted(missing)}")
            out = []
            for row in reader:
                out.append(PricePoint(
                    system=row["system"], instrument=row["instrument"], kind=row["kind"], currency=row["currency"],
                    date=dt.date.fromisoformat(row["date"]), price=float(row["price"]), source=row["source"],
                    licence=row["licence"], period=row.get("period") or "day"))
            return out

    def replace_all(self, points: Iterable[PricePoint]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = sorted(points)
        fd, tmp = tempfile.mkstemp(prefix=".prices-", suffix=".csv", dir=self.path.parent)
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)  # mkstemp's 0600 would hide the store from the server's user
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
                w.writeheader()
                for p in rows:
                    w.writerow(p.row())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def upsert(self, points: Sequence[PricePoint], *, write: bool = True) -> tuple[int, int, int]:
        """Add new points and update changed ones; returns (added, updated, unchanged)."""
        current = {p.key: p for p in self.load()}
        added = updated = unchanged = 0
        for p in points:
            old = current.get(p.key)
            if old is None:
                added += 1
            elif old == p:
                unchanged += 1
                continue
            else:
                updated += 1
            current[p.key] = p
        if write and (added or updated or not self.path.exists()):
            self.replace_all(current.values())
        return added, updated, unchanged


def shipped_paths() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.csv"))


def load_points(local: Path | None = None, *, include_local: bool = True) -> list[PricePoint]:
    """The shipped points and the imported ones; an imported point wins on the same key."""
    points: dict[tuple, PricePoint] = {}
    for path in shipped_paths():
        for p in PriceStore(path).load():
            points[p.key] = p
    if include_local:
        for p in PriceStore(local or default_store_path()).load():
            points[p.key] = p
    return list(points.values())


class PriceBook:
    """Every series, with lookups by system (what pages and charts read)."""

    def __init__(self, points: Iterable[PricePoint]):
        self.series = group_series(points)
        self._by_system: dict[str, list[Series]] = defaultdict(list)
        for s in self.series:
            self._by_system[s.system].append(s)

    def for_system(self, sid: str) -> list[Series]:
        return list(self._by_system.get(sid, []))

    def systems(self) -> list[str]:
        return sorted(self._by_system)

    def get(self, key: SeriesKey) -> Series | None:
        return next((s for s in self.series if s.key == key), None)


@functools.lru_cache(maxsize=1)
def _shipped_book() -> PriceBook:
    return PriceBook(load_points(include_local=False))


@functools.lru_cache(maxsize=4)
def _book_with(path: str, mtime_ns: int, size: int) -> PriceBook:
    return PriceBook(load_points(Path(path)))


def book(local: Path | None = None, *, include_local: bool = True) -> PriceBook:
    """The price book: shipped series plus the local store, read again when the store changes."""
    if not include_local:
        return _shipped_book()
    store = PriceStore(local or default_store_path())
    try:
        st = store.path.stat()
    except OSError:
        return _shipped_book()
    return _book_with(str(store.path), st.st_mtime_ns, st.st_size)


# ---------------------------------------------------------------- import


@dataclass
class Mapping:
    """How a source CSV's columns become price fields.

    ``columns`` names, for a field, the column that holds it, or a template
    with ``{column}`` parts (``"{year}-04-01"``); ``fixed`` gives a field
    one value for the whole file. ``date_format`` is a ``strptime`` format
    or ``quarter`` ("Q4 2014" = the quarter's first day).
    """

    columns: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    names: list[str] | None = None  # column names when the file's header is not its first line
    skip_empty_price: bool = True
    skip_zero_price: bool = False

    def check(self, where: str = "mapping") -> None:
        both = set(self.columns) & set(self.fixed)
        if both:
            raise ValueError(f"{where}: {sorted(both)} both mapped to a column and fixed")
        unknown = (set(self.columns) | set(self.fixed)) - set(FIELDS)
        if unknown:
            raise ValueError(f"{where}: unknown field(s) {sorted(unknown)} (fields: {', '.join(FIELDS)})")
        missing = [f for f in REQUIRED if f not in self.columns and f not in self.fixed]
        if missing:
            raise ValueError(f"{where}: no column or fixed value for {missing}")

    @classmethod
    def canonical(cls) -> "Mapping":
        """A file already in the canonical layout (the header names the fields)."""
        return cls(columns={f: f for f in FIELDS})


def load_mapping(path: str | os.PathLike) -> Mapping:
    """A mapping file (YAML: columns, fixed, date_format, names, skip_empty_price, skip_zero_price)."""
    path = Path(path)
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping with 'columns' and 'fixed'")
    unknown = set(data) - {"columns", "fixed", "date_format", "names", "skip_empty_price", "skip_zero_price", "about"}
    if unknown:
        raise DataFileError(f"{path}: unknown key(s) {sorted(unknown)}")
    m = Mapping(
        columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
        fixed={str(k): str(v) for k, v in (data.get("fixed") or {}).items()},
        date_format=str(data.get("date_format") or "%Y-%m-%d"),
        names=[str(x) for x in data["names"]] if data.get("names") else None,
        skip_empty_price=bool(data.get("skip_empty_price", True)),
        skip_zero_price=bool(data.get("skip_zero_price", False)),
    )
    try:
        m.check(str(path))
    except ValueError as e:
        raise DataFileError(str(e)) from e
    return m


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str


@dataclass
class ImportReport:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows without a price (a gap in the source), not errors
    rejected: list[Rejected] = field(default_factory=list)
    written: bool = False
    store: str = ""

    def summary(self) -> str:
        return (f"rows {self.rows}  added {self.added}  updated {self.updated}  unchanged {self.unchanged}  "
                f"skipped {self.skipped}  rejected {len(self.rejected)}")

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
                "written": self.written, "store": self.store}


def parse_price(text: str) -> float:
    """A price from a source's text: "$12.10 ", "1,234.5", "56"; ValueError otherwise."""
    s = text.strip()
    for sym in _SYMBOLS:
        if s.startswith(sym):
            s = s[len(sym):].strip()
            break
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", s):
        raise ValueError(f"price {text.strip()!r} is not a number")
    value = float(s)
    if not math.isfinite(value):
        raise ValueError(f"price {text.strip()!r} is not a number")
    return value


def parse_date(text: str, fmt: str) -> tuple[dt.date, str | None]:
    """A date and, for quarter dates, the period they stand for."""
    s = text.strip()
    if fmt == "quarter":
        m = _QUARTER.match(s)
        if not m:
            raise ValueError(f"date {s!r} is not a quarter like 'Q4 2014'")
        return dt.date(int(m.group(2)), 3 * int(m.group(1)) - 2, 1), "quarter"
    try:
        return dt.datetime.strptime(s, fmt).date(), None
    except ValueError:
        raise ValueError(f"date {s!r} does not match the format {fmt!r}") from None


def _value(mapping: Mapping, fieldname: str, row: dict[str, str]) -> str:
    if fieldname in mapping.fixed:
        return mapping.fixed[fieldname]
    spec = mapping.columns.get(fieldname)
    if spec is None:
        return ""
    if "{" in spec:
        try:
            return spec.format_map(row)
        except KeyError as e:
            raise ValueError(f"the template {spec!r} names column {e.args[0]!r}, which the file lacks") from None
    return row.get(spec, "") or ""


def read_points(lines: Iterable[str], mapping: Mapping, resolve) -> tuple[list[tuple[int, PricePoint]], list[Rejected], int, int]:
    """Parse the rows of a CSV text: (line, point) pairs, rejections, rows read, rows skipped.

    :param resolve: maps the text of the system column to a system id, or None.
    """
    reader = csv.reader(list(lines))
    header = mapping.names
    out: list[tuple[int, PricePoint]] = []
    rejected: list[Rejected] = []
    rows = skipped = 0
    for cells in reader:
        line = reader.line_num
        if header is None:
            header = [c.strip().lstrip("\ufeff") for c in cells]
            # Optional fields (period) may be absent: they are read as empty.
            req = [v for f, v in mapping.columns.items() if f in REQUIRED]
            needed = {v for v in req if "{" not in v}
            needed |= {m for v in req if "{" in v for m in re.findall(r"\{([^{}]+)\}", v)}
            lacking = sorted(needed - set(header))
            if lacking:
                rejected.append(Rejected(line, f"the header lacks column(s) {lacking} that the mapping names"))
                return out, rejected, rows, skipped
            continue
        if not any(c.strip() for c in cells):
            continue
        if mapping.names and [c.strip() for c in cells] == mapping.names:
            continue  # a header line where the mapping says there is none (NZU's file has it last)
        rows += 1
        if len(cells) != len(header):
            rejected.append(Rejected(line, f"{len(cells)} fields where the header has {len(header)}"))
            continue
        row = dict(zip(header, cells))
        try:
            values = {f: _value(mapping, f, row).strip() for f in FIELDS}
            price_text = values["price"]
            if not price_text and mapping.skip_empty_price:
                skipped += 1
                continue
            for f in REQUIRED:
                if not values[f]:
                    raise ValueError(f"{f} is empty" + (": every price keeps its source and licence" if f in ("source", "licence") else ""))
            price = parse_price(price_text)
            if price == 0 and mapping.skip_zero_price:
                skipped += 1
                continue
            date, period = parse_date(values["date"], mapping.date_format)
            system = resolve(values["system"])
            if system is None:
                raise ValueError(f"unknown system {values['system']!r} (not an id, name or source id in systems.yaml)")
            kind = _KIND_ALIASES.get(values["kind"].lower(), values["kind"].lower())
            if kind not in KINDS:
                raise ValueError(f"kind {values['kind']!r} is not one of {list(KINDS)}")
            currency = values["currency"].upper()
            if not _CURRENCY.match(currency):
                raise ValueError(f"currency {values['currency']!r} is not a three-letter ISO 4217 code (USD, EUR, NZD)")
            per = values["period"].lower() or period or "day"
            if per not in PERIODS:
                raise ValueError(f"period {values['period']!r} is not one of {list(PERIODS)}")
            out.append((line, PricePoint(system=system, instrument=values["instrument"], kind=kind, currency=currency,
                                         date=date, price=price, source=values["source"], licence=values["licence"],
                                         period=per)))
        except ValueError as e:
            rejected.append(Rejected(line, str(e)))
    # The same point twice in one file with two prices is a mistake in the file.
    first_line: dict[tuple, tuple[int, float]] = {}
    kept = []
    for line, p in out:
        seen = first_line.get(p.key)
        if seen is None:
            first_line[p.key] = (line, p.price)
            kept.append((line, p))
        elif seen[1] != p.price:
            rejected.append(Rejected(line, f"repeats line {seen[0]} (same series and date) with another price"))
    rejected.sort(key=lambda r: r.line)
    return kept, rejected, rows, skipped


def import_rows(lines: Iterable[str], mapping: Mapping, store: PriceStore, *, systems=None,
                skip_bad: bool = False, dry_run: bool = False) -> ImportReport:
    """Import a CSV text into ``store``.

    Nothing is written when any row is rejected, unless ``skip_bad``: a
    staff member fixes the file and runs the same command again.
    """
    if systems is None:
        from ..vocab.systems import load

        systems = load()
    mapping.check()
    points, rejected, rows, skipped = read_points(lines, mapping, systems.resolve)
    report = ImportReport(rows=rows, skipped=skipped, rejected=rejected, store=str(store.path))
    if rejected and not skip_bad:
        return report
    report.added, report.updated, report.unchanged = store.upsert([p for _, p in points], write=not dry_run)
    report.written = not dry_run
    return report


def import_file(path: str | os.PathLike, mapping: Mapping | None = None, store: PriceStore | None = None,
                **kwargs: Any) -> ImportReport:
    """``etslib prices import``: a CSV file into the local store (or ``store``)."""
    text = Path(path).read_text(encoding="utf-8-sig")
    return import_rows(text.splitlines(), mapping or Mapping.canonical(), store or PriceStore(default_store_path()),
                       **kwargs)
