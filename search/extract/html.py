"""HTML extraction: metadata from <meta>/JSON-LD, main text without site chrome.

The main text is the first of ``[itemprop=articleBody]``, the largest
``<article>``, ``<main>``, ``[role=main]`` that holds a fair share of the
page's text; else the block with the most paragraph text.  Navigation,
headers, footers, asides, forms, cookie banners, share widgets and
"related" lists are removed first (by tag, ARIA role, and class/id
words), and known boilerplate paragraphs (advertisement notices, leaked
CSS, copyright footers and what follows them) are dropped afterwards.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from ..model import Extracted, ExtractionError
from ..text.normalize import normalize, split_sections
from . import clean_title, dateline, lang_code, parse_date, split_authors, split_keywords


_DROP_TAGS = (
    "script style noscript template svg canvas iframe object embed form button select input "
    "textarea nav header footer aside dialog menu map audio video picture link meta"
).split()
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"}
# class/id words that mark chrome; matched against the words of the
# attribute split on - _ and spaces.
_CHROME_WORDS = frozenset(
    """nav navbar navigation menu submenu breadcrumb breadcrumbs sidebar footer header masthead topbar
    cookie cookies consent gdpr share sharing social sociallinks related recommended popular trending
    newsletter subscribe subscription signup advert advertisement ads ad promo sponsored banner
    comments comment skip skiplink pagination pager toolbar modal popup overlay print widget
    tags tagcloud login search""".split()
)
_BLOCK_TAGS = frozenset(
    """p div section article main h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr
    blockquote pre figure figcaption address hr center details summary caption""".split()
)
_PARA_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 ul ol dl table blockquote pre figure hr section article".split())

_BOILERPLATE_RE = re.compile(
    r"^(?:advertisement\b.*|scroll to continue.*|(?:share|tweet|email|print)(?: this)?(?: article| story| page)?:?"
    r"|(?:accept|reject|manage)(?: all| only essential)? cookies.*|this (?:web)?site uses cookies.*"
    r"|skip to (?:main )?content|read more|related (?:stories|articles|posts|news)|back to top"
    r"|[a-z]{3} [a-z]{3} \d{2} \d{4} \d\d:\d\d:\d\d gmt[+-]\d{4}.*"  # a JavaScript Date dump
    r"|[a-z0-9]+(?:-[a-z0-9]+)+)$",  # a lone URL slug ("te-pati-maori")
    re.I,
)
_CSS_RE = re.compile(r"[{][^{}]*:[^{}]*[}]")
_FOOTER_START_RE = re.compile(r"^(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}))", re.I)


def extract_html(path: str | Path) -> Extracted:
    """Extract metadata and main text of an HTML page (``paged=False``)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ExtractionError("broken", f"cannot read file: {e.strerror or e}") from None
    try:
        soup = BeautifulSoup(raw, "html.parser")
    except Exception as e:  # noqa: BLE001 - any parser failure is a broken file
        raise ExtractionError("broken", f"broken HTML: {' '.join(str(e).split())[:150]}") from None
    ex = Extracted(kind="html", pages=[], paged=False, extractor="bs4")
    meta = _meta(soup)
    ld = _json_ld(soup)
    ex.language = lang_code(_html_lang(soup, meta))
    ex.publisher = _first(meta, "citation_publisher", "dc.publisher", "dcterms.publisher") or _ld_name(ld.get("publisher"))
    ex.site = _first(meta, "og:site_name", "application-name", "twitter:site") or _copyright_holder(soup)
    if ex.site and ex.site.startswith("@"):
        ex.site = None
    ex.url = _own_url(soup, meta)
    ex.authors = _authors(meta, ld)
    ex.keywords = split_keywords("; ".join(meta.get("keywords", []) + meta.get("citation_keywords", [])))
    ex.keywords += [k for k in meta.get("article:tag", []) if k not in ex.keywords]
    ex.description = _first(meta, "description", "og:description", "dc.description", "dcterms.description")
    ex.title = _title(soup, meta, ld, ex.publisher or ex.site)
    article = soup.find("article")
    date_from_time = _time_date(article if isinstance(article, Tag) else None) or _time_date(soup)
    main = _main_element(soup)  # edits the tree
    ex.headings = _headings(main)
    text = _clean_text(_render(main))
    text = _drop_repeated_title(text, ex.title)
    ex.date = _meta_date(meta, ld) or date_from_time or dateline(text, chars=1500, lines=20)
    if not ex.title:
        ex.title = _first_line_title(text)
    ex.pages = split_sections(text)
    if not ex.pages:
        raise ExtractionError("empty", "no text in the HTML page")
    return ex


