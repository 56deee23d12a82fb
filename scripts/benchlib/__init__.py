"""The etslib benchmark harness (driven by ``scripts/bench``).

One module per job:

- :mod:`.common`     paths, timing, percentiles, process memory sampling
- :mod:`.sources`    the real texts the scale corpus is composed from
- :mod:`.pdfwrite`   a small pure-Python writer of text-only PDFs (Helvetica)
- :mod:`.corpus`     the seeded scale corpus, its catalog and manifest
- :mod:`.queries`    the fixed query mix and its translation for the references
- :mod:`.ingest`     etslib ingest runs (cold, unchanged, metadata-only, rebuild)
- :mod:`.extraction` PDF text extraction alone: pypdf, pypdfium2, pdftotext
- :mod:`.fts5`       the reference pipeline: pdftotext + SQLite FTS5, and its queries
- :mod:`.tantivy_ref` the tantivy reference index and its queries
- :mod:`.latency`    in-process search latency, etslib beside the references
- :mod:`.httpload`   the real server under load (wrk, or a threaded client)
- :mod:`.ranking`    Cranfield nDCG@10 and MAP: etslib, tantivy BM25, FTS5 bm25()
- :mod:`.report`     targets, the PASS/MISS table and the JSON file
- :mod:`.cli`        argument parsing and the order of the stages
"""
