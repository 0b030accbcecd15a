"""A `get` for the listing walker that reads saved pages from a folder instead of the network.

Saved pages are how a source is tried without its site (urlwatch's `--test-filter` idea): the
walker is the same one the monitor runs, only its pages come from `<folder>/<host>/<path>`. A
URL ending in `/` reads `index.html` of that folder; a URL with a query string (an API page)
reads `<name>?<query>`, the query exactly as in the URL. Pages are served without a charset, as
many government servers send them, so the page's own `<meta charset>` decides.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.errors import FetchError
from extractors.listing import FetchedPage, GetPage


class PageNotSaved(FetchError):
    """The walk asked for a URL that has no saved page (what a 404 is on the live site)."""


def saved_page_path(folder: Path, url: str) -> Path:
    """Where the page of `url` is saved under `folder`: `<host>/<path>`, `index.html` for a folder URL."""
    parts = urlsplit(url)
    path = unquote(parts.path) or "/"
    if path.endswith("/"):
        path += "index.html"
    segments = [segment for segment in path.split("/") if segment not in ("", ".")]
    if ".." in segments or "/" in parts.query:
        raise PageNotSaved(f"{url}: refused path with '..' or a query with '/'")
    if parts.query:
        segments[-1] += f"?{parts.query}"
    return Path(folder, (parts.hostname or "").lower(), *segments)


def saved_pages(folder: Path) -> GetPage:
    """A `get` callable over the pages saved in `folder`; a missing page raises `PageNotSaved`."""

    def get(url: str) -> FetchedPage:
        path = saved_page_path(folder, url)
        try:
            body = path.read_bytes()
        except OSError:
            raise PageNotSaved(f"{url}: no saved page ({path} not found)") from None
        content_type = "application/json" if body.lstrip()[:1] in (b"{", b"[") else "text/html"
        return FetchedPage(url=url, body=body, content_type=content_type)

    return get
