"""A large catalog's parse does not stay in an ingest's memory.

The YAML node tree's objects are allocated among the rows'; rows kept from
that parse held the allocator's arenas (113 MB for 10,000 entries, 250 MB
for the 29,000 of the 1M-page benchmark corpus). Measured in a fresh
process, as RSS is per process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

_MEASURE = """
import gc, json, sys
from pathlib import Path
from search.ingest.catalog import load_catalog
import search.vocab.jurisdictions  # loaded by any ingest; not the catalog's memory

def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20

gc.collect()
base = rss()
cat = load_catalog([], [Path(sys.argv[1])], cache_dir=Path(sys.argv[2]))
gc.collect()
print(json.dumps({"entries": len(cat.by_path), "problems": len(cat.problems), "mb": rss() - base}))
"""


def _measure(catalog: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(catalog), str(cache)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def test_parsed_catalog_is_packed(tmp_path):
    n = 6000
    entries = [
        {
            "path": f"docs/reports/{i:05d}-emissions-trading-report.pdf",
            "title": f"Emissions trading report number {i} on allowance allocation",
            "authors": ["A. Author", "B. Writer"],
            "publisher": "International Carbon Action Partnership",
            "year": 2000 + i % 25,
            "date": f"{2000 + i % 25}-0{1 + i % 9}-1{i % 9}",
            "jurisdictions": ["EU", "DE"],
            "type": "report",
            "topics": ["allocation", "auctioning"],
        }
        for i in range(n)
    ]
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(yaml.dump({"documents": entries}, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False), "utf-8")
    cache = tmp_path / "cache"
    parsed = _measure(catalog, cache)  # a cache miss: the YAML is parsed
    assert parsed["entries"] == n and parsed["problems"] == 0
    # Kept from the parse as it was: 68 MB; packed: about 17 MB.
    assert parsed["mb"] < 40, parsed
    cached = _measure(catalog, cache)  # from the JSON cache
    assert cached["entries"] == n and cached["mb"] < 40, cached
