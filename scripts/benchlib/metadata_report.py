"""``scripts/metadata-report``: ingest the gold documents, score, print."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from .common import SHARED
from .metadata import format_report, iter_gold_paths, load_gold, records_of_index, score


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/metadata-report", description=__doc__)
    p.add_argument("--index", type=Path, help="an index of the shared corpus to score (default: ingest one now)")
    p.add_argument("--json", action="store_true", help="print the figures and misses as JSON")
    p.add_argument("--no-misses", action="store_true", help="only the table")
    args = p.parse_args(argv)
    corpus = SHARED
    if not (corpus / "MANIFEST.tsv").is_file():
        print(f"metadata-report: the shared corpus is not at {corpus} (set ETSLIB_SHARED_CORPUS)", file=sys.stderr)
        return 2
    gold = load_gold()
    with tempfile.TemporaryDirectory(prefix="etslib-metadata-") as tmp:
        index = args.index
        if index is None:
            from search.index import IndexRoot
            from search.ingest import IngestOptions, ingest

            index = Path(tmp) / "index"
            ingest([str(p) for p in iter_gold_paths(gold, corpus)], IndexRoot(index), IngestOptions())
        sc = score(records_of_index(index, corpus), gold)
    if args.json:
        print(json.dumps({"figures": sc.figures(), "documents": sc.documents, "misses": [asdict(m) for m in sc.misses]}, ensure_ascii=False, indent=1, default=str))
    else:
        print(format_report(sc, misses=not args.no_misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
