"""Query rewrites before evaluation: glossary expansion and common words.

Pure functions of the parsed tree (no index), tested with tables.
"""

from __future__ import annotations

from ..text import analysis
from .parse import And, Compound, Node, Not, Or, Phrase, Word

MAX_ALTERNATIVES = 20


def _alt_node(term: str) -> Node:
    words = analysis.words(term)
    if len(words) == 1 and not analysis.CJK_RE.search(term):
        return Word(words[0])
    return Phrase(term)


def _stems(text: str) -> frozenset[str]:
    """The English stems of a term's content words (for containment tests)."""
    return frozenset(
        analysis.stemmer("en")(w) for w in analysis.words(text) if not analysis.is_stopword(w, ["en"]) and not analysis.CJK_RE.match(w)
    )


def expand_glossary(node: Node, glossary) -> tuple[Node, list[tuple[str, list[str]]]]:
    """Add each glossary term's equivalents as alternatives (a synonym OR).

    Only words typed loose are expanded: a quoted phrase means exactly
    that. Returns the new tree and ``(surface, alternatives)`` for display.
    """
    added: list[tuple[str, list[str]]] = []

    def loose(n: Node) -> bool:
        return isinstance(n, (Word, Compound)) and n.field is None

    def visit(n: Node) -> Node:
        if loose(n):
            return run([n])[0]
        if isinstance(n, And):
            out: list[Node] = []
            buf: list[Word | Compound] = []
            for c in n.children:
                if loose(c):
                    buf.append(c)
                    continue
                out.extend(run(buf))
                buf = []
                out.append(visit(c) if not isinstance(c, Not) else c)
            out.extend(run(buf))
            return And(tuple(out), implicit=n.implicit)
        if isinstance(n, Or) and not n.synonyms:
            return Or(tuple(visit(c) for c in n.children))
        return n

    def run(ws: list[Word | Compound]) -> list[Node]:
        if not ws:
            return []
        text = ""
        starts: list[int] = []
        ends: list[int] = []
        for w in ws:
            if text:
                text += " "
            starts.append(len(text))
            text += w.text if isinstance(w, Word) else w.sep.join(w.words)
            ends.append(len(text))
        out: list[Node] = []
        i = 0
        for m in glossary.find(text):
            if m.start not in starts or m.end not in ends:
                continue  # a match inside a word is not a match
            a, b = starts.index(m.start), ends.index(m.end) + 1
            if a < i:
                continue
            out.extend(ws[i:a])
            original: Node = ws[a] if b - a == 1 else And(tuple(ws[a:b]))
            typed = _stems(m.surface)
            # An alternative that contains the words typed (emission
            # allowance for "allowances") finds nothing they do not find.
            alts = [
                t
                for t in m.alternatives
                if analysis.fold(t) != analysis.fold(m.surface) and not (typed and typed <= _stems(t))
            ][:MAX_ALTERNATIVES]
            if not alts:
                out.extend(ws[a:b])
            else:
                out.append(Or((original, *(_alt_node(t) for t in alts)), synonyms=True))
                added.append((m.surface, alts))
            i = b
        out.extend(ws[i:])
        return out

    new = visit(node)
    return new, added


def drop_common_words(node: Node, langs: list[str]) -> tuple[Node, list[str]]:
    """Remove stopwords from loose word lists when other words remain.

    The stemmed index leaves them out, so requiring them would only find
    titles; they still count inside quoted phrases.
    """
    if not isinstance(node, And) or not node.implicit:
        return node, []
    dropped: list[str] = []
    keep: list[Node] = []
    for c in node.children:
        if isinstance(c, Word) and c.field is None and analysis.is_stopword(c.text, langs):
            dropped.append(c.text)
        else:
            keep.append(c)
    if not dropped or not any(isinstance(c, (Word, Phrase, Or)) for c in keep):
        return node, []
    if len(keep) == 1:
        return keep[0], dropped
    return And(tuple(keep), implicit=True), dropped
