"""`etslib prices import` and `prices list` as staff run them: exit codes, line numbers, no duplicates."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def etslib(*args: str, store: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ETSLIB_PRICES=str(store))
    return subprocess.run([sys.executable, "-m", "webui.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_import_with_a_declared_mapping_twice(tmp_path):
    src = tmp_path / "kau.csv"
    src.write_text("Trade date,Close\n2024-01-02,9100\n2024-01-03,9150\n", encoding="utf-8")
    mapping = tmp_path / "kau.yaml"
    mapping.write_text(
        "columns: {date: Trade date, price: Close}\n"
        "fixed: {system: kr-ets, instrument: KAU24, currency: KRW, kind: secondary market,\n"
        "        source: Test exchange data, licence: CC0-1.0}\n", encoding="utf-8")
    store = tmp_path / "store.csv"
    out = etslib("prices", "import", str(src), "--mapping", str(mapping), "--json", store=store)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert (report["added"], report["rejected"], report["written"]) == (2, [], True)
    again = etslib("prices", "import", str(src), "--mapping", str(mapping), store=store)
    assert again.returncode == 0 and "added 0  updated 0  unchanged 2" in again.stdout
    assert len(rows(store)) == 2
    listed = etslib("prices", "list", "--json", store=store)
    series = {(s["system"], s["currency"]): s for s in json.loads(listed.stdout)}
    assert series[("kr-ets", "KRW")]["count"] == 2 and ("nz-ets", "NZD") in series


def test_bad_file_lists_line_numbers_and_writes_nothing(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("date,system,instrument,price,currency,kind,source,licence\n"
                   "2024-01-05,nz-ets,NZU,55,NZD,secondary market,Test,CC0-1.0\n"
                   "05/01/2024,nz-ets,NZU,56,NZD,secondary market,Test,CC0-1.0\n"
                   "2024-01-07,nz-ets,NZU,57,NZD,secondary market,,CC0-1.0\n", encoding="utf-8")
    store = tmp_path / "store.csv"
    out = etslib("prices", "import", str(src), store=store)
    assert out.returncode == 1
    assert f"{src}:3: rejected: date '05/01/2024'" in out.stderr
    assert f"{src}:4: rejected: source is empty" in out.stderr
    assert "nothing was imported" in out.stderr and not store.exists()
    out = etslib("prices", "import", str(src), "--skip-bad", store=store)
    assert out.returncode == 0 and len(rows(store)) == 1


def test_column_and_set_options(tmp_path):
    src = tmp_path / "q.csv"
    src.write_text("Quarter,Settlement\nQ1 2024,$41.76\n", encoding="utf-8")
    store = tmp_path / "store.csv"
    out = etslib("prices", "import", str(src), "--column", "date=Quarter", "--column", "price=Settlement",
                 "--date-format", "quarter", "--set", "system=wci", "--set", "instrument=Joint auction",
                 "--set", "currency=USD", "--set", "kind=auction", "--set", "source=CARB", "--set", "licence=public",
                 store=store)
    assert out.returncode == 0, out.stderr
    (row,) = rows(store)
    assert (row["date"], row["price"], row["period"]) == ("2024-01-01", "41.76", "quarter")
    bad = etslib("prices", "import", str(src), "--column", "date=Quarter", store=store)
    assert bad.returncode == 2 and "no column or fixed value" in bad.stderr
