"""Trying a source before it runs: walk it a few pages deep and say what each level found.

`gazette sources check` is urlwatch's `--test-filter` for a publisher: the same walker as the
monitor (`walk_listing`, `read_issue_page`), over saved pages or the live site, bounded to a
few listing pages and issue pages, writing nothing. Anything that would make a run fail or
lose items is a problem: a listing that fails (layout, pager, shortfall, a missing page), an
issue page that fails, and a configured selector or field that matched nothing on every item
it was tried on. A walk cut short by the check's own bound is reported, never a problem.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import requests

from core.errors import GazetteError
from extractors.listing import (
    FetchedPage,
    GetPage,
    IssueLink,
    IssuePage,
    ListingPage,
    ListingSpec,
    SourceConfig,
    read_issue_page,
    walk_followed,
    walk_listing,
)
from pipeline.crawl import fetch_url, polite_session

# What a check reports as a problem instead of crashing: anything the walk can meet on a site.
_WALK_ERRORS = (GazetteError, requests.RequestException, OSError)

# IssueLink attributes a listing field fills (the field named `title` fills `title`, and so on).
_FIELD_ATTRIBUTES = ("title", "date", "year", "number", "total_number")


@dataclass
class ListingWalk:
    """One start URL of one listing, walked up to the check's bound."""

    spec: ListingSpec
    start: str
    pages: list[ListingPage] = field(default_factory=list)
    error: str | None = None
    bounded: bool = False  # the walk stopped at the check's page bound, more pages exist
    depth: int = 0  # 0 for a listing's start, 1 for the pages its items lead to, …

    @property
    def items(self) -> list[IssueLink]:
        return [item for page in self.pages for item in page.items]


@dataclass
class IssueVisit:
    link: IssueLink
    page: IssuePage | None = None
    error: str | None = None


