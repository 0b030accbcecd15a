"""Source configs and the listing parser: where a publisher lists its issues, and what is on a page.

A publisher's site layout is data (core/sources/*.yaml), not code, so that a site redesign is a
config fix that a test catches. The parsing functions here are pure (bytes in, records out; no
network, no orchestrator), which keeps them testable on saved pages. `walk_listing` and
`read_issue_page` are the one walker of a site: they take their pages from a `get` callable, so
the monitor, the backfill, `gazette sources` and the tests all walk a site the same way, and
politeness, conditional requests and archiving stay in the fetch stage.

A listing page on which the configured selectors find nothing raises `ListingLayoutError`: an empty
result would otherwise read as "no new issues" and hide a changed layout for months.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import soupsieve
import yaml
from bs4 import BeautifulSoup, Tag

from core.errors import ConfigError, FetchError
from extractors.charset import charset_from_content_type, decode_page
from extractors.dates import first_date
from extractors.fetch import host_allowed

logger = logging.getLogger(__name__)

# listing: each item is a page of another listing (`follow`), e.g. an entry page's year pages
LISTING_KINDS = frozenset({"gazette_issue", "article", "compilation", "listing"})
FIELD_NAMES = frozenset({"title", "date", "year", "number", "total_number"})
DEFAULT_USER_AGENT = "gazette-monitor/0.1 (document-update monitor; polite, identifies itself)"
_VARIABLE = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_SKIPPED_HREF = re.compile(r"^\s*(?:javascript:|mailto:|tel:|#|$)", re.IGNORECASE)


# ----------------------------------------------------------------------------------------------
# errors


class SourceConfigError(ConfigError):
    """A source YAML is unreadable or invalid; the message names the file and the bad key."""


class ListingLayoutError(FetchError, ValueError):
    """A listing page no longer matches its source's selectors (the site changed its layout)."""


# ----------------------------------------------------------------------------------------------
# source configuration


@dataclass(frozen=True)
class FieldSpec:
    """How to read one value from a listing item: an element, optionally an attribute, a regex.

    The regex's first group is the value (the whole match when it has no group). `attr` falls
    back to the element's text when the attribute is missing, because CMS templates put the full
    title in `title=` on some items and only in the text on others.
    """

    selector: str | None = None
    attr: str | None = None
    regex: str | None = None
    required: bool = False
    path: str | None = None  # JSON listings: dotted key of the value inside an item ("meta.pubDate")


@dataclass(frozen=True)
class PaginationSpec:
    """How to find the next listing page, and what the pager says the listing holds.

    `next_selector` follows a "next page" link. `script_regex` + `page_url` cover CMS listings
    whose page links are written by JavaScript (TRS WCM's `createPageHTML(count, current, ...)`):
    the regex captures `current` and the stated total, `count` (pages) and/or `items`, and
    `page_url` (with `{n}` = current + 1) names the next page. `page_base` is the number the
    pager gives the first page (TRS: 0). `total_regex` reads a stated total (`count` and/or
    `items`) from the text of a pager that pages by links ("共3页 共7条").

    A stated total is checked against the walk, and a configured pattern that matches nothing
    on a page with a pager is an error: a pager that changed must not quietly end the walk at
    page 1. `pager_selector` says what "a page with a pager" is; without it every page of a
    `script_regex` listing must carry the pager script.
    """

    next_selector: str | None = None
    script_regex: str | None = None
    page_url: str | None = None
    max_pages: int = 50
    pager_selector: str | None = None
    total_regex: str | None = None
    page_base: int = 0
    page_param: str | None = None  # JSON listings: the query parameter holding the page number
    total_path: str | None = None  # JSON listings: dotted key of the stated item total
    pages_path: str | None = None  # JSON listings: dotted key of the stated page count


@dataclass(frozen=True)
class ListingSpec:
    name: str
    kind: str
    start_urls: tuple[str, ...]
    item_selector: str | None
    link_selector: str | None
    fields: Mapping[str, FieldSpec]
    pagination: PaginationSpec
    format: str = "html"  # html | json
    follow: str | None = None  # kind listing: the listing that reads each item's page
    items_path: str | None = None  # JSON listings: dotted key of the list of items ("" = the top level)
    link_path: str | None = None  # JSON listings: dotted key of an item's URL


@dataclass(frozen=True)
class IssuePageSpec:
    """How to read an issue page: its PDF(s) and/or its articles (an HTML-only gazette has no PDF)."""

    pdf_selector: str | None = None
    article_selector: str | None = None
    title_selector: str | None = None


@dataclass(frozen=True)
class FetchSettings:
    """Polite-fetching settings the fetch stage applies per source (rate is per host)."""

    user_agent: str = DEFAULT_USER_AGENT
    requests_per_second: float = 1.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_bytes: int = 200 * 1024 * 1024
    respect_robots: bool = True

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


