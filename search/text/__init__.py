"""Text tools shared by ingest and query: folding, tokenising and stemming
(:mod:`.analysis`), normalising extracted text (:mod:`.normalize`),
language identification (:mod:`.language`), the term matcher of the data
files (:mod:`.matcher`) and the one checked data-file loader
(:mod:`.datafile`). Nothing here knows about the index or the web.
"""
