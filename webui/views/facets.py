"""The facet sidebar and the chips of chosen filters: every value carries
the URL that toggles it, so templates never build URLs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from search.model import SearchRequest, SearchResponse
from search.query import narrow_values
from search.vocab.facets import FACETS, FILTER_FACETS

from .. import urls
from ..params import FACET_FIND, FACET_ORDER, FacetListing
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
    #: Long enough to want finding a value and ordering the list: the tools
    #: work in place with JavaScript, and through these links without it.
    long: bool = False
    find: str = ""  # the text the list is narrowed to
    order: str = "count"
    order_urls: dict[str, str] = field(default_factory=dict)  # count, az -> URL
    find_action: str = ""  # the find form's action, and its hidden state
    find_state: urls.Pairs = field(default_factory=list)
    find_clear_url: str = ""
    total: int = 0  # values before narrowing
    matched: int = 0  # values the find matches (chosen values are listed anyway)

    @property
    def empty(self) -> bool:
        return not self.total and not self.find

    @property
    def size(self) -> int:
        return sum(len(g.top) + len(g.more) for g in self.groups)


@dataclass
class Chip:
    facet: str
    label: str
    remove_url: str


def facet_views(resp: SearchResponse, state: urls.Pairs, top_n: int, listing: FacetListing | None = None) -> list[FacetView]:
    """The ticked facets; jurisdictions grouped by region, in the registry's
    order; each list narrowed and ordered as ``listing`` says."""
    from search.vocab.jurisdictions import load

    listing = listing or FacetListing()
    kept = listing.pairs()  # the lists stay as they are when a value is ticked
    region_order = {r: i for i, r in enumerate(load().regions())}
    out: list[FacetView] = []
    for name in FILTER_FACETS:
        find, order = listing.find.get(name, ""), listing.order.get(name, "count")
        counted = resp.facets.get(name, [])
        values = [
            ValueView(
                v.value,
                v.label or v.value,
                v.count,
                v.selected,
                # At the facet: the page that opens shows it, and focus comes back there.
                search_url(urls.toggled(state, name, v.value) + kept) + f"#facet-{name}",
                v.group,
            )
            for v in narrow_values(counted, find, order)
        ]
        whole = bool(find) or order != "count"  # a narrowed or reordered list is shown whole
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
            if len(more) == 1 or whole:  # "▸ 1 more" would hide one value behind a click
                top, more = top + more, []
            views.append(GroupView(gname, top, more))
        at = f"#facet-{name}"
        others = [(k, v) for k, v in kept if k != FACET_FIND + name]
        out.append(
            FacetView(
                name,
                FACETS[name].label,
                views,
                sum(v.selected for v in values),
                search_url([]) + at,
                long=whole or _longest_group(counted, grouped=name == "jurisdiction") > top_n + 1,
                find=find,
                order=order,
                order_urls={
                    o: search_url(state + urls.with_replaced(kept, FACET_ORDER + name, None if o == "count" else o)) + at for o in ("count", "az")
                },
                find_action=search_url([]) + at,
                find_state=state + others,
                find_clear_url=search_url(state + others) + at,
                total=len(counted),
                matched=len(narrow_values([replace(v, selected=False) for v in counted], find)) if find else len(counted),
            )
        )
    return out


def _longest_group(values: list, grouped: bool) -> int:
    sizes: dict[str | None, int] = {}
    for v in values:
        key = (v.group or "Other") if grouped else None
        sizes[key] = sizes.get(key, 0) + 1
    return max(sizes.values(), default=0)


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