@dataclass(frozen=True)
class SourceConfig:
    """One publisher: where its listings are, how to read them, which hosts it may lead to.

    `unresolved` names the `${VARIABLES}` still open (the replica's URL is only known once its
    server runs); `bind()` fills them in. A source with open variables can be listed but not walked.
    """

    id: str
    name: str
    enabled: bool
    unverified: bool
    publisher: str | None
    allowed_hosts: tuple[str, ...]
    listings: tuple[ListingSpec, ...]
    issue_page: IssuePageSpec | None
    fetch: FetchSettings
    path: Path | None = None
    unresolved: tuple[str, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def start_urls(self) -> list[str]:
        return [url for listing in self.listings for url in listing.start_urls]

    def listing(self, name: str) -> ListingSpec:
        for listing in self.listings:
            if listing.name == name:
                return listing
        raise KeyError(f"source {self.id!r} has no listing {name!r}")

    def allows(self, url: str) -> bool:
        """True when the URL is http(s) on one of the source's hosts (the fetch stage's rule)."""
        return host_allowed(url, self.allowed_hosts)

    def bind(self, variables: Mapping[str, str]) -> SourceConfig:
        """The same source with `${NAME}` placeholders filled from `variables` (then the environment)."""
        return _parse_source(self.raw, self.path, variables)

    def require_bound(self) -> None:
        if self.unresolved:
            names = ", ".join(f"${{{name}}}" for name in self.unresolved)
            options = " ".join(f"--var {name}=VALUE" for name in self.unresolved)
            raise SourceConfigError(
                f"source {self.id!r}: variable(s) {names} not set: pass {options} to the command"
                " (or set them in the environment)"
            )


def load_source(path: Path, variables: Mapping[str, str] | None = None) -> SourceConfig:
    """Read one source YAML; placeholders are filled from `variables`, then from the environment."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourceConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise SourceConfigError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(raw, dict):
        raise SourceConfigError(f"{path}: expected a mapping at the top level")
    return _parse_source(raw, path, variables)


def load_sources(
    directory: Path,
    variables: Mapping[str, str] | None = None,
    on_error: Callable[[SourceConfigError], None] | None = None,
) -> list[SourceConfig]:
    """All `*.yaml` sources of a directory, sorted by id.

    Without `on_error` the first bad file raises; with it, bad files are reported to it and the
    others still load (one broken config must not stop the monitor's other sources).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise SourceConfigError(f"{directory}: not a directory of source configs")
    sources: dict[str, SourceConfig] = {}
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        try:
            source = load_source(path, variables)
            if source.id in sources:
                raise SourceConfigError(
                    f"{path}: id: {source.id!r} already used by {sources[source.id].path}"
                )
        except SourceConfigError as exc:
            if on_error is None:
                raise
            on_error(exc)
            continue
        sources[source.id] = source
    return sorted(sources.values(), key=lambda s: s.id)


_TOP_KEYS = {
    "id",
    "name",
    "enabled",
    "unverified",
    "publisher",
    "homepage",
    "allowed_hosts",
    "listings",
    "issue_page",
    "fetch",
    "notes",
}
_LISTING_KEYS = {
    "name",
    "kind",
    "start_urls",
    "format",
    "item_selector",
    "link_selector",
    "items_path",
    "link_path",
    "fields",
    "pagination",
    "follow",
}
_FIELD_KEYS = {"selector", "attr", "regex", "required", "path"}
LISTING_FORMATS = ("html", "json")
_PAGINATION_KEYS = {
    "next_selector",
    "script_regex",
    "page_url",
    "max_pages",
    "pager_selector",
    "total_regex",
    "page_base",
    "page_param",
    "total_path",
    "pages_path",
}
_ISSUE_KEYS = {"pdf_selector", "article_selector", "title_selector"}
_FETCH_KEYS = {
    "user_agent",
    "requests_per_second",
    "connect_timeout",
    "read_timeout",
    "max_bytes",
    "respect_robots",
}


class _Reader:
    """Typed access to one YAML mapping, so every error names the file and the key path."""

    def __init__(self, data: Any, where: str, allowed: set[str], origin: str) -> None:
        self.origin = origin
        self.where = where
        if not isinstance(data, dict):
            self.fail("", f"expected a mapping, got {type(data).__name__}")
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(unknown[0], f"unknown key (known: {', '.join(sorted(allowed))})")
        self.data: dict[str, Any] = data

    def fail(self, key: str, message: str) -> None:
        dotted = ".".join(part for part in (self.where, key) if part)
        raise SourceConfigError(f"{self.origin}: {dotted or '(top)'}: {message}")

    def text(self, key: str, *, required: bool = True, default: str | None = None) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "required")
            return default
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def boolean(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, got {value!r}")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= minimum:
            self.fail(key, f"must be a number above {minimum:g}, got {value!r}")
        return float(value)

    def choice(self, key: str, choices: tuple[int, ...], default: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or value not in choices:
            self.fail(key, f"must be one of {', '.join(map(str, choices))}, got {value!r}")
        return int(value)

    def strings(self, key: str, *, required: bool) -> list[str]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "required")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(key, f"must be a list of non-empty strings, got {value!r}")
        return [v.strip() for v in value]

    def selector(self, key: str, *, required: bool) -> str | None:
        value = self.text(key, required=required)
        if value is not None:
            try:
                soupsieve.compile(value)
            except Exception as exc:  # soupsieve raises several types for bad selectors
                self.fail(key, f"invalid CSS selector {value!r}: {' '.join(str(exc).split())}")
        return value

    def regex(self, key: str) -> str | None:
        value = self.text(key, required=False)
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                self.fail(key, f"invalid regex {value!r}: {exc}")
        return value


def _parse_source(
    raw: Mapping[str, Any], path: Path | None, variables: Mapping[str, str] | None
) -> SourceConfig:
    origin = str(path) if path else "<source>"
    values = {**os.environ, **(variables or {})}
    unresolved: set[str] = set()
    data = _substitute(raw, values, unresolved)
    top = _Reader(data, "", _TOP_KEYS, origin)
    source_id = top.text("id")
    assert source_id is not None
    if not _SOURCE_ID.match(source_id):
        top.fail("id", f"{source_id!r} must be lowercase letters, digits and hyphens")
    listings_raw = data.get("listings")
    if not isinstance(listings_raw, list) or not listings_raw:
        top.fail("listings", "required: a non-empty list of listing specs")
    listings = tuple(_parse_listing(item, f"listings[{i}]", origin) for i, item in enumerate(listings_raw))
    names = [listing.name for listing in listings]
    if len(set(names)) != len(names):
        top.fail("listings", f"listing names must be unique, got {names}")
    _check_levels(listings, top)
    hosts = [h.lower() for h in top.strings("allowed_hosts", required=False)]
    for listing in listings:
        for url in listing.start_urls:
            host = (urlsplit(url).hostname or "").lower()
            if host and not _VARIABLE.search(url) and host not in hosts:
                hosts.append(host)  # a source may always visit the hosts its listings start on
    if not hosts and not unresolved:
        top.fail("allowed_hosts", "no host: give allowed_hosts or absolute start_urls")
    issue_raw = data.get("issue_page")
    issue_page = None
    if issue_raw is not None:
        reader = _Reader(issue_raw, "issue_page", _ISSUE_KEYS, origin)
        issue_page = IssuePageSpec(
            pdf_selector=reader.selector("pdf_selector", required=False),
            article_selector=reader.selector("article_selector", required=False),
            title_selector=reader.selector("title_selector", required=False),
        )
        if not issue_page.pdf_selector and not issue_page.article_selector:
            reader.fail("", "give pdf_selector (the issue's PDF) and/or article_selector (its articles)")
    elif any(listing.kind == "gazette_issue" for listing in listings):
        top.fail("issue_page", "required when a listing has kind gazette_issue")
    fetch_reader = _Reader(data.get("fetch") or {}, "fetch", _FETCH_KEYS, origin)
    fetch = FetchSettings(
        user_agent=fetch_reader.text("user_agent", required=False, default=DEFAULT_USER_AGENT)
        or DEFAULT_USER_AGENT,
        requests_per_second=fetch_reader.number("requests_per_second", 1.0),
        connect_timeout=fetch_reader.number("connect_timeout", 10.0),
        read_timeout=fetch_reader.number("read_timeout", 60.0),
        max_bytes=int(fetch_reader.number("max_bytes", 200 * 1024 * 1024, minimum=1024)),
        respect_robots=fetch_reader.boolean("respect_robots", True),
    )
    name = top.text("name")
    assert name is not None
    return SourceConfig(
        id=source_id,
        name=name,
        enabled=top.boolean("enabled", True),
        unverified=top.boolean("unverified", False),
        publisher=top.text("publisher", required=False),
        allowed_hosts=tuple(hosts),
        listings=listings,
        issue_page=issue_page,
        fetch=fetch,
        path=path,
        unresolved=tuple(sorted(unresolved)),
        raw=raw,
    )


def _parse_listing(data: Any, where: str, origin: str) -> ListingSpec:
    reader = _Reader(data, where, _LISTING_KEYS, origin)
    kind = reader.text("kind")
    if kind not in LISTING_KINDS:
        reader.fail("kind", f"{kind!r} is not one of {', '.join(sorted(LISTING_KINDS))}")
    start_urls = reader.strings("start_urls", required=False)
    for i, url in enumerate(start_urls):
        if _VARIABLE.search(url):
            continue
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            reader.fail(f"start_urls[{i}]", f"{url!r} is not an absolute http(s) URL")
    fields_raw = reader.data.get("fields") or {}
    if not isinstance(fields_raw, dict):
        reader.fail("fields", "must be a mapping of field name to spec")
    unknown = sorted(set(fields_raw) - FIELD_NAMES)
    if unknown:
        reader.fail(f"fields.{unknown[0]}", f"unknown field (known: {', '.join(sorted(FIELD_NAMES))})")
    fields: dict[str, FieldSpec] = {}
    for name, spec in fields_raw.items():
        field_reader = _Reader(spec, f"{where}.fields.{name}", _FIELD_KEYS, origin)
        fields[name] = FieldSpec(
            selector=field_reader.selector("selector", required=False),
            attr=field_reader.text("attr", required=False),
            regex=field_reader.regex("regex"),
            required=field_reader.boolean("required", False),
            path=field_reader.text("path", required=False),
        )
    pag_reader = _Reader(reader.data.get("pagination") or {}, f"{where}.pagination", _PAGINATION_KEYS, origin)
    pagination = PaginationSpec(
        next_selector=pag_reader.selector("next_selector", required=False),
        script_regex=pag_reader.regex("script_regex"),
        page_url=pag_reader.text("page_url", required=False),
        max_pages=int(pag_reader.number("max_pages", 50, minimum=0)),
        pager_selector=pag_reader.selector("pager_selector", required=False),
        total_regex=pag_reader.regex("total_regex"),
        page_base=pag_reader.choice("page_base", (0, 1), 0),
        page_param=pag_reader.text("page_param", required=False),
        total_path=pag_reader.text("total_path", required=False),
        pages_path=pag_reader.text("pages_path", required=False),
    )
    if pagination.script_regex:
        groups = set(re.compile(pagination.script_regex).groupindex)
        if "current" not in groups or not groups & {"count", "items"} or not pagination.page_url:
            pag_reader.fail(
                "script_regex",
                "needs named groups (?P<current>) and (?P<count>) and/or (?P<items>), and a page_url",
            )
        if "{n}" not in (pagination.page_url or ""):
            pag_reader.fail("page_url", "must contain {n}, the page number")
    if pagination.total_regex and not set(re.compile(pagination.total_regex).groupindex) & {"count", "items"}:
        pag_reader.fail("total_regex", "needs a named group (?P<count>) (pages) and/or (?P<items>)")
    follow = reader.text("follow", required=False)
    if (kind == "listing") != (follow is not None):
        reader.fail(
            "follow", "a listing of kind listing names the listing that reads its items' pages (follow)"
        )
    listing_format = reader.text("format", required=False, default="html")
    if listing_format not in LISTING_FORMATS:
        reader.fail("format", f"{listing_format!r} is not one of {', '.join(LISTING_FORMATS)}")
    assert kind is not None and listing_format is not None
    if listing_format == "json":
        _check_json_listing(reader, fields, pagination, where, origin)
    else:
        _check_html_listing(reader, fields, pagination, where, origin)
    return ListingSpec(
        name=reader.text("name", required=False, default=kind) or kind,
        kind=kind,
        start_urls=tuple(start_urls),
        item_selector=reader.selector("item_selector", required=listing_format == "html"),
        link_selector=reader.selector("link_selector", required=False),
        fields=fields,
        pagination=pagination,
        format=listing_format,
        items_path=reader.data.get("items_path") if listing_format == "json" else None,
        link_path=reader.text("link_path", required=False, default="url")
        if listing_format == "json"
        else None,
        follow=follow,
    )


def _check_levels(listings: tuple[ListingSpec, ...], top: _Reader) -> None:
    """Levels chain by `follow` without a loop; a listing without start_urls must be followed."""
    by_name = {listing.name: listing for listing in listings}
    followed = {listing.follow for listing in listings if listing.follow}
    for i, listing in enumerate(listings):
        if listing.follow and listing.follow not in by_name:
            top.fail(
                f"listings[{i}].follow", f"no listing named {listing.follow!r} (listings: {sorted(by_name)})"
            )
        if not listing.start_urls and listing.name not in followed:
            top.fail(f"listings[{i}].start_urls", "required unless another listing follows this one")
        seen = [listing.name]
        level = listing
        while level.follow:
            level = by_name[level.follow]
            if level.name in seen:
                top.fail(f"listings[{i}].follow", f"levels loop: {' -> '.join([*seen, level.name])}")
            seen.append(level.name)


_HTML_ONLY = ("item_selector", "link_selector")
_JSON_ONLY = ("items_path", "link_path")


def _check_json_listing(
    reader: _Reader, fields: Mapping[str, FieldSpec], pagination: PaginationSpec, where: str, origin: str
) -> None:
    """A JSON listing names keys, not selectors; its pages are an API's page parameter with a stated total."""
    for key in _HTML_ONLY:
        if key in reader.data:
            reader.fail(
                key, "is for HTML listings: a JSON listing (format: json) uses items_path and link_path"
            )
    if not isinstance(reader.data.get("items_path"), str):
        reader.fail(
            "items_path", 'required for format: json: the dotted key of the list of items ("" = top level)'
        )
    for name, spec in fields.items():
        if spec.selector or spec.attr or not spec.path:
            raise SourceConfigError(
                f"{origin}: {where}.fields.{name}: a JSON listing reads a field by path (a dotted key),"
                " not selector/attr"
            )
    pag = _Reader(reader.data.get("pagination") or {}, f"{where}.pagination", _PAGINATION_KEYS, origin)
    for key in ("next_selector", "script_regex", "page_url", "pager_selector", "total_regex"):
        if key in pag.data:
            pag.fail(
                key, "is for HTML listings: a JSON listing pages with page_param and total_path/pages_path"
            )
    if pagination.page_param and not (pagination.total_path or pagination.pages_path):
        pag.fail(
            "page_param", "needs total_path or pages_path: the stated total is what makes lost pages visible"
        )


def _check_html_listing(
    reader: _Reader, fields: Mapping[str, FieldSpec], pagination: PaginationSpec, where: str, origin: str
) -> None:
    for key in _JSON_ONLY:
        if key in reader.data:
            reader.fail(key, "is for JSON listings (format: json); an HTML listing uses item_selector")
    for name, spec in fields.items():
        if spec.path:
            raise SourceConfigError(
                f"{origin}: {where}.fields.{name}.path: is for JSON listings;"
                " an HTML field uses selector/attr/regex"
            )
    pag = _Reader(reader.data.get("pagination") or {}, f"{where}.pagination", _PAGINATION_KEYS, origin)
    for key in ("page_param", "total_path", "pages_path"):
        if key in pag.data:
            pag.fail(
                key,
                "is for JSON listings (format: json); HTML listings page with next_selector or script_regex",
            )


def _substitute(value: Any, variables: Mapping[str, str], unresolved: set[str]) -> Any:
    """Fill `${NAME}` in every string of a YAML tree, leaving (and noting) the unknown ones."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return variables[name].rstrip("/") if name.endswith("_URL") else variables[name]
            unresolved.add(name)
            return match.group(0)

        return _VARIABLE.sub(replace, value)
    if isinstance(value, list):
        return [_substitute(v, variables, unresolved) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables, unresolved) for k, v in value.items()}
    return value


# ----------------------------------------------------------------------------------------------
# decoding


def decode_html(body: bytes, http_charset: str | None = None) -> str:
    """A listing page's text (extractors.charset.decode_page: the one rule for every page)."""
    return decode_page(body, http_charset)[0]


# ----------------------------------------------------------------------------------------------
# parsed records


@dataclass(frozen=True)
class IssueLink:
    """One entry of a listing: an issue page, an article, or a compilation file."""

    url: str
    kind: str
    title: str | None
    source_id: str
    listing: str
    listing_url: str
    date: str | None = None  # ISO date as printed on the listing
    year: int | None = None
    number: int | None = None  # 第N期
    total_number: int | None = None  # 总第N期


@dataclass(frozen=True)
class RejectedLink:
    url: str
    reason: str
    text: str = ""


@dataclass(frozen=True)
class PagerTotal:
    """What a listing page's pager states: the number of pages and/or items, and which page this is."""

    pages: int | None = None
    items: int | None = None
    current: int | None = None


@dataclass(frozen=True)
class ListingPage:
    url: str
    items: list[IssueLink]
    next_url: str | None
    rejected: list[RejectedLink]
    entries: int = 0  # linked entries on the page, kept or not: what a pager's item total counts
    pager: PagerTotal | None = None


@dataclass(frozen=True)
class ArticleLink:
    url: str
    title: str


@dataclass(frozen=True)
class IssuePage:
    url: str
    title: str | None
    pdf_urls: list[str]
    articles: list[ArticleLink]
    rejected: list[RejectedLink]

    @property
    def pdf_url(self) -> str | None:
        return self.pdf_urls[0] if self.pdf_urls else None

    @property
    def article_urls(self) -> list[str]:
        return [article.url for article in self.articles]


# ----------------------------------------------------------------------------------------------
# parsing


def _soup(html: bytes | str, charset: str | None) -> BeautifulSoup:
    text = html if isinstance(html, str) else decode_html(html, charset)
    return BeautifulSoup(text, "lxml")


def _base_url(soup: BeautifulSoup, page_url: str) -> str:
    base = soup.find("base", href=True)
    if isinstance(base, Tag):
        return urljoin(page_url, str(base["href"]).strip())
    return page_url


def _clean(text: str) -> str:
    return " ".join(text.split())


def _resolve(href: str, base: str) -> str | None:
    """Absolute URL without fragment; None for javascript:, mailto:, bare anchors and blanks."""
    href = "".join(href.split())  # CMS templates break hrefs across lines and pad them with spaces
    if _SKIPPED_HREF.match(href):
        return None
    return urldefrag(urljoin(base, href)).url


def _element_value(element: Tag, attr: str | None) -> str:
    if attr and element.has_attr(attr):
        value = element[attr]
        return _clean(" ".join(value) if isinstance(value, list) else str(value))
    return _clean(element.get_text(" "))


def _read_field(item: Tag, spec: FieldSpec) -> str | None:
    element = item.select_one(spec.selector) if spec.selector else item
    if element is None:
        return None
    value = _element_value(element, spec.attr)
    if spec.regex:
        match = re.search(spec.regex, value)
        if not match:
            return None
        value = match.group(1) if match.groups() else match.group(0)
    return value.strip() or None


def normalize_date(text: str | None) -> str | None:
    """ISO date from the forms listings print: 2024-01-31, 2024年1月31日, 2024/1/31, 2024.01.31."""
    found = first_date(text) if text else None
    return found.isoformat() if found else None


def _to_int(text: str | None) -> int | None:
    if not text:
        return None
    match = re.search(r"\d+", text)
    return int(match.group(0)) if match else None


def _pick_listing(source: SourceConfig, page_url: str, name: str | None) -> ListingSpec:
    if name is not None:
        return source.listing(name)
    best: tuple[int, ListingSpec] | None = None
    for listing in source.listings:
        for start in listing.start_urls:
            prefix = start.rsplit("/", 1)[0] + "/"
            if page_url.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), listing)
    return best[1] if best else source.listings[0]


