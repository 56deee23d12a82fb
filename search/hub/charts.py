"""Price charts as server-rendered SVG: a line chart and a sparkline.

Pure functions: series in, SVG text out. Values are placed exactly by one
linear scale per axis, which the ``<svg>`` states in data attributes
(``data-plot``, ``data-x-domain``, ``data-y-domain``), so a test or a script
can read every price back from a ``<polyline>``'s points.

A chart has one currency: prices in two currencies are never drawn on one
axis (:func:`by_currency` splits them into one chart each), and there are no
exchange rates. Kinds of price may share a chart but never look alike: a
secondary-market series is a plain line, an auction series a dashed line
with square marks, an annual reference a dotted line with round marks, and
the legend names the kind of every line.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from html import escape
from typing import Sequence

from .prices import KINDS, Series

#: Line colours (Okabe-Ito, distinguishable with colour-blindness), in order of use.
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000")
KIND_STYLE = {
    "secondary market": {"dash": "", "mark": None},
    "auction": {"dash": "6 3", "mark": "square"},
    "annual reference": {"dash": "2 3", "mark": "circle"},
}
CURRENCY_LABELS = {"USD": "US$", "NZD": "NZ$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "CNY": "CNY",
                   "KRW": "KRW", "JPY": "JPY", "CHF": "CHF"}
#: Marks are drawn (with a tooltip each) only for series this short.
MAX_MARKS = 80


def currency_label(code: str) -> str:
    return CURRENCY_LABELS.get(code, code)


def unit_label(currency: str) -> str:
    return f"{currency_label(currency)} per allowance (t CO2e)"


def by_currency(series: Sequence[Series]) -> dict[str, list[Series]]:
    """Series grouped by currency, in order of first appearance: one chart each."""
    out: dict[str, list[Series]] = {}
    for s in series:
        out.setdefault(s.currency, []).append(s)
    return out


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def y_ticks(vmax: float, target: int = 5) -> tuple[float, list[float]]:
    """Axis top and ticks from 0: the top is a whole step at or above ``vmax``."""
    if vmax <= 0:
        return 1.0, [0.0, 1.0]
    step = _nice_step(vmax, target)
    top = math.ceil(vmax / step - 1e-9) * step
    n = int(round(top / step))
    return top, [round(i * step, 10) for i in range(n + 1)]


def _year_ticks(d0: dt.date, d1: dt.date, target: int = 8) -> list[dt.date]:
    years = d1.year - d0.year + 1
    step = max(1, math.ceil(years / target))
    out = []
    y = d0.year if d0 == dt.date(d0.year, 1, 1) else d0.year + 1
    while y <= d1.year:
        if (y - (d0.year + 1)) % step == 0 or step == 1:
            out.append(dt.date(y, 1, 1))
        y += 1
    return out


def _n(v: float) -> str:
    """Two decimals, trailing zeros dropped: exact enough to read a price back."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _wrap(text: str, width: int) -> list[str]:
    """Words in lines of at most ``width`` characters (SVG text does not wrap itself)."""
    lines: list[str] = []
    cur = ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines


def _price(v: float, currency: str) -> str:
    return f"{currency_label(currency)} {v:,.2f}"


@dataclass(frozen=True)
class Chart:
    svg: str
    currency: str
    plot: tuple[float, float, float, float]  # left, top, width, height (px)
    x_domain: tuple[dt.date, dt.date]
    y_domain: tuple[float, float]

    def x_of(self, d: dt.date) -> float:
        left, _, w, _ = self.plot
        d0, d1 = self.x_domain
        span = max((d1 - d0).days, 1)
        return left + (d - d0).days * w / span

    def y_of(self, v: float) -> float:
        _, top, _, h = self.plot
        y0, y1 = self.y_domain
        return top + (y1 - v) * h / (y1 - y0)


