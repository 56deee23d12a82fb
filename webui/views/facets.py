"""The facet sidebar and the chips of chosen filters: every value carries
the URL that toggles it, so templates never build URLs."""

from __future__ import annotations

from dataclasses import dataclass

from search.model import SearchRequest, SearchResponse
from search.vocab.facets import FACETS, FILTER_FACETS

from .. import urls
from .labels import label_of
from .links import search_url


@dataclass
class ValueView:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str
    group: str | None = None


@dataclass
class GroupView:
    name: str | None
    top: list[ValueView]
    more: list[ValueView]


@dataclass
class FacetView:
    name: str
    label: str
    groups: list[GroupView]
    selected: int = 0
    apply_url: str = ""  # where the no-JavaScript "Apply" of this facet lands (at the facet)

    @property
    def empty(self) -> bool:
        return not any(g.top or g.more for g in self.groups)

    @property
    def size(self) -> int:
        return sum(len(g.top) + len(g.more) for g in self.groups)

    @property
    def long(self) -> bool:
        """Long enough to want searching within and sorting (with JavaScript)."""
        return any(g.more for g in self.groups)


@dataclass
class Chip:
    facet: str
    label: str
    remove_url: str


def facet_views(resp: SearchResponse, state: urls.Pairs, top_n: int) -> list[FacetView]:
    """The ticked facets; jurisdictions grouped by region, in the registry's order."""
    from search.vocab.jurisdictions import load

    region_order = {r: i for i, r in enumerate(load().regions())}
    out: list[FacetView] = []
    for name in FILTER_FACETS:
        values = [
            ValueView(
                v.value,
                v.label or v.value,
                v.count,
                v.selected,
                # At the facet: the page that opens shows it, and focus comes back there.
                search_url(urls.toggled(state, name, v.value)) + f"#facet-{name}",
                v.group,
            )
            for v in resp.facets.get(name, [])
        ]
        if name == "jurisdiction":
            groups: dict[str | None, list[ValueView]] = {}
            for v in values:
                groups.setdefault(v.group or "Other", []).append(v)
            ordered = sorted(groups.items(), key=lambda kv: region_order.get(kv[0], len(region_order)))
        else:
            ordered = [(None, values)]
        views = []
        for gname, vals in ordered:
            top = vals[:top_n] + [v for v in vals[top_n:] if v.selected]
            more = [v for v in vals[top_n:] if not v.selected]
            if len(more) == 1:  # "▸ 1 more" would hide one value behind a click
                top, more = top + more, []
            views.append(GroupView(gname, top, more))
        out.append(FacetView(name, FACETS[name].label, views, sum(v.selected for v in values), search_url([]) + f"#facet-{name}"))
    return out


def chips(req: SearchRequest, state: urls.Pairs) -> list[Chip]:
    """One removable chip per chosen value, and one for the year range."""
    out = []
    for name in FILTER_FACETS:
        for v in req.filters.get(name, []):
            out.append(Chip(FACETS[name].label, label_of(name, v), search_url(urls.with_removed(state, name, v))))
    if req.year_from is not None or req.year_to is not None:
        a, b = req.year_from, req.year_to
        text = f"{a}–{b}" if a is not None and b is not None else (f"from {a}" if a is not None else f"until {b}")
        if a == b:
            text = str(a)
        out.append(Chip("Year", text, search_url(urls.without(state, ["year_from", "year_to"]))))
    return out