def parse_listing(
    html: bytes | str,
    page_url: str,
    source: SourceConfig,
    listing: str | None = None,
    charset: str | None = None,
) -> ListingPage:
    """Read one listing page: its items (absolute URLs and fields) and the next page's URL.

    `listing` names which of the source's listings this page belongs to; by default the one whose
    start URL's folder contains `page_url`. Links to hosts the source does not allow are dropped
    and reported in `rejected`; a page where the item selector finds no linked item raises
    `ListingLayoutError`.
    """
    spec = _pick_listing(source, page_url, listing)
    if spec.format == "json":
        from extractors.json_listing import parse_json_listing  # it builds on this module's records

        return parse_json_listing(html, page_url, source, spec, charset)
    if not spec.item_selector:  # an HTML listing always has one (the source's validation says so)
        raise SourceConfigError(f"{source.id}/{spec.name}: an HTML listing needs item_selector")
    soup = _soup(html, charset)
    base = _base_url(soup, page_url)
    elements = soup.select(spec.item_selector)
    if not elements:
        raise ListingLayoutError(
            f"{page_url}: item selector {spec.item_selector!r} of {source.id}/{spec.name} matched nothing"
        )
    items: list[IssueLink] = []
    rejected: list[RejectedLink] = []
    linked = 0
    seen: set[str] = set()
    for element in elements:
        anchor = _item_link(element, spec.link_selector)
        if anchor is None:
            continue
        url = _resolve(str(anchor.get("href", "")), base)
        text = _clean(anchor.get_text(" "))
        if url is None:
            continue
        linked += 1
        if not source.allows(url):
            rejected.append(RejectedLink(url=url, reason="host not in allowed_hosts", text=text))
            continue
        values = {name: _read_field(element, field_spec) for name, field_spec in spec.fields.items()}
        if "title" not in spec.fields:
            values["title"] = text or None
        missing = [
            name for name, field_spec in spec.fields.items() if field_spec.required and not values.get(name)
        ]
        if missing:
            rejected.append(RejectedLink(url=url, reason=f"missing field(s) {', '.join(missing)}", text=text))
            continue
        if url in seen:
            continue
        seen.add(url)
        items.append(listed_item(source, spec, page_url, url, values))
    if linked == 0:
        raise ListingLayoutError(
            f"{page_url}: {len(elements)} item(s) matched {spec.item_selector!r} but none has a link"
            f" matching {spec.link_selector or 'a[href]'!r}"
        )
    missing_fields = [r for r in rejected if r.reason.startswith("missing")]
    if not items and missing_fields:  # every same-host item lacks a required field
        raise ListingLayoutError(f"{page_url}: no item has the required fields ({missing_fields[0].reason})")
    next_url, pager = _next_page(soup, base, spec.pagination, page_url)
    if next_url is not None and not source.allows(next_url):
        rejected.append(RejectedLink(url=next_url, reason="next page on a host not in allowed_hosts"))
        next_url = None
    return ListingPage(
        url=page_url, items=items, next_url=next_url, rejected=rejected, entries=linked, pager=pager
    )