def line_chart(
    series: Sequence[Series],
    *,
    labels: Sequence[str] | None = None,
    title: str = "Allowance prices",
    width: int = 720,
    height: int = 340,
    start: dt.date | None = None,
    end: dt.date | None = None,
    chart_id: str = "price-chart",
) -> Chart:
    """One chart of ``series`` (all in one currency) between ``start`` and ``end``.

    :param labels: a legend label per series (default: system and instrument).
    :raises ValueError: when the series are in more than one currency.
    """
    currencies = {s.currency for s in series}
    if len(currencies) > 1:
        raise ValueError(f"one chart, one currency: got {sorted(currencies)} (split them with by_currency)")
    currency = next(iter(currencies), "USD")
    shown = [s.between(start, end) for s in series]
    labels = list(labels) if labels else [f"{s.system}: {s.instrument}" for s in series]
    pts = [p for s in shown for p in s.points]
    sources = sorted({(s.source, s.licence) for s in shown})
    left, right, top = 62, 16, 34
    legend_chars = int((width - left - 30) / 6.0)
    legend_text = [f"{lab} — {KINDS.get(s.kind, s.kind).lower()}{', no prices in this range' if not s.points else ''}"
                   for s, lab in zip(shown, labels)]
    legend_rows = sum(len(_wrap(t, legend_chars)) for t in legend_text)
    source_lines = sum(len(_wrap(f"Source: {a} · Licence: {b}", int((width - 62) / 5.2))) for a, b in sources)
    bottom = 44 + 16 * legend_rows + 13 * source_lines
    pw, ph = width - left - right, height - top - bottom
    if ph < 80:
        height += 80 - ph
        ph = 80
    if pts:
        d0 = start or min(p[0] for p in pts)
        d1 = end or max(p[0] for p in pts)
        if d1 <= d0:
            d1 = d0 + dt.timedelta(days=1)
        vmax = max(p[1] for p in pts)
    else:
        d0, d1, vmax = (start or dt.date(2000, 1, 1)), (end or dt.date(2001, 1, 1)), 1.0
    top_v, ticks = y_ticks(vmax)
    chart = Chart("", currency, (left, top, pw, ph), (d0, d1), (0.0, top_v))

    unit = unit_label(currency)
    kinds = sorted({s.kind for s in shown if s.points}, key=list(KINDS).index)
    desc_parts = []
    for s, lab in zip(shown, labels):
        if s.points:
            desc_parts.append(f"{lab} ({KINDS.get(s.kind, s.kind).lower()}): {len(s.points)} prices from "
                              f"{s.points[0][0].isoformat()} to {s.points[-1][0].isoformat()}, latest "
                              f"{_price(s.points[-1][1], currency)}")
        else:
            desc_parts.append(f"{lab}: no prices in this range")
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" font-size="11" '
        f'data-currency="{escape(currency)}" data-plot="{left} {top} {pw} {ph}" '
        f'data-x-domain="{d0.isoformat()} {d1.isoformat()}" data-y-domain="0 {_n(top_v)}">',
        f'<title id="{chart_id}-title">{escape(title)} ({escape(unit)})</title>',
        f'<desc id="{chart_id}-desc">{escape("; ".join(desc_parts))}.'
        f'{" Kinds of price differ: " + ", ".join(KINDS[k].lower() for k in kinds) + "." if len(kinds) > 1 else ""}</desc>',
        f'<text x="{left}" y="14" font-size="12" font-weight="bold" fill="#222">{escape(title)}</text>',
        f'<text x="{left}" y="28" fill="#444">{escape(unit)}'
        f'{" · mixed kinds of price, see the legend" if len(kinds) > 1 else (" · " + KINDS[kinds[0]].lower() + " prices" if kinds else "")}</text>',
    ]
    # Grid and axes.
    for t in ticks:
        y = chart.y_of(t)
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{_n(y)}" y2="{_n(y)}" stroke="{"#777" if t == 0 else "#e3e3e3"}" stroke-width="1"/>'
                   f'<text x="{left - 6}" y="{_n(y + 4)}" text-anchor="end" fill="#333">{_n(t)}</text>')
    for d in _year_ticks(d0, d1):
        x = chart.x_of(d)
        out.append(f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{top + ph}" y2="{top + ph + 4}" stroke="#777"/>'
                   f'<text x="{_n(x)}" y="{top + ph + 16}" text-anchor="middle" fill="#333">{d.year}</text>')
    out.append(f'<text transform="translate(14 {_n(top + ph / 2)}) rotate(-90)" text-anchor="middle" fill="#333">'
               f'{escape(currency_label(currency))} / t CO2e</text>')
    # Lines.
    for i, (s, lab) in enumerate(zip(shown, labels)):
        colour = PALETTE[i % len(PALETTE)]
        style = KIND_STYLE.get(s.kind, KIND_STYLE["secondary market"])
        key = "|".join(s.key)
        if not s.points:
            continue
        coords = " ".join(f"{_n(chart.x_of(d))},{_n(chart.y_of(v))}" for d, v in s.points)
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        out.append(f'<g class="series" data-series="{escape(key)}" data-kind="{escape(s.kind)}">'
                   f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="1.6"{dash}/>')
        if style["mark"] and len(s.points) <= MAX_MARKS:
            for d, v in s.points:
                x, y = chart.x_of(d), chart.y_of(v)
                tip = f"<title>{escape(lab)}, {d.isoformat()}: {escape(_price(v, currency))}</title>"
                if style["mark"] == "square":
                    out.append(f'<rect x="{_n(x - 2.5)}" y="{_n(y - 2.5)}" width="5" height="5" fill="{colour}">{tip}</rect>')
                else:
                    out.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2.8" fill="#fff" stroke="{colour}" stroke-width="1.4">{tip}</circle>')
        out.append("</g>")
    # Legend (one row per line, naming its kind) and the source lines.
    y = top + ph + 34
    for i, (s, text) in enumerate(zip(shown, legend_text)):
        colour = PALETTE[i % len(PALETTE)]
        style = KIND_STYLE.get(s.kind, KIND_STYLE["secondary market"])
        dash = f' stroke-dasharray="{style["dash"]}"' if style["dash"] else ""
        out.append(f'<line x1="{left}" x2="{left + 24}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash}/>')
        for line in _wrap(text, legend_chars):  # a long label wraps under itself
            out.append(f'<text x="{left + 30}" y="{y}" fill="#222">{escape(line)}</text>')
            y += 16
    for src, lic in sources:
        for line in _wrap(f"Source: {src} · Licence: {lic}", int((width - left) / 5.2)):
            out.append(f'<text x="{left}" y="{y}" font-size="10" fill="#444" class="source">{escape(line)}</text>')
            y += 13
    out.append("</svg>")
    return Chart("".join(out), currency, chart.plot, chart.x_domain, chart.y_domain)


def sparkline(series: Series, *, width: int = 120, height: int = 28, years: int = 5, label: str | None = None) -> str:
    """A small line of the last ``years`` of ``series``, with its latest price as text for screen readers."""
    if not series.points:
        return ""
    last_date = series.points[-1][0]
    since = dt.date(last_date.year - years, last_date.month, 1)
    pts = [p for p in series.points if p[0] >= since] or list(series.points[-1:])
    d0, d1 = pts[0][0], pts[-1][0]
    span = max((d1 - d0).days, 1)
    vmin = min(v for _, v in pts)
    vmax = max(v for _, v in pts)
    vspan = (vmax - vmin) or 1.0
    pad = 2.0
    coords = " ".join(
        f"{_n(pad + (d - d0).days * (width - 2 * pad) / span)},{_n(pad + (vmax - v) * (height - 2 * pad) / vspan)}"
        for d, v in pts)
    name = label or f"{series.instrument} ({KINDS.get(series.kind, series.kind).lower()})"
    text = (f"{name}: {_price(pts[0][1], series.currency)} on {d0.isoformat()}, "
            f"{_price(pts[-1][1], series.currency)} on {d1.isoformat()}")
    ex, ey = coords.split(" ")[-1].split(",")
    style = KIND_STYLE.get(series.kind, {}).get("dash")
    dash = f' stroke-dasharray="{style}"' if style else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'class="sparkline" role="img" aria-label="{escape(text)}" data-y-domain="{_n(vmin)} {_n(vmax)}">'
            f'<title>{escape(text)}</title>'
            f'<polyline points="{coords}" fill="none" stroke="#0072b2" stroke-width="1.4"{dash}/>'
            f'<circle cx="{ex}" cy="{ey}" r="2" fill="#0072b2"/></svg>')


