"""Reading a user's query into a small tree, forgivingly.

The syntax is what researchers know from library catalogues and web search:
plain words (all required, relaxed for long queries), ``"exact phrases"``,
``AND`` / ``OR`` / ``NOT`` (upper case), ``-word`` and ``+word``, parentheses,
``field:value`` for ``title author publisher jurisdiction type topic language
year``, year ranges (``year:2018..2024``, ``year:>=2020``) and wildcards
(``alloc*``, ``allow?nce``).

:func:`parse` never raises: an unbalanced quote or parenthesis, a dangling
operator or an unknown field is read in the most sensible way, and a note
says how.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..vocab.facets import FACETS

#: Query field name → what it searches. Text fields are searched as words;
#: facet fields become filters.
TEXT_FIELDS = {"title": "title", "author": "author", "authors": "author", "text": "content"}
#: Facet field names (``jur:``, ``lang:``) → facet, from the facet registry.
FACET_ALIASES = {alias: f.name for f in FACETS.values() for alias in f.aliases}


@dataclass(frozen=True)
class Word:
    text: str
    field: str | None = None  # None: every text field


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None
    # A quoted glossary term's equivalents (an Or of synonyms), searched
    # only when no document has the exact phrase: quotes mean exactly that.
    fallback: "Or | None" = None


@dataclass(frozen=True)
class Compound:
    """Words joined by punctuation as typed (cap-and-trade, 2003/87/EC).

    Its words are searched like loose words, and documents where they stand
    together in that order rank higher; a quoted phrase requires that.
    """

    words: tuple[str, ...]
    sep: str = "-"
    field: str | None = None


@dataclass(frozen=True)
class Wildcard:
    pattern: str  # with * and ?
    field: str | None = None


@dataclass(frozen=True)
class Filter:
    facet: str
    value: str


@dataclass(frozen=True)
class YearRange:
    lo: int | None
    hi: int | None


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]
    implicit: bool = False  # words typed one after another, no operator


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]
    synonyms: bool = False  # a glossary expansion: score the best, not the sum
    # A glossary expansion's weight per child (the words typed first, 1.0);
    # empty: every alternative alike.
    weights: tuple[float, ...] = ()


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Word | Phrase | Compound | Wildcard | Filter | YearRange | Not | And | Or | MatchAll


@dataclass
class Parsed:
    node: Node
    notes: list[str] = field(default_factory=list)


# -- tokenizer -------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lpar>\()
  | (?P<rpar>\))
  | (?P<quote>["“”„«»])
  | (?P<word>[^\s()"“”„«»]+)
    """,
    re.VERBOSE,
)

_QUOTES = "\"“”„«»"
_YEAR_RANGE_RE = re.compile(r"^(\d{4})?\s*(?:\.\.|–|—|-|to)\s*(\d{4})?$")
_YEAR_CMP_RE = re.compile(r"^(>=|<=|>|<)(\d{4})$")
_PUNCT_ONLY_RE = re.compile(r"^[^\w*?]+$")


@dataclass
class _Tok:
    kind: str  # word, phrase, lpar, rpar
    text: str
    prefix: str = ""  # "-" or "+"
    field: str | None = None


