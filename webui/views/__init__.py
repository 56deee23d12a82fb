"""View models: one module per page, each a dataclass the template reads.

A page's builder runs the search (or looks the document up) once, into a
small data object of core types (:class:`~search.model.SearchResponse`,
:class:`~search.model.Passage`, :class:`~search.model.Hit`); the HTML view
model and the JSON twin are both built from that object, so the two cannot
disagree. Every URL a template needs is built here, never in templates.
"""
