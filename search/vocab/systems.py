"""Emissions trading systems: the knowledge hub's registry.

``data/systems.yaml`` says which systems exist and how each maps onto the
sources; the facts come from three shipped tables and one staff file, and
every fact keeps its source and date:

1. ``data/systems_overrides.yaml``: staff corrections (each with its own
   source and date); they win.
2. ``data/hub/worldbank_ets.csv``: the World Bank Carbon Pricing Dashboard,
   data as of 1 April 2025 (CC BY 4.0).
3. the ``facts`` of the jurisdiction named in ``facts_from`` in
   ``data/jurisdictions.yaml``: etslib editors' values, counted only where
   they differ from ICAP's or ICAP has none (otherwise ICAP is the source).
4. ``data/hub/icap_factsheets.csv``: ICAP's ETS factsheets (c. 2022), short
   fields only.

The first source with a value wins; values of the others that disagree are
kept in :attr:`Fact.others`, so a page can show that sources differ. A fact
no source has is listed in :attr:`System.missing`.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..text.datafile import DATA_DIR, DataFileError, entry_error, read_yaml, require_mapping
from ..text.fold import term_key as fold
from . import jurisdictions as jurisdictions_mod

DEFAULT_PATH = DATA_DIR / "systems.yaml"
OVERRIDES_PATH = DATA_DIR / "systems_overrides.yaml"
ICAP_PATH = DATA_DIR / "hub" / "icap_factsheets.csv"
WORLDBANK_PATH = DATA_DIR / "hub" / "worldbank_ets.csv"

STATUSES = ("in force", "under development", "under consideration", "abolished")
#: Facts a system page shows, in order, with their labels.
FACT_LABELS: dict[str, str] = {
    "status": "Status",
    "start": "Start",
    "coverage": "Coverage",
    "sectors": "Sectors",
    "gases": "Gases",
    "cap": "Cap",
    "allocation": "Allocation",
    "offsets": "Offsets",
    "linked": "Linked with",
}
#: Sector ids for the filter, with the words the sources use for them.
SECTORS: dict[str, tuple[str, ...]] = {
    "power": ("power", "electricity and heat", "electricity"),
    "industry": ("industry", "steel", "cement", "aluminium", "small industry"),
    "buildings": ("buildings",),
    "transport": ("transport", "road transport"),
    "aviation": ("aviation", "domestic aviation", "domesticaviation"),
    "maritime": ("maritime",),
    "waste": ("waste",),
    "forestry": ("forestry", "lulucf"),
    "agriculture": ("agriculture, forestry and fishing fuel use", "agricultural emissions", "agriculture"),
    "mining": ("mining and extractives", "mining", "oil and gas"),
}
SECTOR_LABELS = {
    "power": "Power", "industry": "Industry", "buildings": "Buildings", "transport": "Transport",
    "aviation": "Aviation", "maritime": "Maritime", "waste": "Waste", "forestry": "Forestry and land use",
    "agriculture": "Agriculture", "mining": "Mining and extractives",
}
_SECTOR_OF = {w: sid for sid, words in SECTORS.items() for w in words}
#: World Bank sector columns, in the sheet's order.
_WB_SECTORS = ("Electricity and heat", "Industry", "Mining and extractives", "Transport", "Aviation", "Buildings",
               "Agriculture, forestry and fishing fuel use", "Agricultural emissions", "Waste", "LULUCF")
_WB_STATUS = {"Implemented": "in force", "Abolished": "abolished", "Under development": "under development",
              "Under consideration": "under consideration"}
_EDITOR_STATUS = {"in force": "in force", "under development": "under development",
                  "under consideration": "under consideration", "ended": "abolished"}

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_AREA = re.compile(r"^([A-Z]{3}|[A-Z]{2}-[A-Z0-9]{2,3}|[A-Z][A-Z0-9]*)$")
_AS_OF = re.compile(r"^(c\. )?\d{4}(-\d{2}(-\d{2})?)?$")
_KEYS = {"id", "name", "icap", "worldbank", "jurisdictions", "facts_from", "region", "areas", "marker", "parent",
         "members", "note"}


@dataclass(frozen=True)
class Source:
    """Where a fact comes from."""

    id: str  # worldbank | icap | editors | override
    label: str
    as_of: str  # "2025-04-01", "c. 2022", "2025"
    licence: str
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "as_of": self.as_of, "licence": self.licence, "url": self.url}


WORLDBANK = Source("worldbank", "World Bank, State and Trends of Carbon Pricing Dashboard (2025)", "2025-04-01",
                   "CC BY 4.0", "https://carbonpricingdashboard.worldbank.org/")
ICAP_LICENCE = "facts from ICAP's factsheets (icapcarbonaction.com), short fields only"


@dataclass(frozen=True)
class Fact:
    key: str
    value: Any  # str, int or tuple of str
    source: Source
    note: str | None = None
    others: tuple["Fact", ...] = ()

    @property
    def label(self) -> str:
        return FACT_LABELS.get(self.key, self.key.capitalize())

    def text(self) -> str:
        v = self.value
        return ", ".join(str(x) for x in v) if isinstance(v, tuple) else str(v)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": list(self.value) if isinstance(self.value, tuple) else self.value,
                               "source": self.source.to_json()}
        if self.note:
            out["note"] = self.note
        if self.others:
            out["other_sources"] = [o.to_json() for o in self.others]
        return out


@dataclass(frozen=True)
class AreaGroup:
    id: str
    name: str
    areas: dict[str, str]  # area id -> display name


@dataclass(frozen=True)
class System:
    id: str
    name: str
    region: str
    jurisdictions: tuple[str, ...]
    areas: tuple[str, ...]  # expanded: area ids only
    group: AreaGroup | None  # the area group the system covers, if it names one
    marker: tuple[float, float] | None
    parent: str | None
    members: tuple[str, ...]
    icap: str | None
    worldbank: str | None
    note: str | None
    facts: dict[str, Fact] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        f = self.facts.get("status")
        return f.value if f else "under consideration"

    @property
    def start(self) -> int | None:
        f = self.facts.get("start")
        return f.value if f else None

    @property
    def sector_ids(self) -> tuple[str, ...]:
        f = self.facts.get("sectors")
        return sectors_of(f.value) if f else ()

    @property
    def linked(self) -> tuple[str, ...]:
        f = self.facts.get("linked")
        return f.value if f else ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "region": self.region,
            "start": self.start,
            "sectors": list(self.sector_ids),
            "jurisdictions": list(self.jurisdictions),
            "areas": list(self.areas),
            "area_group": self.group.id if self.group else None,
            "parent": self.parent,
            "members": list(self.members),
            "icap": self.icap,
            "worldbank": self.worldbank,
            "note": self.note,
            "facts": {k: f.to_json() for k, f in self.facts.items()},
            "missing": list(self.missing),
        }


def sectors_of(words: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The filter's sector ids for a source's sector words, in SECTORS order."""
    found = {_SECTOR_OF.get(w.strip().lower()) for w in words}
    return tuple(s for s in SECTORS if s in found)


