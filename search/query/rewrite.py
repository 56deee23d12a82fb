"""Query rewrites before evaluation: glossary expansion and common words.

Pure functions of the parsed tree (no index), tested with tables.
"""

from __future__ import annotations

from ..text import analysis
from .parse import And, Compound, Filter, Node, Not, Or, Phrase, Word

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


def _typed_term(ws: list) -> Node:
    """The words typed for a multi-word glossary term: a phrase when one of
    them is a number ("ETS 2" must not find every "2" of the numbered
    headings), else the words, each required."""
    words = [w.text for w in ws if isinstance(w, Word)]
    if len(words) == len(ws) and any(w.isdigit() for w in words):
        return Phrase(" ".join(words))
    return And(tuple(ws))


def _same_language(lang: str, typed_lang: str, term: str, typed: str) -> bool:
    """An alternative in the language and script typed (or an English-list
    term, which holds the acronyms shared by all languages, for an English one)."""
    if bool(analysis.CJK_RE.search(term)) != bool(analysis.CJK_RE.search(typed)):
        return False
    return lang == typed_lang


def expand_glossary(node: Node, glossary, cross_weight: float = 0.6, split=None) -> tuple[Node, list[tuple[str, list[str]]]]:
    """Add each glossary term's equivalents as alternatives (a synonym OR).

    Only words typed loose are expanded: a quoted phrase means exactly
    that. ``split(term)`` cuts a Chinese or Japanese term into its words:
    the term typed also matches them apart (操纵市场 finds 操纵全国碳排放权交易市场),
    as it did before the glossary kept it whole. Returns the new tree and
    ``(surface, alternatives)`` for display.
    """
    added: list[tuple[str, list[str]]] = []
    query_stems = _stems(" ".join(_loose_words(node)))

    def loose(n: Node) -> bool:
        return isinstance(n, (Word, Compound)) and n.field is None

    def visit(n: Node) -> Node:
        if loose(n):
            return run([n])[0]
        if isinstance(n, Phrase) and n.field is None:
            return _quoted_term(n)
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
            original: Node = ws[a] if b - a == 1 else _typed_term(ws[a:b])
            typed = _stems(m.surface)
            # An alternative that contains the words typed (emission
            # allowance for "allowances") finds nothing they do not find.
            pairs = [
                (t, lang)
                for t, lang in zip(m.alternatives, m.alternative_langs or [m.lang] * len(m.alternatives))
                if analysis.fold(t) != analysis.fold(m.surface) and not (typed and typed <= _stems(t))
            ][:MAX_ALTERNATIVES]
            if pairs and m.acronym and (m.context or m.topics) and not (_stems(" ".join(m.context)) & query_stems):
                # An ambiguous acronym without its context in the query:
                # its expansions count only in documents on its topics.
                pairs = [(t, lang) for t, lang in pairs] if m.topics else []
                restrict = m.topics
            else:
                restrict = ()
            if not pairs:
                out.extend(ws[a:b] if b - a == 1 else [original])
            else:
                alts: list[Node] = [_alt_node(t) for t, _ in pairs]
                if restrict:
                    topics = Or(tuple(Filter("topic", t) for t in restrict)) if len(restrict) > 1 else Filter("topic", restrict[0])
                    alts = [And((alt, topics)) for alt in alts]
                weights = (1.0,) + tuple(1.0 if _same_language(lang, m.lang, t, m.surface) else cross_weight for t, lang in pairs)
                parts = split(m.surface) if split is not None and analysis.CJK_RE.search(m.surface) else []
                if len(parts) > 1:
                    alts.append(And(tuple(Word(w) for w in parts)))
                    weights += (1.0,)
                out.append(Or((original, *alts), synonyms=True, weights=weights))
                added.append((m.surface, [t for t, _ in pairs]))
            i = b
        out.extend(ws[i:])
        return out

    def _quoted_term(n: Phrase) -> Phrase:
        """A quoted phrase that is a glossary term, whole, keeps its
        equivalents for when no document has it as typed."""
        for m in glossary.find(n.text):
            if m.start == 0 and m.end == len(n.text):
                alts = [(t, lang) for t, lang in zip(m.alternatives, m.alternative_langs or [m.lang] * len(m.alternatives))
                        if analysis.fold(t) != analysis.fold(m.surface)][:MAX_ALTERNATIVES]
                if alts and not (m.acronym and (m.context or m.topics)):
                    weights = (1.0,) + tuple(1.0 if _same_language(lang, m.lang, t, m.surface) else cross_weight for t, lang in alts)
                    return Phrase(n.text, None, Or((n, *(_alt_node(t) for t, _ in alts)), synonyms=True, weights=weights))
        return n

    new = visit(node)
    return new, added


def _loose_words(node: Node) -> list[str]:
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, Compound):
        return list(node.words)
    if isinstance(node, (And, Or)):
        return [w for c in node.children for w in _loose_words(c)]
    return []


def segment_cjk(node: Node, segment) -> tuple[Node, list[str]]:
    """Cut Chinese/Japanese words typed as one unspaced run into words.

    ``segment(run)`` gives a run's content words (see
    :mod:`search.text.segment`). A loose word that becomes two or more is
    replaced by them, so a sentence is read like a long question (most of
    its words); quoted phrases and fields stay as typed. Returns the tree
    and the words made, for the note.
    """
    made: list[str] = []

    def split(n: Node) -> list[Node]:
        if isinstance(n, Word) and n.field is None and analysis.CJK_RE.search(n.text):
            parts = analysis.words(n.text)
            if len(parts) == 1 and len(n.text) > 2:
                words = segment(n.text)
                if len(words) > 1:
                    made.extend(words)
                    return [Word(w) for w in words]
        return [n]

    if isinstance(node, Word):
        kids = split(node)
        return (node if len(kids) == 1 else And(tuple(kids), implicit=True)), made
    if isinstance(node, And) and node.implicit:
        kids = [k for c in node.children for k in split(c)]
        return And(tuple(kids), implicit=True), made
    return node, made


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
