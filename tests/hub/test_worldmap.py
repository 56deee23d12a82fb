"""The world map: every system is on it as a named link, the EU as a group, small places as markers."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from search.hub import geo, worldmap
from search.vocab import systems as systems_mod

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def reg():
    return systems_mod.load()


@pytest.fixture(scope="module")
def world(reg):
    return worldmap.render_map(reg.all(), lambda sid: f"/systems/{sid}")


def links(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {a.get("data-system"): a for a in root.iter(f"{SVG}a")}


def test_equal_earth_extent_and_equal_area():
    x, y = geo.equal_earth(np.array([180.0, 0.0]), np.array([0.0, 90.0]))
    assert x[0] == pytest.approx(2.70663, abs=1e-5) and y[1] == pytest.approx(1.31736, abs=1e-5)

    def cell_area(lat: float) -> float:
        lon = np.array([0, 1, 1, 0.0])
        la = np.array([lat, lat, lat + 1, lat + 1.0])
        px, py = geo.equal_earth(lon, la)
        return 0.5 * abs(np.dot(px, np.roll(py, 1)) - np.dot(py, np.roll(px, 1)))

    # Projected areas keep the ratio of the cells' areas on the sphere.
    for lat in (30.0, 60.0):
        sphere = (math.sin(math.radians(lat + 1)) - math.sin(math.radians(lat))) / math.sin(math.radians(1))
        assert cell_area(lat) / cell_area(0.0) == pytest.approx(sphere, rel=2e-3)


def test_every_area_of_every_system_has_geometry(reg):
    g = geo.load()
    for s in reg.all():
        for a in s.areas:
            assert a in g.areas, (s.id, a)


def test_every_system_is_a_named_link(reg, world):
    found = links(world.svg)
    assert set(found) == {s.id for s in reg.all()}
    for s in reg.all():
        a = found[s.id]
        assert a.get("href") == f"/systems/{s.id}"
        assert a.get("aria-label") == f"{s.name}: {s.status}"
        assert a.find(f"{SVG}title").text == a.get("aria-label")
        drawn = a.find(f".//{SVG}path") is not None or a.find(f".//{SVG}circle") is not None or a.find(f".//{SVG}use") is not None
        assert drawn, s.id


def test_every_factsheet_system_is_on_the_map(reg, world):
    found = links(world.svg)
    for s in reg.all():
        if s.icap or s.worldbank:
            assert s.id in found, s.id
            it = world.items[s.id]
            assert it.areas or it.marker, s.id


def test_eu_is_a_group_of_the_eea_states(reg, world):
    eu = links(world.svg)["eu-ets"]
    ids = {p.get("id") for p in eu.iter(f"{SVG}path")}
    eea = set(reg.get("eu-ets").areas)
    # Every EEA state at this scale (Malta is below a pixel at world scale but has a path in Europe).
    assert {f"area-{a}" for a in eea - {"MLT"}} <= ids
    assert eu.get("class") == "group"
    europe = worldmap.render_map(reg.all(), lambda sid: f"/systems/{sid}", view=geo.VIEWS["europe"])
    assert "area-MLT" in {p.get("id") for p in links(europe.svg)["eu-ets"].iter(f"{SVG}path")}


def test_subnational_systems_where_they_are(world):
    found = links(world.svg)
    for sid, area in (("us-california", "US-CA"), ("us-washington", "US-WA"), ("ca-quebec", "CA-QC"),
                      ("ca-nova-scotia-obps", "CA-NS"), ("ca-alberta", "CA-AB"), ("cn-hubei", "CN-HB"),
                      ("cn-guangdong", "CN-GD"), ("jp-tokyo", "JP-TYO"), ("jp-saitama", "JP-STM")):
        assert f"area-{area}" in {p.get("id") for p in found[sid].iter(f"{SVG}path")}, sid
    rggi = {p.get("id") for p in found["rggi"].iter(f"{SVG}path")}
    assert {"area-US-NY", "area-US-MA", "area-US-ME", "area-US-VT"} <= rggi


def test_small_places_are_markers(world):
    for sid in ("cn-shenzhen", "jp-tokyo", "jp-saitama", "us-new-york-city", "de-nehs", "eu-ets2"):
        it = world.items[sid]
        assert it.marker is not None, sid
        x, y = it.marker
        assert 0 <= x <= world.view.width and 0 <= y <= world.view.height
    # Markers never overlap.
    ms = [it.marker for it in world.items.values() if it.marker]
    for i, a in enumerate(ms):
        for b in ms[i + 1:]:
            assert math.dist(a, b) >= 2 * worldmap.MARKER_R, (a, b)


def test_linked_market_outline(world):
    wci = links(world.svg)["wci"]
    assert {u.get("href") for u in wci.iter(f"{SVG}use")} == {"#area-US-CA", "#area-CA-QC"}
    assert world.items["wci"].outline


def test_filter_colours_only_the_shown_systems(reg):
    shown = {s.id for s in reg.all() if s.status == "in force"}
    r = worldmap.render_map(reg.all(), lambda sid: f"/s/{sid}", shown=shown)
    assert set(links(r.svg)) == shown


def test_size_legend_and_contrast(world):
    assert len(world.svg.encode()) < 180_000
    root = ET.fromstring(world.svg)
    legend = " ".join(t.text for t in root.iter(f"{SVG}text"))
    for status in systems_mod.STATUSES:
        assert status.capitalize() in legend

    def lum(hexc: str) -> float:
        c = [int(hexc[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((lum(a), lum(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for colour in worldmap.STATUS_COLOURS.values():
        for bg in (worldmap.LAND, worldmap.SEA, "#ffffff"):
            assert contrast(colour, bg) >= 3.0, (colour, bg)


@pytest.mark.parametrize("view", ["europe", "north-america", "east-asia"])
def test_regional_views(reg, view):
    r = worldmap.render_map(reg.all(), lambda sid: f"/systems/{sid}", view=geo.VIEWS[view])
    found = links(r.svg)
    expect = {"europe": "eu-ets", "north-america": "us-california", "east-asia": "cn-shenzhen"}[view]
    assert expect in found
    assert len(r.svg.encode()) < 150_000