@dataclass
class SourceCheck:
    """What a bounded walk of one source found, level by level, and every problem met."""

    source: SourceConfig
    walks: list[ListingWalk] = field(default_factory=list)
    issues: list[IssueVisit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_source(
    source: SourceConfig, get: GetPage, *, max_pages: int = 3, max_issues: int = 3, max_follow: int = 3
) -> SourceCheck:
    """Walk every listing of `source` (at most `max_pages` pages each, the first `max_follow` items
    of a level followed to the next) and read the first `max_issues` issue pages."""
    bounded = replace(
        source,
        listings=tuple(
            replace(spec, pagination=replace(spec.pagination, max_pages=max_pages))
            for spec in source.listings
        ),
    )
    check = SourceCheck(source)
    for spec in bounded.listings:
        for start in spec.start_urls:
            _walk(check, bounded, spec, start, walk_listing(bounded, spec, start, get), get, 0, max_follow)
    issue_links = [item for walk in check.walks for item in walk.items if item.kind == "gazette_issue"]
    for link in issue_links[:max_issues]:
        visit = IssueVisit(link)
        try:
            visit.page = read_issue_page(link, source, get)
        except _WALK_ERRORS as exc:
            visit.error = str(exc)
            check.problems.append(f"issue page: {exc}")
        check.issues.append(visit)
    check.problems += _silent_issue_selectors(source, check.issues)
    return check


def _walk(
    check: SourceCheck,
    source: SourceConfig,
    spec: ListingSpec,
    start: str,
    pages: Iterator[ListingPage],
    get: GetPage,
    depth: int,
    max_follow: int,
) -> None:
    walk = ListingWalk(spec, start, depth=depth)
    check.walks.append(walk)
    try:
        walk.pages.extend(pages)
    except _WALK_ERRORS as exc:
        walk.error = str(exc)
        check.problems.append(f"listing {spec.name}: {exc}")
    walk.bounded = walk.error is None and len(walk.pages) >= spec.pagination.max_pages and _more_pages(walk)
    check.problems += _silent_fields(walk)
    if spec.follow:
        below = source.listing(spec.follow)
        for item in walk.items[:max_follow]:
            _walk(
                check, source, below, item.url, walk_followed(source, item, get), get, depth + 1, max_follow
            )


def _more_pages(walk: ListingWalk) -> bool:
    last = walk.pages[-1]
    return last.next_url is not None


def _silent_fields(walk: ListingWalk) -> list[str]:
    """A configured field that gave no value on any item: its selector or regex matches nothing."""
    items = walk.items
    if not items:
        return []
    problems = []
    for name, spec in walk.spec.fields.items():
        if name in _FIELD_ATTRIBUTES and all(getattr(item, name) is None for item in items):
            how = ", ".join(
                f"{key} {value!r}"
                for key, value in (("selector", spec.selector), ("path", spec.path), ("regex", spec.regex))
                if value
            )
            problems.append(
                f"listing {walk.spec.name}: field {name} ({how or 'the item text'}) gave no value"
                f" on any of {len(items)} item(s)"
            )
    return problems


def _silent_issue_selectors(source: SourceConfig, visits: list[IssueVisit]) -> list[str]:
    pages = [visit.page for visit in visits if visit.page is not None]
    if not pages or source.issue_page is None:
        return []
    spec = source.issue_page
    found = {
        "pdf_selector": (spec.pdf_selector, any(page.pdf_urls for page in pages)),
        "article_selector": (spec.article_selector, any(page.articles for page in pages)),
        "title_selector": (spec.title_selector, any(page.title for page in pages)),
    }
    return [
        f"issue_page.{key} {selector!r} matched nothing on {len(pages)} issue page(s)"
        for key, (selector, matched) in found.items()
        if selector and not matched
    ]


def check_lines(check: SourceCheck, *, examples: int = 3) -> list[str]:
    """The check as an operator reads it: per listing its pages and items, then the issue pages."""
    lines = [f"source {check.source.id}: {check.source.name}"]
    for walk in check.walks:
        indent = "  " * walk.depth
        level = f"level {walk.depth + 1}: " if any(w.depth for w in check.walks) else ""
        lines.append(f"{indent}{level}listing {walk.spec.name} ({walk.spec.kind}) from {walk.start}")
        for number, page in enumerate(walk.pages, start=1):
            stated = ""
            if page.pager is not None and (page.pager.pages or page.pager.items):
                parts = [
                    f"{page.pager.pages} pages" if page.pager.pages else "",
                    f"{page.pager.items} items" if page.pager.items else "",
                ]
                stated = f"; pager states {', '.join(part for part in parts if part)}"
            rejected = f", {len(page.rejected)} rejected" if page.rejected else ""
            lines.append(f"{indent}  page {number} {page.url}: {len(page.items)} item(s){rejected}{stated}")
        if walk.pages:
            lines.append(f"{indent}  {len(walk.items)} item(s) on {len(walk.pages)} page(s)")
        for item in walk.items[:examples]:
            lines.append(f"{indent}    {_item_line(item)}")
        if len(walk.items) > examples:
            lines.append(f"{indent}    … {len(walk.items) - examples} more")
        if walk.bounded:
            lines.append(
                f"{indent}  stopped after {len(walk.pages)} page(s), the bound of --max-pages: more exist"
            )
        if walk.error:
            lines.append(f"{indent}  FAILED: {walk.error}")
    if check.issues:
        lines.append(f"issue pages (first {len(check.issues)})")
    for visit in check.issues:
        if visit.page is None:
            lines.append(f"  FAILED: {visit.error}")
            continue
        title = f" {visit.page.title}" if visit.page.title else ""
        counts = f"{len(visit.page.pdf_urls)} PDF(s), {len(visit.page.articles)} article(s)"
        lines.append(f"  {visit.link.url}:{title}: {counts}")
        for url in visit.page.pdf_urls[:examples]:
            lines.append(f"    pdf {url}")
        for article in visit.page.articles[:examples]:
            lines.append(f"    article {article.title} {article.url}")
    if check.problems:
        lines.append(f"{len(check.problems)} problem(s):")
        lines += [f"  - {problem}" for problem in check.problems]
    else:
        lines.append("no problem found")
    return lines


def _item_line(item: IssueLink) -> str:
    identity = " ".join(
        part
        for part in (
            f"{item.year}年" if item.year else "",
            f"第{item.number}期" if item.number else "",
            f"总第{item.total_number}期" if item.total_number else "",
        )
        if part
    )
    return "  ".join(
        part for part in (item.date or "(no date)", identity, item.title or "(no title)", item.url) if part
    )


@contextmanager
def live_pages(source: SourceConfig) -> Iterator[GetPage]:
    """A `get` over the live site through the fetch stage (robots.txt, rate, allowed hosts); keeps nothing."""
    with tempfile.TemporaryDirectory(prefix="gazette-check-") as raw, polite_session(source) as session:

        def get(url: str) -> FetchedPage:
            result, body = fetch_url(session, source, url, Path(raw), None)
            return FetchedPage(url=result.url, body=body.read_bytes(), content_type=result.content_type)

        yield get