def year_bars(by_year: Sequence[tuple[int, int]], *, width: int = 480, height: int = 120,
              title: str = "Documents by year", chart_id: str = "years") -> str:
    """Documents per year as small bars, each with its count as a tooltip; "" without data."""
    if not by_year:
        return ""
    y0, y1 = by_year[0][0], by_year[-1][0]
    counts = dict(by_year)
    years = list(range(y0, y1 + 1))
    vmax = max(counts.values()) or 1
    left, bottom, top = 28, 18, 8
    ph = height - top - bottom
    bw = min((width - left - 4) / len(years), 28.0)  # a few years do not make slabs
    pw = bw * len(years)
    total = sum(counts.values())
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart chart--years" role="img" '
           f'aria-labelledby="{chart_id}-title" font-family="sans-serif" font-size="10" data-y-domain="0 {vmax}">'
           f'<title id="{chart_id}-title">{escape(title)}: {total} documents, {y0}–{y1}</title>',
           f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" stroke="#777"/>',
           f'<text x="{left - 4}" y="{top + 8}" text-anchor="end" fill="#333">{vmax}</text>',
           f'<text x="{left - 4}" y="{top + ph}" text-anchor="end" fill="#333">0</text>']
    step = max(1, math.ceil(len(years) / 8))
    for i, y in enumerate(years):
        n = counts.get(y, 0)
        x = left + i * bw
        if n:
            h = n * ph / vmax
            out.append(f'<rect x="{_n(x + bw * 0.1)}" y="{_n(top + ph - h)}" width="{_n(bw * 0.8)}" height="{_n(h)}" '
                       f'fill="#0072b2" data-year="{y}" data-count="{n}"><title>{y}: {n} document{"s" if n != 1 else ""}</title></rect>')
        if i % step == 0 or y == y1:
            out.append(f'<text x="{_n(x + bw / 2)}" y="{height - 4}" text-anchor="middle" fill="#333">{y}</text>')
    out.append("</svg>")
    return "".join(out)