def listed_item(
    source: SourceConfig, spec: ListingSpec, page_url: str, url: str, values: Mapping[str, str | None]
) -> IssueLink:
    """One listing item from the field values read off it (HTML or JSON alike)."""
    return IssueLink(
        url=url,
        kind=spec.kind,
        title=values.get("title"),
        source_id=source.id,
        listing=spec.name,
        listing_url=page_url,
        date=normalize_date(values.get("date")),
        year=_to_int(values.get("year")),
        number=_to_int(values.get("number")),
        total_number=_to_int(values.get("total_number")),
    )


def _item_link(element: Tag, link_selector: str | None) -> Tag | None:
    if link_selector:
        found = element.select_one(link_selector)
    elif element.name == "a" and element.has_attr("href"):
        found = element
    else:
        found = element.select_one("a[href]")
    return found if isinstance(found, Tag) and found.has_attr("href") else None


def _next_page(
    soup: BeautifulSoup, base: str, spec: PaginationSpec, page_url: str
) -> tuple[str | None, PagerTotal | None]:
    """The next page's URL and the totals the pager states; a pager whose pattern fails raises.

    A page "has a pager" when `pager_selector` matches on it; without `pager_selector`, every page
    of a `script_regex` listing must carry the script (TRS templates always write it).
    """
    pager_element = soup.select_one(spec.pager_selector) if spec.pager_selector else None
    has_pager = pager_element is not None if spec.pager_selector else None
    next_url: str | None = None
    pager: PagerTotal | None = None
    if spec.script_regex and spec.page_url and has_pager is not False:
        match = _search_scripts(soup, spec.script_regex)
        if match is None:
            where = f"has a pager ({spec.pager_selector!r}) but no script" if has_pager else "has no script"
            raise ListingLayoutError(
                f"{page_url}: the page {where} matching pagination.script_regex {spec.script_regex!r}:"
                " the pager changed, pages 2+ would be lost"
                + ("" if has_pager else " (set pagination.pager_selector if single pages have no pager)")
            )
        current = int(match.group("current"))
        pager = PagerTotal(
            pages=_group_int(match, "count"), items=_group_int(match, "items"), current=current
        )
        if (pager.pages is None and pager.items is not None) or (
            pager.pages is not None and current - spec.page_base + 1 < pager.pages
        ):  # with only an item total, the walker stops once it has seen that many entries
            next_url = urljoin(base, spec.page_url.format(n=current + 1))
    if spec.total_regex and has_pager is not False:
        text = _clean((pager_element or soup).get_text(" "))
        match = re.search(spec.total_regex, text)
        if match is None:
            raise ListingLayoutError(
                f"{page_url}: pagination.total_regex {spec.total_regex!r} matches nothing in the pager"
                f" text {text[:80]!r}: the pager changed"
            )
        pager = PagerTotal(pages=_group_int(match, "count"), items=_group_int(match, "items"))
    if spec.next_selector:
        anchor = soup.select_one(spec.next_selector)
        if isinstance(anchor, Tag) and anchor.has_attr("href"):
            next_url = _resolve(str(anchor["href"]), base) or next_url
    return next_url, pager


