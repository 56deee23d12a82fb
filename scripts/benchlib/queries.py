"""The fixed query mix, and its translation for the reference engines.

Every query is a :class:`Query`: etslib syntax in ``q`` plus filters, years,
sort and page as the web page sends them. The references get the same
query rewritten into their own syntax by :func:`parse` (a small parser of
the etslib subset used here: words, ``"phrases"``, ``AND``/``OR``/``NOT``,
``-word``, parentheses, ``word*``, ``title:word``). English stopwords are
dropped from the references' queries as etslib drops common words; a
``relaxed`` query (a long question) becomes an OR of its words there, the
nearest the references come to etslib's "most of its words".
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field as dc_field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from .common import ROOT


@dataclass(frozen=True)
class Query:
    kind: str
    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    relaxed: bool = False  # a long natural-language question

    @property
    def filter_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.filters}

    def label(self) -> str:
        parts = [self.q or "(browse)"]
        parts += [f"{k}={'|'.join(v)}" for k, v in self.filters]
        if self.year_from or self.year_to:
            parts.append(f"years {self.year_from or ''}–{self.year_to or ''}")
        if self.sort != "relevance":
            parts.append(f"sort={self.sort}")
        if self.page != 1:
            parts.append(f"page {self.page}")
        return " · ".join(parts)

    def url_params(self) -> list[tuple[str, str]]:
        """Query-string pairs as the web page builds them (webui/params.py)."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for k, vals in self.filters:
            out += [(k, v) for v in vals]
        if self.year_from is not None:
            out.append(("year_from", str(self.year_from)))
        if self.year_to is not None:
            out.append(("year_to", str(self.year_to)))
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page != 1:
            out.append(("page", str(self.page)))
        return out

    def path(self, base: str = "/api/search") -> str:
        return base + ("?" + urlencode(self.url_params()) if self.url_params() else "")

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "q": self.q, "filters": self.filter_dict, "year_from": self.year_from,
                "year_to": self.year_to, "sort": self.sort, "page": self.page, "relaxed": self.relaxed}


def _f(**kw: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((k, tuple(v)) for k, v in kw.items())


#: The mix: 62 queries over what the corpus holds (EU and German ETS law,
#: policy databases, Cranfield aerodynamics, Chinese notices).
MIX: tuple[Query, ...] = (
    # single terms
    Query("single", "allowances"),
    Query("single", "auctioning"),
    Query("single", "benchmark"),
    Query("single", "aviation"),
    Query("single", "verification"),
    Query("single", "leakage"),
    Query("single", "offsets"),
    Query("single", "hydrogen"),
    Query("single", "Emissionshandel"),
    Query("single", "turbulent"),
    Query("single", "biomass"),
    Query("single", "installations"),
    # several words
    Query("multi", "free allocation benchmarks"),
    Query("multi", "market stability reserve"),
    Query("multi", "carbon leakage risk"),
    Query("multi", "monitoring plan verification report"),
    Query("multi", "maritime transport emissions"),
    Query("multi", "boundary layer flow"),
    Query("multi", "renewable energy targets"),
    Query("multi", "emission reduction policy"),
    Query("multi", "Zuteilung Berechtigungen"),
    Query("multi", "carbon price"),
    # exact phrases
    Query("phrase", '"emissions trading system"'),
    Query("phrase", '"market stability reserve"'),
    Query("phrase", '"carbon border adjustment mechanism"'),
    Query("phrase", '"free allocation"'),
    Query("phrase", '"heat transfer"'),
    Query("phrase", '"energy efficiency"'),
    # boolean
    Query("boolean", "auction OR auctioning"),
    Query("boolean", "allowances NOT aviation"),
    Query("boolean", "(aviation OR maritime) AND emissions"),
    Query("boolean", "cap -aviation"),
    Query("boolean", "benchmark AND (cement OR steel)"),
    Query("boolean", '"free allocation" OR "carbon leakage"'),
    # wildcards and fields
    Query("wildcard", "alloc*"),
    Query("wildcard", "verif* report"),
    Query("field", "title:directive"),
    # one facet filter
    Query("facet1", "allowances", _f(jurisdiction=["EU"])),
    Query("facet1", "emissions", _f(type=["legislation"])),
    Query("facet1", "Emissionen", _f(language=["de"])),
    Query("facet1", "carbon market", _f(topic=["allocation"])),
    Query("facet1", "trading", _f(publisher=["European Commission"])),
    Query("facet1", "energy", _f(jurisdiction=["CN", "KR", "NZ"])),
    # two facet filters
    Query("facet2", "allowances", _f(jurisdiction=["EU"], type=["legislation"])),
    Query("facet2", "emissions", _f(jurisdiction=["CN", "KR"], topic=["mrv"])),
    Query("facet2", "policy", _f(type=["report"], language=["en"])),
    # year ranges
    Query("years", "emissions trading", year_from=2015, year_to=2020),
    Query("years", "climate", _f(jurisdiction=["EU"]), year_from=2020),
    # browsing without words
    Query("browse", ""),
    Query("browse", "", _f(jurisdiction=["NZ"])),
    Query("browse", "", _f(type=["news"]), year_from=2010, year_to=2020),
    # sort, deep pages
    Query("sort", "allowances", sort="newest"),
    Query("deep", "emissions", page=20),
    Query("deep", "energy", page=5),
    # no hits
    Query("nohit", "xylophonequark zebrafinchx"),
    Query("nohit", '"allowances quantum chromodynamics"'),
    # CJK
    Query("cjk", "碳排放权交易"),
    Query("cjk", "配额"),
    Query("cjk", "碳市场 履约"),
    # long natural-language questions
    Query("question", "what are the rules for free allocation of emission allowances to installations at risk of carbon leakage", relaxed=True),
    Query("question", "how does the market stability reserve reduce the surplus of allowances in the carbon market", relaxed=True),
    Query("question", "which experimental methods measure heat transfer in hypersonic turbulent boundary layers", relaxed=True),
)


def query_mix(n: int | None = None, seed: int = 1) -> list[Query]:
    """The mix (or ``n`` of it, taking kinds in turn so every kind stays), in a seeded order."""
    qs = list(MIX)
    if n is not None and n < len(qs):
        by_kind: dict[str, list[Query]] = {}
        for q in qs:
            by_kind.setdefault(q.kind, []).append(q)
        picked: list[Query] = []
        while len(picked) < n:
            for kind in list(by_kind):
                if by_kind[kind] and len(picked) < n:
                    picked.append(by_kind[kind].pop(0))
        qs = picked
    random.Random(f"etslib-bench-queries:{seed}").shuffle(qs)
    return qs


# -- translation for the references ---------------------------------------------


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    path = ROOT / "search" / "data" / "stopwords" / "en.txt"
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError:
        lines = "a an and are as at be by for from how in is it of on or the to what which with".split()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


@dataclass
class Node:
    op: str  # word | prefix | phrase | and | or | not
    text: str = ""
    field: str | None = None
    kids: list["Node"] = dc_field(default_factory=list)


_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff])")