# --------------------------------------------------------------------------
# Metadata


def _meta(soup: BeautifulSoup) -> dict[str, list[str]]:
    """<meta> contents by lower-cased name/property/itemprop/http-equiv."""
    out: dict[str, list[str]] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("name") or tag.get("property") or tag.get("itemprop") or tag.get("http-equiv")
        content = tag.get("content")
        if not key or content is None:
            continue
        value = normalize(str(content)).replace("\n", " ").strip()
        if value:
            out.setdefault(str(key).strip().lower(), []).append(value)
    return out


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for k in keys:
        for v in meta.get(k, []):
            if v:
                return v
    return None


def _json_ld(soup: BeautifulSoup) -> dict[str, Any]:
    """The first schema.org Article-like object in JSON-LD, or {}."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        for obj in _ld_objects(data):
            kind = obj.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and ("Article" in k or k in ("Report", "WebPage", "NewsArticle", "BlogPosting")) for k in kinds):
                return obj
    return {}


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for d in data:
            yield from _ld_objects(d)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_objects(data["@graph"])


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name")
    return normalize(value) if isinstance(value, str) and value.strip() else None


def _authors(meta: dict[str, list[str]], ld: dict[str, Any]) -> list[str]:
    for key in ("citation_author", "dc.creator", "dcterms.creator", "author", "article:author", "parsely-author"):
        values = [v for v in meta.get(key, []) if not v.startswith(("http://", "https://"))]
        if values:
            out: list[str] = []
            for v in values:
                out.extend(a for a in split_authors(v) if a not in out)
            return out
    author = ld.get("author")
    names = [_ld_name(a) for a in (author if isinstance(author, list) else [author])] if author else []
    return [n for n in names if n]


def _html_lang(soup: BeautifulSoup, meta: dict[str, list[str]]) -> str | None:
    html = soup.find("html")
    if isinstance(html, Tag):
        lang = html.get("lang") or html.get("xml:lang")
        if lang:
            return str(lang)
    return _first(meta, "content-language", "dc.language", "dcterms.language", "language", "og:locale")


_TITLE_SEPARATORS = (" | ", " – ", " — ", " :: ", " « ", " » ", " · ")


def _title(soup: BeautifulSoup, meta: dict[str, list[str]], ld: dict[str, Any], site: str | None) -> str | None:
    for value in (
        _first(meta, "citation_title", "og:title", "dc.title", "dcterms.title", "twitter:title"),
        _ld_name({"name": ld.get("headline")}) if ld.get("headline") else None,
    ):
        if value:
            return clean_title(_strip_site(value, site))
    tag = soup.find("title")
    if isinstance(tag, Tag) and tag.get_text(strip=True):
        return clean_title(_strip_site(normalize(tag.get_text(" ")).replace("\n", " "), site))
    h1 = soup.find("h1")
    if isinstance(h1, Tag):
        return clean_title(normalize(h1.get_text(" ")).replace("\n", " "))
    return None


def _strip_site(title: str, site: str | None) -> str:
    """Remove a site suffix: "Release title – Scoop News" → "Release title"."""
    title = title.strip()
    if site:
        for sep in _TITLE_SEPARATORS + (" - ", ": "):
            if title.lower().endswith((sep + site).lower()):
                return title[: -len(sep + site)].strip()
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if found and len(head) >= 10 and len(tail) <= 40 and len(tail.split()) <= 4:
            return head.strip()
    return title


_COPYRIGHT_RE = re.compile(
    r"^\s*(?:©|\(c\)|copyright)\s*(?:©\s*)?(?:(?:19|20)\d{2}(?:\s*[-–]\s*(?:19|20)\d{2})?\s*,?\s*)?(?:by\s+)?"
    r"(?P<org>[A-Za-z][\w&.’'\- ]{1,60}?)\s*(?:,?\s*(?:19|20)\d{2})?\s*\.?\s*(?:all rights reserved.*)?$",
    re.I,
)


def _copyright_holder(soup: BeautifulSoup) -> str | None:
    """The site's own name from its copyright line ("© Scoop Media"), looked
    for from the end of the page, where sites put it."""
    strings = [s.strip() for s in soup.find_all(string=True) if isinstance(s, NavigableString) and s.strip()]
    for text in reversed(strings[-400:]):
        if len(text) > 120:
            continue
        line = normalize(text).replace("\n", " ").strip()
        m = _COPYRIGHT_RE.match(line)
        if m:
            return m.group("org").strip(" .,")
    return None


def _own_url(soup: BeautifulSoup, meta: dict[str, list[str]]) -> str | None:
    """The page's own address: its canonical link, else og:url."""
    for link in soup.find_all("link"):
        rel = link.get("rel")
        rels = rel if isinstance(rel, list) else str(rel or "").split()
        href = str(link.get("href") or "").strip()
        if "canonical" in [r.lower() for r in rels] and href.startswith(("http://", "https://")):
            return href
    url = _first(meta, "og:url", "twitter:url", "dc.identifier", "citation_public_url")
    return url if url and url.startswith(("http://", "https://")) else None