def _search_scripts(soup: BeautifulSoup, pattern: str) -> re.Match[str] | None:
    for script in soup.find_all("script"):
        match = re.search(pattern, script.get_text())
        if match:
            return match
    return None


def _group_int(match: re.Match[str], name: str) -> int | None:
    value = match.groupdict().get(name)
    return int(value) if value else None


def parse_issue_page(
    html: bytes | str,
    page_url: str,
    source: SourceConfig,
    charset: str | None = None,
) -> IssuePage:
    """Read an issue page: the issue's PDF link(s) and the links to its documents' web articles."""
    if source.issue_page is None:
        raise SourceConfigError(f"source {source.id!r} has no issue_page settings")
    spec = source.issue_page
    soup = _soup(html, charset)
    base = _base_url(soup, page_url)
    rejected: list[RejectedLink] = []

    def collect(selector: str | None) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if not selector:
            return found
        for anchor in soup.select(selector):
            if not anchor.has_attr("href"):
                continue
            url = _resolve(str(anchor["href"]), base)
            text = _clean(str(anchor.get("title") or anchor.get_text(" ")))
            if url is None or any(url == seen for seen, _ in found):
                continue
            if not source.allows(url):
                rejected.append(RejectedLink(url=url, reason="host not in allowed_hosts", text=text))
                continue
            found.append((url, text))
        return found

    pdfs = collect(spec.pdf_selector)
    articles = [ArticleLink(url=url, title=title) for url, title in collect(spec.article_selector)]
    if not pdfs and not articles:
        raise ListingLayoutError(
            f"{page_url}: issue page has no PDF ({spec.pdf_selector!r}) and no article link"
            f" ({spec.article_selector!r})"
        )
    title = None
    if spec.title_selector:
        heading = soup.select_one(spec.title_selector)
        title = _clean(heading.get_text(" ")) if heading else None
    return IssuePage(
        url=page_url, title=title, pdf_urls=[u for u, _ in pdfs], articles=articles, rejected=rejected
    )


