"""Query: a request in, ranked documents with passages and facets out.

:mod:`.parse` reads the query string into a tree (never raising),
:mod:`.rewrite` drops common words and adds glossary equivalents,
:mod:`.evaluate` scores the tree over an index snapshot, :mod:`.facets`
counts and filters, :mod:`.passages` picks what to show of a page, and
:mod:`.searcher` runs the whole request. :mod:`.contract` is the JSON shape
shared by the command line and the web API.
"""