def _meta_date(meta: dict[str, list[str]], ld: dict[str, Any]) -> str | None:
    for key in (
        "citation_publication_date",
        "citation_date",
        "citation_online_date",
        "article:published_time",
        "og:published_time",
        "dc.date.issued",
        "dcterms.issued",
        "dc.date",
        "dcterms.date",
        "dc.date.created",
        "date",
        "pubdate",
        "publishdate",
        "publish-date",
        "publication_date",
        "datepublished",
        "sailthru.date",
        "parsely-pub-date",
    ):
        for v in meta.get(key, []):
            d = parse_date(v, allow_year=True)
            if d:
                return d
    v = ld.get("datePublished") or ld.get("dateCreated")
    return parse_date(v, allow_year=True) if isinstance(v, str) else None


def _time_date(root: Tag | None) -> str | None:
    if root is None:
        return None
    times = root.find_all("time")
    times.sort(key=lambda t: 0 if t.get("itemprop") == "datePublished" or t.get("pubdate") is not None else 1)
    for t in times:
        d = parse_date(str(t.get("datetime") or t.get_text(" ")), allow_year=True)
        if d:
            return d
    return None


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines()[:10]:
        line = line.strip()
        if 3 <= len(line) <= 200:
            return line
    return None


# --------------------------------------------------------------------------
# Main text


def _headings(root: Tag) -> list[str]:
    """The text of the main element's h1–h6, as the rendered text has them."""
    out = []
    for h in root.find_all(re.compile(r"^h[1-6]$")):
        line = normalize(h.get_text(" ", strip=True)).replace("\n", " ").strip()
        if line:
            out.append(line)
    return out


def _main_element(soup: BeautifulSoup) -> Tag:
    body = soup.find("body")
    root: Tag = body if isinstance(body, Tag) else soup
    _remove_chrome(root)
    total = len(root.get_text(" ", strip=True)) or 1
    for selector in ("[itemprop=articleBody]", "article", "main", "[role=main]", "#content", "#main-content", ".article-body"):
        found = [t for t in root.select(selector) if isinstance(t, Tag)]
        if not found:
            continue
        best = max(found, key=lambda t: len(t.get_text(" ", strip=True)))
        if len(best.get_text(" ", strip=True)) >= max(200, 0.25 * total):
            return best
    return _densest(root) or root