class Systems:
    """Every system, with lookups by id and by the names the sources use."""

    def __init__(self, items: list[System], groups: dict[str, AreaGroup]):
        self._items = {s.id: s for s in items}
        self._order = [s.id for s in items]
        self.groups = groups
        keys: dict[str, str] = {}
        for s in items:
            keys[fold(s.id)] = s.id
        for s in items:
            for k in (s.name, s.icap, s.worldbank):
                if k:
                    keys.setdefault(fold(k), s.id)
        self._keys = keys

    def get(self, sid: str) -> System | None:
        return self._items.get(sid)

    def all(self) -> list[System]:
        return [self._items[i] for i in self._order]

    def ids(self) -> list[str]:
        return list(self._order)

    def children(self, sid: str) -> list[System]:
        return [s for s in self.all() if s.parent == sid]

    def resolve(self, text: str) -> str | None:
        """The system id for an id, a name, an ICAP policy name or a World Bank id."""
        if not text or not text.strip():
            return None
        return self._keys.get(fold(" ".join(text.split())))

    def for_jurisdiction(self, jid: str) -> list[System]:
        """Systems whose documents are tagged with jurisdiction ``jid``."""
        return [s for s in self.all() if jid in s.jurisdictions]


# ---------------------------------------------------------------- loading


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        raise DataFileError(f"{path}: cannot read: {e.strerror or e}") from e