def cjk_spaced(text: str) -> str:
    """Chinese/Japanese characters as separate tokens (unigrams) for the references'
    word tokenizers, which would otherwise take a whole unspaced run as one word."""
    return _CJK.sub(r" \1 ", text) if _CJK.search(text) else text


_TOKEN = re.compile(r'"[^"]*"|\(|\)|-?[^\s()"]+')
_WORD = re.compile(r"[\w\u4e00-\u9fff]+", re.U)


def parse(q: str, *, relaxed: bool = False) -> Node | None:
    """A tree of the query, stopwords dropped; None for an empty query."""
    if relaxed:
        words = [w for w in _WORD.findall(cjk_spaced(q.lower())) if w not in stopwords()]
        return Node("or", kids=[Node("word", w) for w in dict.fromkeys(words)]) if words else None
    tokens = _TOKEN.findall(q)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def parse_or() -> Node | None:
        nonlocal pos
        kids = [parse_and()]
        while peek() == "OR":
            pos += 1
            kids.append(parse_and())
        kids = [k for k in kids if k is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else Node("or", kids=kids)

    def parse_and() -> Node | None:
        nonlocal pos
        kids: list[Node] = []
        negate = False
        while (t := peek()) is not None and t not in (")", "OR"):
            if t == "AND":
                pos += 1
                continue
            if t == "NOT":
                pos += 1
                negate = True
                continue
            node = parse_atom()
            if node is not None:
                kids.append(Node("not", kids=[node]) if negate else node)
            negate = False
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else Node("and", kids=kids)

    def parse_atom() -> Node | None:
        nonlocal pos
        t = tokens[pos]
        pos += 1
        if t == "(":
            node = parse_or()
            if peek() == ")":
                pos += 1
            return node
        neg = t.startswith("-") and len(t) > 1
        if neg:
            t = t[1:]
        fieldname = None
        if ":" in t and not t.startswith('"'):
            fieldname, t = t.split(":", 1)
        if t.startswith('"'):
            words = _WORD.findall(cjk_spaced(t.strip('"')))
            node = Node("phrase", " ".join(words), fieldname) if len(words) > 1 else Node("word", words[0] if words else "", fieldname)
        elif t.endswith("*"):
            node = Node("prefix", t[:-1].lower(), fieldname)
        else:
            words = _WORD.findall(cjk_spaced(t.lower()))
            words = [w for w in words if w not in stopwords()] if not fieldname else words
            if not words:
                return None
            node = Node("word", words[0], fieldname) if len(words) == 1 else Node("phrase", " ".join(words), fieldname)
        return Node("not", kids=[node]) if neg else node

    return parse_or()


def positive_terms(node: Node | None) -> list[Node]:
    """The words, prefixes and phrases a passage should show (no negations)."""
    if node is None or node.op == "not":
        return []
    if node.op in ("and", "or"):
        return [t for k in node.kids for t in positive_terms(k)]
    return [node]


def _fts_atom(node: Node) -> str:
    text = node.text.replace('"', " ")
    s = f'"{text}"*' if node.op == "prefix" else f'"{text}"'
    return f"{node.field} : {s}" if node.field else s


def to_fts5(node: Node | None) -> str | None:
    """SQLite FTS5 MATCH syntax (binary NOT: ``a NOT b``)."""
    if node is None:
        return None
    if node.op in ("word", "prefix", "phrase"):
        return _fts_atom(node)
    if node.op == "or":
        parts = [p for p in (to_fts5(k) for k in node.kids) if p]
        return "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]
    if node.op == "not":
        return None  # only inside an AND (below)
    pos = [p for p in (to_fts5(k) for k in node.kids if k.op != "not") if p]
    neg = [p for p in (to_fts5(k.kids[0]) for k in node.kids if k.op == "not") if p]
    if not pos:
        return None
    s = "(" + " AND ".join(pos) + ")" if len(pos) > 1 else pos[0]
    if neg:
        s = f"({s} NOT " + ("(" + " OR ".join(neg) + ")" if len(neg) > 1 else neg[0]) + ")"
    return s


def fts5_passage_query(node: Node | None) -> str | None:
    terms = positive_terms(node)
    return " OR ".join(dict.fromkeys(_fts_atom(Node(t.op, t.text)) for t in terms)) or None


_TANTIVY_SPECIAL = re.compile(r'([+\-&|!(){}\[\]^"~*?:\\/])')


def _tv_atom(node: Node) -> str:
    text = _TANTIVY_SPECIAL.sub(" ", node.text).strip()
    if node.op == "phrase":
        s = f'"{text}"'
    elif node.op == "prefix":
        s = f"{text}*"
    else:
        s = text if " " not in text else f'"{text}"'
    return f"{node.field}:{s}" if node.field else s


def to_tantivy(node: Node | None) -> str | None:
    """tantivy query-parser syntax (parsed with conjunction by default)."""
    if node is None:
        return None
    if node.op in ("word", "prefix", "phrase"):
        return _tv_atom(node)
    if node.op == "or":
        parts = [p for p in (to_tantivy(k) for k in node.kids) if p]
        return "(" + " OR ".join(parts) + ")" if len(parts) > 1 else parts[0]
    if node.op == "not":
        inner = to_tantivy(node.kids[0])
        return f"-{inner}" if inner and not inner.startswith("(") else f"-({inner})" if inner else None
    parts = [p for p in (to_tantivy(k) for k in node.kids) if p]
    return "(" + " ".join(parts) + ")" if len(parts) > 1 else parts[0]


def tantivy_passage_query(node: Node | None) -> str | None:
    terms = positive_terms(node)
    return " OR ".join(dict.fromkeys(_tv_atom(Node(t.op, t.text)) for t in terms)) or None


def distinct_queries(documents: list[dict[str, Any]], n: int, seed: int) -> list[Query]:
    """``n`` different queries shaped like the mix (words of one document title,
    facet values from the metadata), so no result cache can help (the HTTP
    stage's second run)."""
    rng = random.Random(f"etslib-bench-distinct:{seed}")
    titles: list[list[str]] = []
    for d in documents:
        ws = [w.lower() for w in re.findall(r"[^\W\d_]{4,}", d["meta"].get("title") or "")]
        ws = list(dict.fromkeys(w for w in ws if w not in stopwords()))
        if ws:
            titles.append(ws)
    if not titles:
        return []
    values: dict[str, list[str]] = {}
    for d in documents:
        m = d["meta"]
        for facet, vals in (("jurisdiction", m.get("jurisdictions") or []), ("topic", m.get("topics") or []),
                            ("type", [m.get("type")]), ("language", [m.get("language")])):
            for v in vals:
                if v and v not in values.setdefault(facet, []):
                    values[facet].append(v)
    for vals in values.values():
        vals.sort()
    out: dict[Query, None] = {}
    shapes = ["one", "one", "two", "two", "three", "phrase", "or", "facet1", "facet2", "years"]
    tries = 0
    while len(out) < n and tries < 20 * n:
        tries += 1
        shape = rng.choice(shapes)
        k = {"one": 1, "three": 3}.get(shape, 2)
        title = rng.choice(titles)  # words of one title occur together in its document
        ws = rng.sample(title, min(k, len(title)))
        q = " ".join(ws)
        if shape == "phrase":
            q = f'"{q}"'
        elif shape == "or":
            q = " OR ".join(ws)
        filters: list[tuple[str, tuple[str, ...]]] = []
        if shape in ("facet1", "facet2"):
            for facet in rng.sample(sorted(values), min(len(values), 1 if shape == "facet1" else 2)):
                filters.append((facet, (rng.choice(values[facet]),)))
        y0 = y1 = None
        if shape == "years":
            y0 = rng.randint(2003, 2020)
            y1 = y0 + rng.randint(0, 6)
        out.setdefault(Query(f"distinct-{shape}", q, tuple(filters), y0, y1), None)
    return list(out)