def _remove_chrome(root: Tag) -> None:
    for node in root.find_all(string=lambda s: isinstance(s, (Comment, Doctype, Declaration, ProcessingInstruction))):
        node.extract()
    for tag in root.find_all(_DROP_TAGS):
        tag.decompose()
    total = len(root.get_text(" ", strip=True)) or 1
    for tag in root.find_all(True):
        # Not tag.decomposed: on a live tag bs4 looks "_decomposed" up as a
        # child tag name, a search of the whole subtree (a tenth of the time).
        if tag.__dict__.get("_decomposed") or tag.name in ("main", "article", "body", "html"):
            continue
        if _is_chrome(tag) and len(tag.get_text(" ", strip=True)) < 0.5 * total:
            # Never drop a wrapper holding most of the page: class names
            # like "page-with-sidebar" sit on content containers too.
            tag.decompose()


def _is_chrome(tag: Tag) -> bool:
    if str(tag.get("role", "")).lower() in _DROP_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    words: set[str] = set()
    for attr in ("class", "id"):
        value = tag.get(attr)
        if isinstance(value, list):
            value = " ".join(value)
        if value:
            words.update(w for w in re.split(r"[\s_\-]+", str(value).lower()) if w)
    return bool(words & _CHROME_WORDS)


def _densest(root: Tag) -> Tag | None:
    """The element whose paragraphs hold the most text (parent counts
    fully, grandparent half): a readability-style fallback."""
    scores: dict[int, float] = {}
    elements: dict[int, Tag] = {}
    for p in root.find_all(["p", "pre", "blockquote", "li"]):
        n = len(p.get_text(" ", strip=True))
        if n < 25:
            continue
        for weight, anc in zip((1.0, 0.5), p.parents):
            if not isinstance(anc, Tag) or anc is root:
                break
            scores[id(anc)] = scores.get(id(anc), 0.0) + weight * n
            elements[id(anc)] = anc
    if not scores:
        return None
    return elements[max(scores, key=lambda k: scores[k])]


def _render(root: Tag) -> str:
    """Text of an element with paragraph breaks as blank lines."""
    out: list[str] = []
    _walk(root, out, pre=False)
    return "".join(out)


def _walk(node: Tag, out: list[str], pre: bool) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if isinstance(child, (Comment, Doctype, Declaration, ProcessingInstruction)):
                continue
            s = str(child)
            out.append(s if pre else re.sub(r"\s+", " ", s))
        elif isinstance(child, Tag):
            name = child.name
            if name == "br":
                out.append("\n")
                continue
            if name in ("td", "th"):
                out.append(" \t")
            block = name in _BLOCK_TAGS
            brk = "\n\n" if name in _PARA_TAGS else "\n"
            if block:
                out.append(brk)
            _walk(child, out, pre or name == "pre")
            if block:
                out.append(brk)


def _clean_text(text: str) -> str:
    text = normalize(text)
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    kept: list[str] = []
    for p in paras:
        if _BOILERPLATE_RE.match(p) or _is_css(p):
            continue
        kept.append(p)
    kept = _cut_footer(kept)
    return "\n\n".join(kept)


def _is_css(p: str) -> bool:
    return bool(_CSS_RE.search(p)) and (";" in p or "!important" in p or "@media" in p) and len(p) < 2000


def _cut_footer(paras: list[str]) -> list[str]:
    """Drop a copyright line in the last part of the text and all after it."""
    total = sum(len(p) for p in paras) or 1
    seen = 0
    for i, p in enumerate(paras):
        seen += len(p)
        if i > 0 and seen > 0.5 * total and len(p) < 200 and _FOOTER_START_RE.match(p):
            rest = sum(len(q) for q in paras[i:])
            if rest < 0.4 * total:
                return paras[:i]
    return paras


def _drop_repeated_title(text: str, title: str | None) -> str:
    """Keep the first of the title paragraphs that pages repeat (h2 + h1)."""
    if not title:
        return text
    paras = text.split("\n\n")
    key = title.casefold()
    out: list[str] = []
    seen = False
    for i, p in enumerate(paras):
        if i < 12 and p.casefold() == key:
            if seen:
                continue
            seen = True
        out.append(p)
    return "\n\n".join(out)