def _tokenize(q: str, notes: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    n = len(q)
    while i < n:
        m = _TOKEN_RE.match(q, i)
        if not m:  # pragma: no cover - the pattern matches any character
            i += 1
            continue
        kind = m.lastgroup
        if kind == "ws":
            i = m.end()
            continue
        if kind == "quote":
            j = i + 1
            while j < n and q[j] not in _QUOTES:
                j += 1
            text = q[i + 1 : j]
            if j >= n:
                notes.append("A quotation mark was not closed: the phrase runs to the end of the query.")
            toks.append(_Tok("phrase", text.strip()))
            i = j + 1
            continue
        if kind in ("lpar", "rpar"):
            toks.append(_Tok(kind, m.group()))
            i = m.end()
            continue
        word = m.group()
        i = m.end()
        # field:"a phrase" and field:(…) continue past the word token.
        fm = re.match(r"^([+-]?)([A-Za-z]+):(.*)$", word)
        if fm and (fm.group(2).lower() in TEXT_FIELDS or fm.group(2).lower() in FACET_ALIASES):
            prefix, fname, rest = fm.group(1), fm.group(2).lower(), fm.group(3)
            if not rest and i < n and q[i] in _QUOTES:
                j = i + 1
                while j < n and q[j] not in _QUOTES:
                    j += 1
                if j >= n:
                    notes.append("A quotation mark was not closed: the phrase runs to the end of the query.")
                toks.append(_Tok("phrase", q[i + 1 : j].strip(), prefix, fname))
                i = j + 1
                continue
            if not rest:
                notes.append(f"“{fname}:” had no value and was ignored.")
                continue
            toks.append(_Tok("word", rest, prefix, fname))
            continue
        if fm and fm.group(3) and not fm.group(3).startswith("/"):
            notes.append(f"“{fm.group(2)}:” is not a field here; searched as words.")
            word = fm.group(1) + fm.group(2) + " " + fm.group(3)
            for part in word.split():
                toks.append(_Tok("word", part))
            continue
        prefix = ""
        if len(word) > 1 and word[0] in "+-!":
            prefix, word = ("+" if word[0] == "+" else "-"), word[1:]
        # A quote directly after -/+ ("-"carbon tax"") negates the phrase.
        if word in ("+", "-") and i < n and q[i] in _QUOTES:
            j = i + 1
            while j < n and q[j] not in _QUOTES:
                j += 1
            toks.append(_Tok("phrase", q[i + 1 : j].strip(), word))
            i = j + 1
            continue
        toks.append(_Tok("word", word, prefix))
    return toks


#: Parentheses nested deeper are dropped (with a note): the parser, the
#: rewrites and the evaluator recurse once a level, and 250 levels raised
#: RecursionError.
MAX_DEPTH = 16


def _bound_nesting(toks: list[_Tok], notes: list[str]) -> list[_Tok]:
    """``toks`` without the parentheses nested deeper than :data:`MAX_DEPTH`."""
    out: list[_Tok] = []
    depth = 0
    dropped = False
    for tok in toks:
        if tok.kind == "lpar":
            depth += 1
            if depth > MAX_DEPTH:
                dropped = True
                continue
        elif tok.kind == "rpar" and depth > 0:
            depth -= 1
            if depth >= MAX_DEPTH:
                continue
        out.append(tok)
    if dropped:
        notes.append(f"Parentheses nested deeper than {MAX_DEPTH} levels were ignored.")
    return out


# -- parser ----------------------------------------------------------------

_OPS = {"AND", "OR", "NOT", "&&", "||", "&", "|"}


class _Parser:
    def __init__(self, toks: list[_Tok], notes: list[str]):
        self.toks = toks
        self.i = 0
        self.notes = notes
        self.depth = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def is_op(self, tok: _Tok | None, *ops: str) -> bool:
        return tok is not None and tok.kind == "word" and not tok.prefix and tok.field is None and tok.text in ops

    def parse(self) -> Node | None:
        node = self.or_expr()
        while self.i < len(self.toks):  # stray ")" at top level
            tok = self.toks[self.i]
            self.i += 1
            if tok.kind == "rpar":
                self.notes.append("An unmatched “)” was ignored.")
            more = self.or_expr()
            if more is not None:
                node = more if node is None else And((node, more), implicit=True)
        return node

    def or_expr(self) -> Node | None:
        parts = [self.and_expr()]
        while self.is_op(self.peek(), "OR", "||", "|"):
            self.i += 1
            nxt = self.and_expr()
            if nxt is None:
                self.notes.append("“OR” at the end had nothing after it and was ignored.")
            parts.append(nxt)
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> Node | None:
        parts: list[Node] = []
        explicit = False
        while True:
            tok = self.peek()
            if tok is None or tok.kind == "rpar" or self.is_op(tok, "OR", "||", "|"):
                break
            if self.is_op(tok, "AND", "&&", "&"):
                self.i += 1
                explicit = True
                if not parts:
                    self.notes.append("“AND” at the start was ignored.")
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return And(tuple(parts), implicit=not explicit)

    def unary(self) -> Node | None:
        # A loop, not recursion: "NOT NOT … word" may be hundreds long.
        nots = 0
        while self.is_op(self.peek(), "NOT"):
            self.i += 1
            nots += 1
        child = self.atom()
        if nots and child is None:
            self.notes.append("“NOT” had nothing after it and was ignored.")
            return None
        return Not(child) if nots % 2 and child is not None else child

    def atom(self) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        self.i += 1
        if tok.kind == "lpar":
            self.depth += 1
            inner = self.or_expr()
            if self.peek() is not None and self.peek().kind == "rpar":
                self.i += 1
            else:
                self.notes.append("A “(” was not closed: closed at the end of the query.")
            self.depth -= 1
            return inner
        if tok.kind == "rpar":
            self.notes.append("An unmatched “)” was ignored.")
            return None
        node = self._leaf(tok)
        if node is None:
            return None
        if tok.prefix == "-":
            return Not(node)
        return node

    def _leaf(self, tok: _Tok) -> Node | None:
        fname = tok.field
        if tok.kind == "phrase":
            if not tok.text:
                return None
            if fname in FACET_ALIASES:
                return _facet_filter(FACET_ALIASES[fname], tok.text, self.notes)
            return Phrase(tok.text, TEXT_FIELDS.get(fname) if fname else None)
        text = tok.text
        if fname in FACET_ALIASES:
            return _facet_filter(FACET_ALIASES[fname], text, self.notes)
        tfield = TEXT_FIELDS.get(fname) if fname else None
        if tok.text in _OPS:
            self.notes.append(f"“{tok.text}” was read as a word.")
        if _PUNCT_ONLY_RE.match(text):
            return None
        # A question mark at either end of a word is punctuation ("effect?").
        text = text.strip("?") or text
        if text.startswith("*") and len(text.strip("*")) >= 2:
            self.notes.append(f"A wildcard at the start of a word is not supported: searched for “{text.strip('*')}”.")
            text = text.lstrip("*")
        if "*" in text or "?" in text:
            core = text.strip("*?")
            if len(re.sub(r"[*?]", "", text)) < 2 or not core:
                self.notes.append(f"“{text}” is too short a wildcard and was ignored.")
                return None
            return Wildcard(text.lower(), tfield)
        # Words joined by punctuation (cap-and-trade, 2003/87/EC) stay together
        # as a phrase, as they were written.
        pieces = [p for p in re.split(r"[^\w]+", text) if p]
        if not pieces:
            return None
        if len(pieces) > 1:
            sep = next((ch for ch in text if not ch.isalnum() and ch != "_"), "-")
            return Compound(tuple(pieces), sep, tfield)
        return Word(pieces[0], tfield)


def _facet_filter(facet: str, value: str, notes: list[str]) -> Node | None:
    value = value.strip()
    if facet == "year":
        v = value.replace(" ", "")
        if re.fullmatch(r"\d{4}", v):
            y = int(v)
            return YearRange(y, y)
        m = _YEAR_RANGE_RE.match(v)
        if m and (m.group(1) or m.group(2)):
            lo = int(m.group(1)) if m.group(1) else None
            hi = int(m.group(2)) if m.group(2) else None
            if lo and hi and lo > hi:
                lo, hi = hi, lo
            return YearRange(lo, hi)
        m = _YEAR_CMP_RE.match(v)
        if m:
            op, y = m.group(1), int(m.group(2))
            return {
                ">=": YearRange(y, None),
                ">": YearRange(y + 1, None),
                "<=": YearRange(None, y),
                "<": YearRange(None, y - 1),
            }[op]
        notes.append(f"“year:{value}” is not a year or range (try year:2018..2024) and was ignored.")
        return None
    if not value:
        return None
    return Filter(facet, value)


def parse(q: str) -> Parsed:
    """Parse a query string; never raises."""
    notes: list[str] = []
    q = (q or "").strip()
    if not q:
        return Parsed(MatchAll(), notes)
    if len(q) > 2000:
        notes.append("The query was cut to its first 2,000 characters.")
        q = q[:2000]
    toks = _bound_nesting(_tokenize(q, notes), notes)
    node = _Parser(toks, notes).parse()
    node = _simplify(node) if node is not None else None
    if node is None:
        notes.append("Nothing searchable was left in the query: showing every document.")
        return Parsed(MatchAll(), notes)
    if isinstance(node, Not):
        node = And((MatchAll(), node))
    return Parsed(node, list(dict.fromkeys(notes)))


def _simplify(node: Node) -> Node | None:
    if isinstance(node, (And, Or)):
        kids = [k for k in (_simplify(c) for c in node.children) if k is not None]
        flat: list[Node] = []
        for k in kids:
            if type(k) is type(node) and (
                not isinstance(node, And) or k.implicit == node.implicit
            ) and (not isinstance(node, Or) or k.synonyms == node.synonyms):
                flat.extend(k.children)
            else:
                flat.append(k)
        if not flat:
            return None
        if len(flat) == 1:
            return flat[0]
        if isinstance(node, And):
            return And(tuple(flat), implicit=node.implicit)
        return Or(tuple(flat), synonyms=node.synonyms)
    if isinstance(node, Not):
        child = _simplify(node.child)
        if child is None:
            return None
        if isinstance(child, Not):
            return child.child
        return Not(child)
    return node


def to_string(node: Node) -> str:
    """The tree written back as query syntax, to show how a query was read."""
    if isinstance(node, MatchAll):
        return "*"
    if isinstance(node, Word):
        return f"{node.field}:{node.text}" if node.field else node.text
    if isinstance(node, Phrase):
        s = f'"{node.text}"'
        return f"{node.field}:{s}" if node.field else s
    if isinstance(node, Compound):
        s = node.sep.join(node.words)
        return f"{node.field}:{s}" if node.field else s
    if isinstance(node, Wildcard):
        return f"{node.field}:{node.pattern}" if node.field else node.pattern
    if isinstance(node, Filter):
        v = f'"{node.value}"' if " " in node.value else node.value
        return f"{node.facet}:{v}"
    if isinstance(node, YearRange):
        return f"year:{node.lo or ''}..{node.hi or ''}"
    if isinstance(node, Not):
        return f"-{_wrap(node.child)}"
    if isinstance(node, And):
        sep = " " if node.implicit else " AND "
        return sep.join(_wrap(c) for c in node.children if not isinstance(c, MatchAll)) or "*"
    if isinstance(node, Or):
        return " OR ".join(_wrap(c) for c in node.children)
    return str(node)  # pragma: no cover


def _wrap(node: Node) -> str:
    s = to_string(node)
    return f"({s})" if isinstance(node, (And, Or)) and len(node.children) > 1 else s
