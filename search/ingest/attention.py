"""What needs a librarian's attention: files that failed, scans without
text, garbage text, records without a jurisdiction or year, values only
guessed, likely duplicates. Read from the indexed metadata and the last
ingest's report; each item names the document it concerns (when there is
one), so the staff page links it to its edit form.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .report import FailedFile

#: Sources that are guesses from a file name or the rules, per field.
WEAK_SOURCES = {"filename"}
#: Below this confidence (where the metadata records one) a value is listed.
LOW_CONFIDENCE = 0.5


@dataclass
class Item:
    doc_id: str | None  # the record to edit, if the file is indexed
    title: str
    file: str  # the file's name (never a server path)
    why: str
    failure: str | None = None  # a failed file's key (:func:`.report.failure_key`)


@dataclass
class Attention:
    failed: list[Item] = field(default_factory=list)
    scans: list[Item] = field(default_factory=list)
    garbage: list[Item] = field(default_factory=list)
    no_jurisdiction: list[Item] = field(default_factory=list)
    no_year: list[Item] = field(default_factory=list)
    low_confidence: list[Item] = field(default_factory=list)
    duplicates: list[Item] = field(default_factory=list)

    def sections(self) -> list[tuple[str, str, list[Item]]]:
        """(key, heading, items) in the order the page shows them."""
        return [
            ("failed", "Files that could not be indexed", self.failed),
            ("scans", "Scans without text", self.scans),
            ("garbage", "Garbage text", self.garbage),
            ("no_jurisdiction", "Records without a jurisdiction", self.no_jurisdiction),
            ("no_year", "Records without a year", self.no_year),
            ("low_confidence", "Guessed values", self.low_confidence),
            ("duplicates", "Likely duplicates", self.duplicates),
        ]

    @property
    def total(self) -> int:
        return sum(len(items) for _, _, items in self.sections())


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _title_key(title: str) -> str:
    t = unicodedata.normalize("NFKC", title or "").casefold()
    return re.sub(r"\W+", " ", t).strip()


def needs_attention(infos: list[dict[str, Any]], report: dict[str, Any] | None, failed: list[FailedFile]) -> Attention:
    """Everything worth a look, from the documents' stored metadata, the
    last report and the files that failed (:func:`.report.failed_files`)."""
    out = Attention()
    by_path = {i.get("path"): i for i in infos}
    for f in sorted(failed, key=lambda f: f.path):
        if f.path in by_path:
            continue  # indexed since
        item = Item(None, _name(f.path), _name(f.path), f"{f.code}: {f.reason}", f.key)
        if f.code == "scanned":
            out.scans.append(item)
        elif f.code == "garbage":
            out.garbage.append(item)
        else:
            out.failed.append(item)
    titles: dict[tuple[str, Any], list[dict[str, Any]]] = defaultdict(list)
    for info in infos:
        did, title, file = info["id"], info.get("title") or info["id"], _name(info.get("path", ""))
        flags = info.get("flags") or []
        if "garbage-text" in flags:
            out.garbage.append(Item(did, title, file, "parts of the text could not be read cleanly"))
        if not info.get("jurisdictions"):
            out.no_jurisdiction.append(Item(did, title, file, "no jurisdiction"))
        if not info.get("year"):
            out.no_year.append(Item(did, title, file, "no year"))
        weak = _weak_fields(info)
        if weak:
            out.low_confidence.append(Item(did, title, file, "guessed: " + ", ".join(weak)))
        key = _title_key(title)
        if len(key) >= 12:
            titles[(key, info.get("year"))].append(info)
    for (key, year), group in titles.items():
        if len(group) > 1:
            first = group[0]
            for other in group[1:]:
                out.duplicates.append(Item(other["id"], other.get("title") or other["id"], _name(other.get("path", "")), f"same title and year as {first['id']}"))
    for d in (report or {}).get("duplicates", []):
        twin = by_path.get(d.get("of"))
        out.duplicates.append(Item(twin["id"] if twin else None, _name(d["path"]), _name(d["path"]), f"same content as {_name(d.get('of', ''))} (not indexed twice)"))
    return out


def _weak_fields(info: dict[str, Any]) -> list[str]:
    """Fields whose value is only a guess: a low recorded confidence, or a
    value read from the file name."""
    conf = info.get("confidence")
    weak = []
    if isinstance(conf, dict):
        weak = [k for k, c in conf.items() if isinstance(c, (int, float)) and c < LOW_CONFIDENCE]
    sources = info.get("sources") or {}
    weak += [k for k in ("title", "year", "date") if sources.get(k) in WEAK_SOURCES and k not in weak]
    return weak
