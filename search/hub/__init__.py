"""The knowledge hub: allowance prices, map geometry and the SVG that shows them.

* :mod:`.prices`: the price model, the shipped and imported series, and the
  CSV import with a declared column mapping;
* :mod:`.geo`: the shipped map geometry and the Equal Earth projection;
* :mod:`.worldmap`: the world map of systems as SVG, a pure function;
* :mod:`.charts`: price line charts and sparklines as SVG, pure functions.

Data and rendering only: nothing here imports Flask or reads the index. The
systems themselves are the registry in :mod:`search.vocab.systems`.
"""