# ----------------------------------------------------------------------------------------------
# the one listing walker: pages come from a `get` callable the caller owns


@dataclass(frozen=True)
class FetchedPage:
    """A page as the walker needs it: where the request landed, its bytes, the server's content type.

    `url` is the URL after redirects: relative links resolve against it, as a browser does
    (a listing at /zfgb that redirects to /zfgb/ lists ./2024/… relative to /zfgb/).
    """

    url: str
    body: bytes
    content_type: str | None = None


# The fetch stage behind the walker: conditional GETs, politeness and archiving in production
# (pipeline.crawl.Crawler.page), a bare GET in a test. The walker itself never talks HTTP.
GetPage = Callable[[str], FetchedPage]


def walk_listing(source: SourceConfig, spec: ListingSpec, start: str, get: GetPage) -> Iterator[ListingPage]:
    """Every page of one listing from `start`, following its pagination; each page parsed as it arrives.

    A layout change fails on the page where it happens (`ListingLayoutError`); pages already
    walked have been yielded by then. Stops at `max_pages` or at a page seen before. When the
    pager states a total (pages or items) and the walk ended short of it for any reason but
    `max_pages`, that is a `ListingLayoutError` too: lost pages are a failure, never a quiet end.
    """
    source.require_bound()
    url: str | None = start
    visited: set[str] = set()
    walked = entries = 0
    stated: PagerTotal | None = None
    while url is not None and url not in visited:
        if walked >= spec.pagination.max_pages:
            return  # a deliberate bound, not a shortfall
        visited.add(url)
        page = get(url)
        visited.add(page.url)
        parsed = parse_listing(
            page.body,
            page.url,
            source,
            listing=spec.name,
            charset=charset_from_content_type(page.content_type),
        )
        walked += 1
        entries += parsed.entries
        stated = stated or parsed.pager
        yield parsed
        url = parsed.next_url
        if stated and stated.pages is None and stated.items is not None and entries >= stated.items:
            url = None
    check_pager_total(start, stated, walked, entries, stopped_at=url)


