"""The web app's settings: one list of (name, default, help).

Each can be set in the test mapping of :func:`webui.create_app` or from the
environment with the ``ETSLIB_`` prefix (``ETSLIB_PAGE_SIZES='[10, 25]'``;
values are read as JSON where they parse).
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple


class Setting(NamedTuple):
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("INDEX", None, "Index folder (default: $ETSLIB_INDEX, else the per-user data folder)."),
    Setting("SITE_NAME", "etslib", "Name shown in the page header, titles and the OpenSearch description."),
    Setting("PAGE_SIZES", [10, 20, 50, 100], "Results-per-page choices offered on the search page."),
    Setting("DEFAULT_LIMIT", 10, "Results per page when none is asked for."),
    Setting("MAX_LIMIT", 100, "Largest page size accepted; larger requests are clamped with a note."),
    Setting("PASSAGES", 3, "Passages shown per result."),
    Setting("FACET_LIMIT", 100, "Values per facet fetched for a page (selected values always come too)."),
    Setting("FACET_TOP", 6, "Facet values shown before the 'more' list."),
    Setting("RELATED", 6, "Related documents on a document page."),
    Setting("DOC_PAGES", 50, "Matching pages listed on a document page."),
    Setting("FEED_LIMIT", 50, "Entries in an Atom feed."),
    Setting("MAX_QUERY", 1000, "Longest query accepted (characters); longer ones are cut with a note."),
    Setting("PRICES", None, "Price store that `etslib prices import` writes, read beside the shipped series "
            "(default: $ETSLIB_PRICES, else the per-user data folder's etslib/prices.csv)."),
        Setting("SECRET_KEY", None, "Flask secret key (default: $ETSLIB_SECRET_KEY, else one made once and kept in the index folder)."),
    Setting("STAFF_SESSION_HOURS", 8, "A staff sign-in lasts this long at most."),
    Setting("STAFF_IDLE_MINUTES", 60, "A staff session unused this long ends."),
    Setting("UPLOAD_MAX_MB", 100, "Largest file staff may upload."),
    Setting("UPLOAD_DIR", None, "Where uploads are stored (default: staff-uploads in the first library folder)."),
    Setting("TRUSTED_PROXIES", 0, "Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (TLS cookies, sign-in limits)."),
    Setting(
        "READ_ONLY",
        False,
        "A read-only search node serving a published copy of the index (etslib publish): every staff page and "
        "action is refused with a pointer to WRITER_URL, and nothing is written to the index folder.",
    ),
    Setting("WRITER_URL", None, "The writer node's address (https://staff.library.example.org), shown by a READ_ONLY node."),
    Setting(
        "BASE_URL",
        None,
        "The site's address (https://library.example.org): absolute links in feeds, JSON and citation tags start with it. "
        "Unset, they start with the host a request came to, which must then be one of ALLOWED_HOSTS.",
    ),
    Setting(
        "ALLOWED_HOSTS",
        ["localhost", "127.0.0.1"],
        "Host names the site answers to (BASE_URL's is added); a request for any other Host header gets 400. "
        "An empty list accepts any (then set BASE_URL).",
    ),
)


def defaults() -> dict[str, Any]:
    """The settings' defaults, with the values that come from elsewhere filled in."""
    from search.config import index_dir

    out = {s.name: s.default for s in SETTINGS}
    out["INDEX"] = str(index_dir())
    out["SECRET_KEY"] = os.environ.get("ETSLIB_SECRET_KEY") or None  # see webui.staff.init_app
    # Copy lists so one app's edits never leak into another's defaults.
    out["PAGE_SIZES"] = list(out["PAGE_SIZES"])
    out["ALLOWED_HOSTS"] = list(out["ALLOWED_HOSTS"])
    return out