def _split(text: str, sep: str = ",") -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(sep) if x.strip())


def _worldbank_facts(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row.get("Status") in _WB_STATUS:
        out["status"] = _WB_STATUS[row["Status"]]
    share = row.get("Share of jurisdiction emissions covered", "").strip().rstrip(",").strip()
    if share:
        out["coverage"] = share
    sectors = tuple(c for c in _WB_SECTORS if row.get(c, "").strip().lower() == "yes")
    if sectors:
        out["sectors"] = sectors
    for key, col in (("gases", "Gases covered"), ("allocation", "Allocation approaches"), ("offsets", "Offset eligibility")):
        if row.get(col, "").strip():
            out[key] = row[col].strip()
    return out


def _icap_facts(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if row.get("Year", "").strip().isdigit():
        out["start"] = int(row["Year"])
    sectors = tuple("domestic aviation" if s == "DomesticAviation" else s.lower() for s in _split(row.get("Sectoral coverage", "")))
    if sectors:
        out["sectors"] = sectors
    for key, col in (("gases", "GHGs covered"), ("cap", "Cap"), ("allocation", "Allocation"), ("offsets", "Offsets credits")):
        if row.get(col, "").strip():
            out[key] = row[col].strip()
    return out


def _editor_facts(facts: dict[str, Any], linked_ids: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if facts.get("status") in _EDITOR_STATUS:
        out["status"] = _EDITOR_STATUS[facts["status"]]
    if isinstance(facts.get("start"), int):
        out["start"] = facts["start"]
    if facts.get("sectors"):
        out["sectors"] = tuple(facts["sectors"])
    for key in ("gases", "cap", "allocation", "offsets"):
        if facts.get(key):
            out[key] = str(facts[key]).strip()
    if linked_ids:
        out["linked"] = linked_ids
    return out


def _same(a: Any, b: Any, key: str = "") -> bool:
    """Whether two sources say the same (sectors by the filter's ids; text up to case and a final stop)."""
    if key == "sectors" and isinstance(a, tuple) and isinstance(b, tuple):
        return sectors_of(a) == sectors_of(b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return sorted(fold(x) for x in a) == sorted(fold(x) for x in b)
    if isinstance(a, str) and isinstance(b, str):
        return fold(a).rstrip(" .;") == fold(b).rstrip(" .;")
    return a == b


def _as_of(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return str(value).strip()


def _parse_overrides(path: Path, ids: set[str]) -> dict[str, dict[str, Fact]]:
    if not path.is_file():
        return {}
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping at the top level")
    items = data.get("overrides") or []
    if not isinstance(items, list):
        raise DataFileError(f"{path}: 'overrides' must be a list")
    out: dict[str, dict[str, Fact]] = {}
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise entry_error(path, i, raw, "expected a mapping with system, fact, value, source, as_of")
        unknown = set(raw) - {"system", "fact", "value", "source", "url", "as_of", "editor", "note"}
        if unknown:
            raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)}")
        for key in ("system", "fact", "source", "as_of"):
            if raw.get(key) in (None, ""):
                raise entry_error(path, i, raw, f"'{key}' is required: an override keeps its provenance")
        if raw["system"] not in ids:
            raise entry_error(path, i, raw, f"system {raw['system']!r} is not an id of systems.yaml")
        key = raw["fact"]
        if key not in FACT_LABELS:
            raise entry_error(path, i, raw, f"fact {key!r} is not one of {list(FACT_LABELS)}")
        value = raw.get("value")
        if key == "status" and value not in STATUSES:
            raise entry_error(path, i, raw, f"status {value!r} is not one of {list(STATUSES)}")
        if key == "start" and not (isinstance(value, int) and 1990 <= value <= 2100):
            raise entry_error(path, i, raw, "start must be a year")
        if key in ("sectors", "linked"):
            if not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
                raise entry_error(path, i, raw, f"{key} must be a list")
            if key == "linked" and any(x not in ids for x in value):
                raise entry_error(path, i, raw, "linked must list system ids")
            value = tuple(value)
        elif key not in ("start",) and not isinstance(value, str):
            raise entry_error(path, i, raw, f"{key} must be text")
        as_of = _as_of(raw["as_of"])
        if not _AS_OF.match(as_of):
            raise entry_error(path, i, raw, "as_of must be a date (2025-11-12), a month (2025-11) or a year")
        url = raw.get("url")
        if url is not None and not str(url).startswith(("https://", "http://")):
            raise entry_error(path, i, raw, "url must be a web address")
        editor = f" ({raw['editor']})" if raw.get("editor") else ""
        src = Source("override", f"{raw['source']}{editor}", as_of, "etslib staff correction", url)
        out.setdefault(raw["system"], {})[key] = Fact(key, value, src, note=raw.get("note"))
    return out


def _parse_groups(path: Path, data: dict[str, Any]) -> dict[str, AreaGroup]:
    groups: dict[str, AreaGroup] = {}
    for gid, g in (data.get("area_groups") or {}).items():
        if not isinstance(g, dict) or not isinstance(g.get("areas"), dict) or not g.get("name"):
            raise DataFileError(f"{path}: area_groups.{gid}: needs 'name' and 'areas' (area id: name)")
        groups[gid] = AreaGroup(gid, str(g["name"]), {str(k): str(v) for k, v in g["areas"].items()})
    return groups


def parse(path: Path = DEFAULT_PATH, *, overrides: Path | None = OVERRIDES_PATH, icap: Path = ICAP_PATH,
          worldbank: Path = WORLDBANK_PATH, registry: jurisdictions_mod.Registry | None = None) -> Systems:
    """Load and validate the systems file and merge the facts of every source."""
    reg = registry or jurisdictions_mod.load()
    data = read_yaml(path)
    raw_items = require_mapping(path, data, "systems")
    groups = _parse_groups(path, data)
    icap_rows = {" ".join(r["Policy"].split()): r for r in _read_csv(icap)}
    wb_rows = {r["Unique ID"]: r for r in _read_csv(worldbank)}

    entries: list[dict[str, Any]] = []
    for i, raw in enumerate(raw_items):
        if not isinstance(raw, dict):
            raise entry_error(path, i, raw, "expected a mapping")
        unknown = set(raw) - _KEYS
        if unknown:
            raise entry_error(path, i, raw, f"unknown key(s) {sorted(unknown)} (allowed: {', '.join(sorted(_KEYS))})")
        for key in ("id", "name", "region"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise entry_error(path, i, raw, f"'{key}' is missing or not text")
        if not _SLUG.match(raw["id"]):
            raise entry_error(path, i, raw, "id must be lower-case letters and digits joined by dashes (us-california)")
        if raw["region"] not in reg.regions():
            raise entry_error(path, i, raw, f"region {raw['region']!r} is not one of {reg.regions()}")
        if raw.get("icap") is not None and " ".join(str(raw["icap"]).split()) not in icap_rows:
            raise entry_error(path, i, raw, f"icap {raw['icap']!r} is not a Policy of {icap.name}")
        if raw.get("worldbank") is not None and raw["worldbank"] not in wb_rows:
            raise entry_error(path, i, raw, f"worldbank {raw['worldbank']!r} is not a Unique ID of {worldbank.name}")
        for jid in raw.get("jurisdictions") or []:
            if reg.get(jid) is None:
                raise entry_error(path, i, raw, f"jurisdiction {jid!r} is not in jurisdictions.yaml")
        if raw.get("facts_from") is not None and reg.get(raw["facts_from"]) is None:
            raise entry_error(path, i, raw, f"facts_from {raw['facts_from']!r} is not in jurisdictions.yaml")
        for a in raw.get("areas") or []:
            if not (a in groups or _AREA.match(str(a))):
                raise entry_error(path, i, raw, f"area {a!r} is neither an area id nor a group of area_groups")
        m = raw.get("marker")
        if m is not None and not (isinstance(m, list) and len(m) == 2 and all(isinstance(x, (int, float)) for x in m)
                                  and -180 <= m[0] <= 180 and -90 <= m[1] <= 90):
            raise entry_error(path, i, raw, "marker must be [lon, lat]")
        entries.append(raw)

    ids = [e["id"] for e in entries]
    dup = {x for x in ids if ids.count(x) > 1}
    if dup:
        raise DataFileError(f"{path}: duplicate system id(s) {sorted(dup)}")
    for what, rows in (("icap", icap_rows), ("worldbank", wb_rows)):
        claimed = [" ".join(str(e[what]).split()) if what == "icap" else e[what] for e in entries if e.get(what)]
        twice = {x for x in claimed if claimed.count(x) > 1}
        if twice:
            raise DataFileError(f"{path}: {what} row(s) claimed by two systems: {sorted(twice)}")
        unclaimed = sorted(set(rows) - set(claimed))
        if unclaimed:
            raise DataFileError(f"{path}: {what} row(s) no system claims: {unclaimed}")
    idset = set(ids)
    for i, e in enumerate(entries):
        for ref in ([e["parent"]] if e.get("parent") else []) + list(e.get("members") or []):
            if ref not in idset:
                raise entry_error(path, i, e, f"{ref!r} is not a system id")
        if not (e.get("areas") or e.get("marker") or e.get("members")):
            raise entry_error(path, i, e, "a system needs areas, a marker or members to appear on the map")

    # Jurisdiction -> the system that takes its editors' facts (to turn `linked` into system ids).
    system_of_jid = {e["facts_from"]: e["id"] for e in entries if e.get("facts_from")}
    override_facts = _parse_overrides(overrides, idset) if overrides else {}

    items: list[System] = []
    for e in entries:
        icap_row = icap_rows.get(" ".join(str(e["icap"]).split())) if e.get("icap") else None
        wb_row = wb_rows.get(e["worldbank"]) if e.get("worldbank") else None
        j = reg.get(e["facts_from"]) if e.get("facts_from") else None
        candidates: list[tuple[Source, dict[str, Any]]] = []
        if wb_row:
            candidates.append((WORLDBANK, _worldbank_facts(wb_row)))
        icap_facts = _icap_facts(icap_row) if icap_row else {}
        if j is not None and j.facts:
            linked = tuple(system_of_jid[x] for x in j.facts.get("linked") or [] if x in system_of_jid and system_of_jid[x] != e["id"])
            ed = _editor_facts(j.facts, linked)
            ed = {k: v for k, v in ed.items() if not (k in icap_facts and _same(v, icap_facts[k], k))}
            candidates.append((Source("editors", f"etslib editors (jurisdictions.yaml, {j.id})", "2025",
                                      "etslib (MIT)", None), ed))
        if icap_row:
            url = icap_row.get("URL") or None
            candidates.append((Source("icap", "ICAP ETS factsheet (via the GCCMPD dataset)", "c. 2022", ICAP_LICENCE,
                                      url if url and url.startswith("https://") else None), icap_facts))
        facts: dict[str, Fact] = {}
        missing: list[str] = []
        ov = override_facts.get(e["id"], {})
        for key in FACT_LABELS:
            found = [Fact(key, vals[key], src) for src, vals in candidates if key in vals]
            if key in ov:
                found.insert(0, ov[key])
            if not found:
                if key != "linked":  # not a factsheet field: no link is no gap
                    missing.append(key)
                continue
            first = found[0]
            others = tuple(f for f in found[1:] if not _same(f.value, first.value, key))
            facts[key] = Fact(key, first.value, first.source, first.note, others)
        areas: list[str] = []
        group = None
        for a in e.get("areas") or []:
            if a in groups:
                group = groups[a]
                areas.extend(groups[a].areas)
            else:
                areas.append(a)
        marker = tuple(float(x) for x in e["marker"]) if e.get("marker") else None
        items.append(System(
            id=e["id"], name=" ".join(e["name"].split()), region=e["region"],
            jurisdictions=tuple(e.get("jurisdictions") or []), areas=tuple(dict.fromkeys(areas)), group=group,
            marker=marker, parent=e.get("parent"), members=tuple(e.get("members") or []),
            icap=" ".join(e["icap"].split()) if e.get("icap") else None, worldbank=e.get("worldbank"),
            note=e.get("note"), facts=facts, missing=tuple(missing),
        ))
    return Systems(items, groups)


@functools.lru_cache(maxsize=None)
def _load_default() -> Systems:
    return parse()


def load(path: str | Path | None = None, **kwargs: Any) -> Systems:
    """The packaged registry (cached), or the one at ``path``."""
    return _load_default() if path is None and not kwargs else parse(Path(path) if path else DEFAULT_PATH, **kwargs)