def check_pager_total(
    start: str, stated: PagerTotal | None, walked: int, entries: int, stopped_at: str | None = None
) -> None:
    """Raise `ListingLayoutError` when a finished walk saw fewer pages or items than its pager stated."""
    if stated is None:
        return
    why = f" (the walk came back to {stopped_at})" if stopped_at else ""
    if stated.pages is not None and walked < stated.pages:
        raise ListingLayoutError(
            f"{start}: the pager states {stated.pages} page(s) but the walk reached {walked}{why}:"
            " pages were lost (check pagination.page_url and script_regex)"
        )
    if stated.items is not None and entries < stated.items:
        raise ListingLayoutError(
            f"{start}: the pager states {stated.items} item(s) but the walk found {entries} on"
            f" {walked} page(s){why}: items were lost (check item_selector and pagination)"
        )


def walk_followed(source: SourceConfig, item: IssueLink, get: GetPage) -> Iterator[ListingPage]:
    """The pages of the next level under an item of a `listing`-kind level (a year page's issues).

    Items of the lower level take the year of the item above them when they print none (a
    year page lists "第3期", the year is the page's), so an issue keeps its identity.
    """
    spec = source.listing(source.listing(item.listing).follow or "")
    for page in walk_listing(source, spec, item.url, get):
        items = [replace(link, year=link.year or item.year) for link in page.items]
        yield replace(page, items=items)


def read_issue_page(link: IssueLink, source: SourceConfig, get: GetPage) -> IssuePage:
    """The PDF and article links of the issue page that a listing item points to."""
    source.require_bound()
    page = get(link.url)
    return parse_issue_page(page.body, page.url, source, charset=charset_from_content_type(page.content_type))
