"""The world map of emissions trading systems, as server-rendered SVG.

:func:`render_map` is a pure function: systems, a view and a way to build a
system's URL in; SVG text out. Every system drawn is one ``<a>`` with an
accessible name (its name and status), so the map works with a keyboard and
a screen reader and without JavaScript; the page puts a table of the same
systems beside it.

How systems share the map:

* An area (a country, a state, a province) is coloured by one system: the
  most advanced by status, and among equals the one listed first in
  ``systems.yaml`` (so the EU ETS keeps Germany, RGGI keeps Massachusetts).
* A system that keeps no area of its own (Germany's and Austria's national
  systems inside the EU, ETS 2, Massachusetts' own limits inside RGGI,
  cities such as Shenzhen and New York City), or whose areas are too small
  to see at this scale (Tokyo, Saitama, Beijing, Shanghai, Tianjin), gets a
  marker as well; markers that would overlap are moved apart and joined to
  their place by a thin line.
* A linked market without areas of its own (WCI) is a dashed outline
  around its members.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Callable, Iterable

from ..vocab.systems import STATUSES, System
from . import geo

#: Fill colours by status. Each has at least 3:1 contrast against the land,
#: the sea and white (WCAG 1.4.11), and they differ in lightness, not hue
#: alone.
STATUS_COLOURS = {
    "in force": "#1b5e85",
    "under development": "#b3541e",
    "under consideration": "#7d5a9e",
    "abolished": "#5f6368",
}
LAND = "#dcdcd6"
SEA = "#f4f8fb"
BORDER = "#ffffff"
MUTED = "#c4c4bc"  # areas of systems filtered out
MARKER_R = 4.0
#: The legend's band below the map (it never covers a system).
LEGEND_BAND = 30.0
#: Sub-national systems are outlined in this colour, so a pilot stands out on a
#: national system of the same status (China's pilots on the national ETS).
SUB_OUTLINE = "#0b1f2b"
#: An area drawn smaller than this (px, its larger side) also gets a marker.
MIN_VISIBLE_PX = 6.0
_RANK = {s: i for i, s in enumerate(STATUSES)}


@dataclass(frozen=True)
class MapItem:
    """What the map drew for one system (for tests and the table twin)."""

    system: str
    areas: tuple[str, ...]  # areas coloured for it
    marker: tuple[float, float] | None  # px, where the marker is drawn
    anchor: tuple[float, float] | None  # px, the place it marks (differs when moved apart)
    outline: bool = False


@dataclass(frozen=True)
class MapResult:
    svg: str
    items: dict[str, MapItem]
    view: geo.View


def _status_counts(systems: Iterable[System]) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for s in systems:
        counts[s.status] = counts.get(s.status, 0) + 1
    return counts


def assign_areas(systems: list[System]) -> dict[str, str]:
    """Area id -> the system that colours it (status first, then file order)."""
    owner: dict[str, str] = {}
    best: dict[str, tuple[int, int]] = {}
    for order, s in enumerate(systems):
        if s.members and not s.areas:
            continue
        rank = (_RANK.get(s.status, 9), order)
        for a in s.areas:
            if a not in best or rank < best[a]:
                best[a] = rank
                owner[a] = s.id
    return owner


def _place_markers(wanted: list[tuple[str, float, float]], taken: list[tuple[float, float]], r: float) -> dict[str, tuple[float, float]]:
    """Marker positions: each at its anchor if free, else on a widening spiral around it."""
    placed: dict[str, tuple[float, float]] = {}
    gap = 2 * r + 1.5
    for sid, x, y in wanted:
        pos = (x, y)
        step = 0
        while any(math.hypot(pos[0] - px, pos[1] - py) < gap for px, py in taken):
            step += 1
            ring = 1 + step // 8
            angle = (step % 8) * math.pi / 4 + ring * 0.4
            pos = (round(x + ring * gap * math.cos(angle), 1), round(y + ring * gap * math.sin(angle), 1))
            if step > 400:
                break
        taken.append(pos)
        placed[sid] = pos
    return placed


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def render_map(
    systems: list[System],
    href: Callable[[str], str],
    *,
    view: geo.View | None = None,
    geometry: geo.Geometry | None = None,
    shown: set[str] | None = None,
    title: str = "World map of emissions trading systems by status",
    legend: bool = True,
) -> MapResult:
    """The map of ``systems`` in ``view`` as SVG.

    :param systems: all systems, in registry order (area ownership depends on it).
    :param href: a system id to its page's URL.
    :param shown: ids of systems to colour (a filter); the others are drawn muted
        and are not links. None colours them all.
    """
    view = view or geo.VIEWS["world"]
    g = geometry or geo.load()
    paths = g.paths(view, min_px=0.9 if view.bbox is None else 0.6)
    W, H = view.width, view.height
    shown_ids = {s.id for s in systems} if shown is None else set(shown)
    active = [s for s in systems if s.id in shown_ids]
    owner = assign_areas(systems)

    out: list[str] = []
    counts = _status_counts(active)
    desc = ", ".join(f"{n} {st}" for st, n in counts.items() if n)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(W)} {_num(H + (LEGEND_BAND if legend else 0))}" class="worldmap" '
        f'aria-labelledby="map-title map-desc" data-view="{view.id}">'
        f'<title id="map-title">{escape(title)}</title>'
        f'<desc id="map-desc">{len(active)} systems: {escape(desc)}. Each system is a link to its page; '
        f'the table below lists the same systems.</desc>'
    )
    # Shapes reaching past a regional view's edge are cut there, above the legend's band.
    out.append(f'<clipPath id="map-clip"><rect width="{_num(W)}" height="{_num(H)}"/></clipPath><g clip-path="url(#map-clip)">')
    out.append(f'<path d="{g.outline(view)}" fill="{SEA}" stroke="#b9c6cf" stroke-width=".5"/>')

    # Land that no shown system colours: one path, no link.
    owned_areas = {a for a, sid in owner.items() if sid in shown_ids}
    base = "".join(p.d for aid, p in paths.items() if p.d and aid not in owned_areas and g.areas[aid].kind == "country")
    out.append(f'<path d="{base}" fill="{LAND}" stroke="{BORDER}" stroke-width=".4"/>')
    # Areas owned by systems filtered out: muted, drawn so the map keeps its shape.
    muted = "".join(paths[a].d for a, sid in owner.items() if sid not in shown_ids and a in paths and paths[a].d
                    and g.areas[a].kind == "subdivision")
    if muted:
        out.append(f'<path d="{muted}" fill="{MUTED}" stroke="{BORDER}" stroke-width=".4"/>')

    items: dict[str, MapItem] = {}
    by_kind: dict[str, list[tuple[System, list[str]]]] = {"country": [], "subdivision": []}
    marker_wanted: list[tuple[str, float, float]] = []
    outline_systems: list[System] = []
    for s in active:
        mine = [a for a in s.areas if owner.get(a) == s.id and a in paths and paths[a].d]
        if s.members and not s.areas:
            outline_systems.append(s)
            continue
        kind = "subdivision" if any(g.areas[a].kind == "subdivision" for a in mine) else "country"
        by_kind[kind].append((s, mine))
        size = max((paths[a].size for a in mine), default=0.0)
        if not mine or size < MIN_VISIBLE_PX:
            anchor = None
            if s.marker:
                x, y = view.to_px(s.marker[0], s.marker[1])
                anchor = (round(float(x[0]), 1), round(float(y[0]), 1))
            else:
                pts = [paths[a].point for a in (mine or s.areas) if a in paths and paths[a].point]
                anchor = pts[0] if pts else None
            if anchor and -5 <= anchor[0] <= W + 5 and -5 <= anchor[1] <= H + 5:
                marker_wanted.append((s.id, anchor[0], anchor[1]))
        items[s.id] = MapItem(s.id, tuple(mine), None, None)

    # Markers: the ones marking a shape first (they sit where they belong), then the rest.
    marker_wanted.sort(key=lambda w: (0 if items[w[0]].areas else 1, w[2], w[1]))
    placed = _place_markers(marker_wanted, [], MARKER_R)
    anchors = {sid: (x, y) for sid, x, y in marker_wanted}
    for sid, pos in placed.items():
        it = items[sid]
        items[sid] = MapItem(sid, it.areas, pos, anchors[sid])

    sysmap = {s.id: s for s in active}

    def link_open(s: System) -> str:
        label = f"{s.name}: {s.status}"
        return (f'<a href="{escape(href(s.id))}" aria-label="{escape(label)}" data-system="{escape(s.id)}" '
                f'data-status="{escape(s.status)}" fill="{STATUS_COLOURS.get(s.status, LAND)}">'
                f'<title>{escape(label)}</title>')

    def marker_svg(sid: str) -> str:
        it = items[sid]
        if not it.marker:
            return ""
        x, y = it.marker
        ax, ay = it.anchor
        line = ""
        if math.hypot(x - ax, y - ay) > 0.5:
            line = (f'<path d="M{_num(ax)} {_num(ay)}L{_num(x)} {_num(y)}" stroke="#333" stroke-width=".6" fill="none"/>'
                    f'<circle cx="{_num(ax)}" cy="{_num(ay)}" r="1" fill="#333"/>')
        return line + (f'<circle class="marker" cx="{_num(x)}" cy="{_num(y)}" r="{_num(MARKER_R)}" '
                       f'stroke="#fff" stroke-width="1.2"/>')

    for kind in ("country", "subdivision"):
        for s, mine in by_kind[kind]:
            body = []
            for a in mine:
                if kind == "subdivision":
                    body.append(f'<path id="area-{escape(a)}" d="{paths[a].d}" stroke="{SUB_OUTLINE}" stroke-width=".8"/>')
                else:
                    body.append(f'<path id="area-{escape(a)}" d="{paths[a].d}" stroke="{BORDER}" stroke-width=".4"/>')
            if not mine:
                continue  # marker-only systems are drawn last, on top
            body.append(marker_svg(s.id))
            opening = link_open(s)
            if s.group and len(mine) > 1:  # the EU with the EEA states, RGGI with its states
                opening = opening.replace("<a ", '<a class="group" ', 1)
            out.append(opening + "".join(body) + "</a>")
    for s in outline_systems:
        members = [a for m in s.members if m in sysmap for a in items.get(m, MapItem(m, (), None, None)).areas]
        if not members:
            continue
        uses = "".join(f'<use href="#area-{escape(a)}"/>' for a in members)
        out.append(link_open(s).replace(f'fill="{STATUS_COLOURS.get(s.status, LAND)}"', 'fill="none"', 1)
                   + f'<g class="outline" stroke="#111" stroke-width="1.6" stroke-dasharray="3 2" '
                     f'pointer-events="stroke">{uses}</g></a>')
        items[s.id] = MapItem(s.id, tuple(members), None, None, outline=True)
    for s in active:
        it = items.get(s.id)
        if it and not it.areas and it.marker and not it.outline:
            out.append(link_open(s) + marker_svg(s.id) + "</a>")

    out.append("</g>")
    if legend:
        out.append(_legend(counts, H))
    out.append("</svg>")
    return MapResult("".join(out), items, view)


def _legend(counts: dict[str, int], height: float) -> str:
    """One row below the map: the four statuses with their counts, the marker, the outline."""
    items = [("rect", STATUS_COLOURS[st], f"{st[0].upper()}{st[1:]} ({counts.get(st, 0)})") for st in STATUSES]
    items += [("marker", "#555", "Small area or city"), ("outline", "none", "Linked market")]
    y = height + 20
    parts = [f'<g class="legend" font-family="sans-serif" font-size="13" fill="#222">'
             f'<rect x="0" y="{_num(height)}" width="100%" height="{_num(LEGEND_BAND)}" fill="#fff"/>']
    x = 8.0
    for shape, colour, text in items:
        if shape == "rect":
            parts.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="13" height="11" fill="{colour}"/>')
        elif shape == "marker":
            parts.append(f'<circle cx="{_num(x + 6)}" cy="{_num(y - 5)}" r="{_num(MARKER_R)}" fill="{colour}" stroke="#fff"/>')
        else:
            parts.append(f'<rect x="{_num(x)}" y="{_num(y - 10)}" width="13" height="11" fill="none" stroke="#111" '
                         f'stroke-width="1.4" stroke-dasharray="3 2"/>')
        parts.append(f'<text x="{_num(x + 18)}" y="{_num(y)}">{escape(text)}</text>')
        x += 18 + 7.1 * len(text) + 16
    parts.append("</g>")
    return "".join(parts)
