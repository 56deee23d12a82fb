"""A document's publisher, from the cues a cataloguer reads, strongest first.

The cues and known publishers are data (``search/data/publishers.yaml``,
loaded by :mod:`search.vocab.publishers`); this module reads them in a
document's masthead and colophon lines, never in its running text, and
says which cue decided (``source``) and how sure that is (``confidence``):

============== ==== ========================================================
byline         0.95 an issuer line: "Press Release: Green Party"
issuer         0.9  the issuing body of an act or a letterhead (OJ, BGBl,
                    State Council decree, "EUROPEAN COMMISSION Brussels, …")
imprint        0.85 "© Copyright 2019 by Near Zero", "Published by …", a
                    company's registration line
html-metadata  0.8  citation_publisher / dc.publisher
site           0.75 the web site's own name (og:site_name, its © line)
pdf-metadata   0.6  the PDF's corporate /Author
self-domain    0.6  the site the document names as its own (bhp.com,
                    printed again and again, spelling a name it uses)
masthead       0.55 a known publisher alone on a first or last line
domain         0.4  the known publisher most printed links point to
============== ==== ========================================================
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from ..model import Extracted
from ..text.fold import term_key
from ..vocab.publishers import PublisherRules, rules as load_rules
from .values import Found

_HOST_RE = re.compile(r"(?<![@\w.-])(?:https?://)?((?:www\.)?(?:[A-Za-z0-9-]+\.)+(?:com|org|net|int|eu|de|nz|ca|gov|uk|au|fr|cn|jp|kr|ch|at|be|nl|es|it|se|no|dk|fi|edu|info|io))(?![\w-])", re.I)
_ORG_WORDS_RE = re.compile(
    r"\b(department|ministry|office|institute|institut|university|universität|commission|agency|council|bank|association|"
    r"centre|center|government|authority|board|committee|group|ltd|limited|inc|gmbh|ag|plc|corporation|company|"
    r"foundation|trust|parliament|programme|program|partnership|network|forum|society|party|initiative|wholesale|"
    r"bundesamt|bundesministerium|ministère|agence)\b",
    re.I,
)
_HEAD_LINES = 40
_TAIL_LINES = 15


def _lines(pages: list[str]) -> tuple[list[str], list[str]]:
    head: list[str] = []
    for page in pages[:3]:
        head += [re.sub(r"\s+", " ", l).strip(" *#|") for l in page.splitlines() if l.strip()]
        if len(head) >= _HEAD_LINES:
            break
    tail: list[str] = []
    for page in reversed(pages[-2:] if len(pages) > 1 else pages):
        tail = [re.sub(r"\s+", " ", l).strip(" *#|") for l in page.splitlines() if l.strip()] + tail
        if len(tail) >= _TAIL_LINES:
            break
    return head[:_HEAD_LINES], tail[-_TAIL_LINES:]


def _clean_org(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" .,;:-–—")
    return re.sub(r"^(the)\s+", "", name, flags=re.I) if len(name.split()) > 2 else name


def _canonical(r: PublisherRules, name: str) -> str:
    p = r.canonical(name)
    return p.name if p else name


def _plausible_org(r: PublisherRules, name: str) -> bool:
    if not name or len(name) < 2 or len(name) > 100 or term_key(name) in r.not_publishers:
        return False
    if not any(c.isalpha() for c in name) or re.search(r"\b(19|20)\d{2}\b", name):
        return False
    return True


def find_publisher(ex: Extracted, pages: list[str], path: str, *, title: str | None = None,
                   rules: PublisherRules | None = None) -> Found | None:
    """The publisher of a document (see the module docstring for the order).

    ``title`` is the document's title, so a headline that happens to read
    "Speech: Katene - Third Reading" is not taken for an issuer line.
    """
    r = rules or load_rules()
    head, tail = _lines(pages)
    if title:
        key = term_key(title)
        head = [l for l in head if term_key(l) != key and not key.endswith(term_key(l))]
    for found in _cues(r, ex, pages, path, head, tail):
        if found is not None:
            return found
    return None


def _cues(r: PublisherRules, ex: Extracted, pages: list[str], path: str, head: list[str], tail: list[str]) -> Iterable[Found | None]:
    yield _byline(r, head[:25])
    yield _known(r, head, tail, path, "issuer", 0.9)
    yield _imprint(r, head, tail)
    if ex.publisher and _plausible_org(r, ex.publisher):
        yield Found(_canonical(r, ex.publisher), f"{ex.kind}-metadata", 0.8)
    site = getattr(ex, "site", None)
    if site and _plausible_org(r, site):
        yield Found(_canonical(r, site), "site", 0.75)
    yield _pdf_author(r, ex, pages)
    yield _self_domain(r, pages)
    yield _known(r, head, tail, path, "masthead", 0.55)
    yield _first_line_org(r, head)
    yield _domain(r, pages)


def _byline(r: PublisherRules, head: list[str]) -> Found | None:
    for line in head:
        m = r.bylines.match(line)
        if m:
            org = _clean_org(m.group("org"))
            if _plausible_org(r, org):
                return Found(_canonical(r, org), "byline", 0.95)
    return None


def _known(r: PublisherRules, head: list[str], tail: list[str], path: str, kind: str, confidence: float) -> Found | None:
    joined = " ".join(head[:15])
    for p in r.publishers:
        for cue in p.cues:
            if cue.kind != kind:
                continue
            if cue.where == "path":
                hit = cue.pattern.search(path.replace("\\", "/"))
            elif cue.where == "head":
                hit = cue.pattern.search(joined)
            else:
                hit = any(cue.pattern.search(line) for line in head + tail)
            if hit:
                return Found(p.name, kind, confidence)
    return None


def _imprint(r: PublisherRules, head: list[str], tail: list[str]) -> Found | None:
    for line in tail[::-1] + head:
        if len(line) > 400:
            continue
        for rx in r.imprints:
            m = rx.search(line)
            if m:
                org = _clean_org(m.group("org"))
                if _plausible_org(r, org):
                    return Found(_canonical(r, org), "imprint", 0.85)
    return None


def _pdf_author(r: PublisherRules, ex: Extracted, pages: list[str]) -> Found | None:
    """A PDF's /Author that is an organisation: named as one, put after the
    title as its owner ("… Plan 2024 - Costco Wholesale"), or named again
    and again in the text, as a company names itself."""
    if ex.kind != "pdf" or len(ex.authors) != 1:
        return None
    author = ex.authors[0].strip()
    if not _plausible_org(r, author) or r.canonical(author) is None and not (
        _ORG_WORDS_RE.search(author)
        or (ex.title and re.search(r"[-–|]\s*" + re.escape(author) + r"\s*$", ex.title))
        or "\n".join(pages).count(author) >= 10
    ):
        return None
    return Found(_canonical(r, author), "pdf-metadata", 0.6)


def _hosts(pages: list[str]) -> Counter[str]:
    text = "\n".join(pages)
    return Counter(m.group(1).lower().removeprefix("www.") for m in _HOST_RE.finditer(text))


def _self_domain(r: PublisherRules, pages: list[str]) -> Found | None:
    """The organisation whose web site the document keeps pointing to, when
    the site's name spells a name the document uses of itself ("bhp.com"
    and "BHP", "riotinto.com" and "Rio Tinto")."""
    hosts = _hosts(pages)
    if not hosts:
        return None
    text = "\n".join(pages)
    from ..vocab.jurisdictions import load as load_jurisdictions

    reg = load_jurisdictions()
    for host, n in hosts.most_common(3):
        if n < 2:
            break
        label = host.split(".")[-2] if host.count(".") >= 1 else host
        if len(label) < 3:
            continue
        known = r.by_domain(host)
        if known:
            return Found(known.name, "self-domain", 0.6)
        names = Counter()
        for m in re.finditer(r"\b[A-Z][\w&’'-]*(?:\s+[A-Z][\w&’'-]*){0,2}", text):
            words = m.group(0).split()
            for k in range(len(words), 0, -1):
                cand = " ".join(words[:k])
                if re.sub(r"[^a-z0-9]", "", cand.lower()) == label:
                    names[cand] += 1
                    break
        if names:
            name, count = names.most_common(1)[0]
            if count >= 10 and reg.resolve(name) is None:
                return Found(name, "self-domain", 0.6)
    return None


def _first_line_org(r: PublisherRules, head: list[str]) -> Found | None:
    """A cover whose first line is an organisation's name ("CT Real Estate
    Investment Trust"): the issuer, not an author's affiliation (which comes
    after the title and the author)."""
    if not head:
        return None
    line = head[0]
    if 5 <= len(line) <= 70 and _ORG_WORDS_RE.search(line) and not line.endswith((".", ":")) and line[:1].isupper():
        if all(w[:1].isupper() or w.lower() in {"of", "for", "and", "the", "de", "du", "für"} for w in line.split()):
            return Found(_canonical(r, line), "masthead", 0.5)
    return None


def _domain(r: PublisherRules, pages: list[str]) -> Found | None:
    """The known publisher that most of the document's printed addresses
    belong to (a document points to its own publisher's pages); a document
    that cites an agency among many other sources names no publisher."""
    hosts = _hosts(pages)
    counts: Counter[str] = Counter()
    for host, n in hosts.items():
        p = r.by_domain(host)
        if p:
            counts[p.name] += n
    if not counts:
        return None
    name, n = counts.most_common(1)[0]
    return Found(name, "domain", 0.4) if n >= 2 and n >= 0.5 * sum(hosts.values()) else None


def publisher_jurisdiction(name: str | None, rules: PublisherRules | None = None) -> str | None:
    """The jurisdiction a known publisher issues for (the Bundesgesetzblatt: DE)."""
    if not name:
        return None
    p = (rules or load_rules()).canonical(name)
    return p.jurisdiction if p else None


_HOME_RE = re.compile(
    r"\b(?i:registered|incorporated|headquartered|domiciled)\s+in\s+(?:the\s+)?(?P<place>[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,3})"
    r"|\b(?i:headquarters)\s+(?:(?:is|are)\s+)?(?:located\s+)?in\s+(?:the\s+)?(?:[A-Z][\w.]*,\s+)?(?P<place2>[A-Z][\w.]*(?:\s+[A-Z][\w.]*){0,3})",
)


def home_jurisdiction(pages: list[str]) -> str | None:
    """Where the issuing organisation is registered or has its headquarters
    ("Registered in Australia"): the country its reports come from."""
    from ..vocab.jurisdictions import load as load_jurisdictions

    reg = load_jurisdictions()
    head = "\n".join(pages[:4])[:40000] + "\n" + "\n".join(pages[-2:])[-20000:]
    for m in _HOME_RE.finditer(head):
        place = (m.group("place") or m.group("place2") or "").strip(" .,")
        words = [w.strip(".,;:") for w in place.split()]
        for k in range(len(words), 0, -1):
            jid = reg.resolve(" ".join(words[:k]))
            if jid:
                return jid
    return None
