"""Map geometry: the shipped areas, the Equal Earth projection, views, SVG paths.

``search/data/geo/world.json`` holds areas (countries by ISO 3166-1 alpha-3,
subdivisions like ``US-CA``, ``CA-QC``, ``CN-BJ``, ``JP-TYO``) as rings of
shared arcs, so neighbours share their border point for point. Arcs are
projected once, then thinned per view (points closer than a fraction of a
pixel to the last kept one are dropped, arc by arc, so shared borders stay
shared) and written as compact relative SVG path data.

The projection is Equal Earth (Šavrič, Patterson and Jenny, 2018): an
equal-area world projection given by a closed formula, which is why it is
written out here rather than taken from PROJ (pyproj brings a 20 MB native
library for two lines of arithmetic). Equal area matters on a map that
compares the reach of systems.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..text.datafile import DATA_DIR

GEOMETRY_PATH = DATA_DIR / "geo" / "world.json"

# Equal Earth constants.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth on the unit sphere: degrees in, (x, y) out, y north-up.

    x spans ±2.7066 at the equator, y ±1.3173 at the poles.
    """
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    theta = np.arcsin(_M * np.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * np.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


@dataclass(frozen=True)
class View:
    """What part of the world a map shows, and how wide it is drawn."""

    id: str
    label: str
    bbox: tuple[float, float, float, float] | None  # lon0, lat0, lon1, lat1; None: the whole world
    width: int = 1000
    min_lat: float = -58.0  # the world view leaves out Antarctica's latitudes

    @functools.cached_property
    def frame(self) -> tuple[float, float, float, float, float]:
        """(x0, y1, scale, width, height): x_px = (x - x0) * scale, y_px = (y1 - y) * scale."""
        if self.bbox is None:
            lon = np.array([-180.0, 180.0, 0.0, 0.0])
            lat = np.array([0.0, 0.0, 84.0, self.min_lat])
        else:
            lon0, lat0, lon1, lat1 = self.bbox
            n = 25
            lon = np.concatenate([np.linspace(lon0, lon1, n), np.linspace(lon0, lon1, n), np.full(n, lon0), np.full(n, lon1)])
            lat = np.concatenate([np.full(n, lat0), np.full(n, lat1), np.linspace(lat0, lat1, n), np.linspace(lat0, lat1, n)])
        x, y = equal_earth(lon, lat)
        x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
        scale = self.width / (x1 - x0)
        return x0, y1, scale, float(self.width), round((y1 - y0) * scale, 1)

    @property
    def height(self) -> float:
        return self.frame[4]

    def to_px(self, lon: np.ndarray | float, lat: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        x, y = equal_earth(np.atleast_1d(lon), np.atleast_1d(lat))
        x0, y1, k, _, _ = self.frame
        return (x - x0) * k, (y1 - y) * k


VIEWS: dict[str, View] = {
    "world": View("world", "World", None),
    "europe": View("europe", "Europe", (-25.0, 34.0, 45.0, 71.5)),
    "north-america": View("north-america", "North America", (-128.0, 24.0, -52.0, 60.0)),
    "east-asia": View("east-asia", "East Asia", (98.0, 18.0, 146.0, 46.0)),
}


@dataclass(frozen=True)
class Area:
    id: str
    name: str | None
    kind: str  # country | subdivision
    polygons: tuple[tuple[tuple[int, ...], ...], ...]  # polygons -> rings -> arc refs (~i = reversed)
    point: tuple[float, float] | None  # a point on its surface, lon/lat


@dataclass(frozen=True)
class AreaPath:
    """One area drawn in one view."""

    d: str  # SVG path data ("" when nothing is left at this scale)
    bbox: tuple[float, float, float, float] | None  # px: x0, y0, x1, y1 of what is drawn
    point: tuple[float, float] | None  # px

    @property
    def size(self) -> float:
        """The larger side of the drawn bounding box, in px (0 when nothing is drawn)."""
        if not self.bbox:
            return 0.0
        return max(self.bbox[2] - self.bbox[0], self.bbox[3] - self.bbox[1])


def _fmt(v: int) -> str:
    """Tenths of a pixel as short text: 12 -> '1.2', -5 -> '-.5', 30 -> '3'."""
    sign = "-" if v < 0 else ""
    a = abs(v)
    whole, tenth = divmod(a, 10)
    if tenth == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{tenth}" if whole else f"{sign}.{tenth}"


def _join(nums: list[str]) -> str:
    """Numbers joined with the fewest separators SVG allows (a '-' separates by itself)."""
    out = []
    for i, n in enumerate(nums):
        if i and not n.startswith("-"):
            out.append(" ")
        out.append(n)
    return "".join(out)


class Geometry:
    """The shipped areas, projected and drawn per view (cached)."""

    def __init__(self, data: dict, source: Path | None = None):
        self.source = source
        q = float(data.get("quantum", 100))
        self.arcs: list[np.ndarray] = []
        for flat in data["arcs"]:
            a = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) / q
            self.arcs.append(a)
        self.areas: dict[str, Area] = {}
        for aid, raw in data["areas"].items():
            polys = tuple(tuple(tuple(r) for r in rings) for rings in raw["polygons"])
            pt = tuple(raw["point"]) if raw.get("point") else None
            self.areas[aid] = Area(aid, raw.get("name"), raw["kind"], polys, pt)
        self._paths: dict[str, dict[str, AreaPath]] = {}

    def _arcs_px(self, view: View, min_px: float) -> list[np.ndarray]:
        """Arcs in integer tenths of a pixel, thinned: ends always kept."""
        x0, y1, k, _, _ = view.frame
        lengths = [len(a) for a in self.arcs]
        allpts = np.concatenate(self.arcs)
        x, y = equal_earth(allpts[:, 0], allpts[:, 1])
        px = np.rint(np.column_stack([(x - x0) * k, (y1 - y) * k]) * 10).astype(np.int64)
        out = []
        start = 0
        lim = (min_px * 10) ** 2
        for n in lengths:
            a = px[start:start + n]
            start += n
            if n <= 2:
                out.append(a)
                continue
            keep = [0]
            lx, ly = a[0]
            for i in range(1, n - 1):
                dx, dy = a[i, 0] - lx, a[i, 1] - ly
                if dx * dx + dy * dy >= lim:
                    keep.append(i)
                    lx, ly = a[i]
            keep.append(n - 1)
            out.append(a[keep])
        return out

    def paths(self, view: View, *, min_px: float = 0.7) -> dict[str, AreaPath]:
        """Every area's SVG path in ``view`` (cached per view)."""
        cache_key = f"{view.id}:{view.width}:{min_px}"
        if cache_key in self._paths:
            return self._paths[cache_key]
        arcs = self._arcs_px(view, min_px)
        W, H = view.width * 10, view.height * 10
        out: dict[str, AreaPath] = {}
        for aid, area in self.areas.items():
            parts: list[str] = []
            bx0 = by0 = math.inf
            bx1 = by1 = -math.inf
            for rings in area.polygons:
                ring_pts = []
                for refs in rings:
                    pts = []
                    for r in refs:
                        a = arcs[r] if r >= 0 else arcs[~r][::-1]
                        pts.append(a if not pts else a[1:])
                    ring = np.concatenate(pts) if pts else np.empty((0, 2), dtype=np.int64)
                    if len(ring):
                        keep = np.ones(len(ring), dtype=bool)
                        keep[1:] = np.any(ring[1:] != ring[:-1], axis=1)
                        ring = ring[keep]
                        if len(ring) > 1 and (ring[0] == ring[-1]).all():
                            ring = ring[:-1]
                    ring_pts.append(ring)
                if not ring_pts or len(ring_pts[0]) < 3:
                    continue
                shell = ring_pts[0]
                sx0, sy0 = shell.min(axis=0)
                sx1, sy1 = shell.max(axis=0)
                if sx1 < 0 or sy1 < 0 or sx0 > W or sy0 > H:
                    continue  # outside a regional view
                bx0, by0, bx1, by1 = min(bx0, sx0), min(by0, sy0), max(bx1, sx1), max(by1, sy1)
                for ring in ring_pts:
                    if len(ring) < 3:
                        continue
                    d = np.diff(ring, axis=0)
                    nums = [_fmt(int(v)) for v in d.ravel()]
                    parts.append(f"M{_fmt(int(ring[0, 0]))} {_fmt(int(ring[0, 1]))}l" + _join(nums) + "z")
            bbox = (bx0 / 10, by0 / 10, bx1 / 10, by1 / 10) if parts else None
            pt = None
            if area.point:
                x, y = view.to_px(area.point[0], area.point[1])
                pt = (round(float(x[0]), 1), round(float(y[0]), 1))
            out[aid] = AreaPath("".join(parts), bbox, pt)
        self._paths[cache_key] = out
        return out

    def outline(self, view: View) -> str:
        """The world's edge (the projection's outline) as SVG path data, for the sea."""
        if view.bbox is not None:
            return f"M0 0H{view.width}V{view.height:g}H0z"
        lat = np.linspace(view.min_lat, 84.0, 60)
        xr, yr = view.to_px(np.full_like(lat, 180.0), lat)
        xl, yl = view.to_px(np.full_like(lat, -180.0), lat[::-1])
        pts = [f"{x:.1f} {y:.1f}" for x, y in zip(np.concatenate([xr, xl]), np.concatenate([yr, yl]))]
        return "M" + "L".join(pts) + "z"


@functools.lru_cache(maxsize=None)
def load(path: str | None = None) -> Geometry:
    """The shipped geometry (cached)."""
    p = Path(path) if path else GEOMETRY_PATH
    return Geometry(json.loads(p.read_text(encoding="utf-8")), p)
