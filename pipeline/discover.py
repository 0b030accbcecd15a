"""A source's listings walked into the publications they list.

Discovery goes on past what fails: one listing that breaks (a changed layout, a page
gone) is that listing's failure, one page of a level (a year page not yet online) is that
page's failure, and one issue page that fails is that issue's failure; the other listings,
levels and issues of the source are still found. A failure is never "nothing
new": it is in the poll's report and recorded as an event.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from extractors.listing import (
    IssueLink,
    ListingPage,
    SourceConfig,
    read_issue_page,
    walk_followed,
    walk_listing,
)
from pipeline.crawl import Crawler
from pipeline.failures import record_failure
from pipeline.report import Outcome, Publication
from warehouse.records import IssueRecord


def discover_publications(crawler: Crawler) -> list[Publication]:
    """Every publication the source lists, from its listing pages (every level) and its issue pages."""
    source = crawler.source
    found: dict[str, Publication] = {}
    with crawler.timed("discover"):
        for spec in source.listings:
            for start in spec.start_urls:
                _walk_isolated(
                    crawler,
                    f"listing {spec.name} ({start})",
                    walk_listing(source, spec, start, crawler.page),
                    found,
                )
    return list(found.values())


def _walk_isolated(
    crawler: Crawler, label: str, pages: Iterator[ListingPage], found: dict[str, Publication]
) -> None:
    """Walk one listing (or one followed page of a level above): its failure is its own, not the source's."""
    source, report = crawler.source, crawler.report
    try:
        for page in pages:
            report.listed += len(page.items)
            report.rejected.extend(page.rejected)
            for item in page.items:
                if item.kind == "listing":  # a year page (or any level above issues): walk the next level
                    spec = source.listing(item.listing)
                    label_below = f"listing {spec.follow} ({item.url})"
                    _walk_isolated(crawler, label_below, walk_followed(source, item, crawler.page), found)
                    continue
                for publication in _publications_of(crawler, item):
                    found.setdefault(publication.url, publication)
    except Exception as exc:
        message = record_failure(
            crawler.con,
            exc,
            item=label,
            source_id=source.id,
            issue_id=None,
            flow_run_id=crawler.flow_run_id,
            stage="discover",
        )
        name = label.split(" (", 1)[0]
        report.errors.append(f"{source.id}: {name} failed: {message}")


def _publications_of(crawler: Crawler, item: IssueLink) -> list[Publication]:
    source = crawler.source
    if item.kind != "gazette_issue":
        return [Publication(url=item.url, issue=issue_record(source, item, item.url, item.kind))]
    try:
        issue_page = read_issue_page(item, source, crawler.page)
    except Exception as exc:
        issue = issue_record(source, item, item.url, "gazette_issue")
        message = record_failure(
            crawler.con,
            exc,
            item=f"issue page {item.url}",
            source_id=source.id,
            issue_id=issue.issue_id,
            flow_run_id=crawler.flow_run_id,
            stage="discover",
        )
        crawler.report.outcomes.append(Outcome(Publication(item.url, issue), status="failed", error=message))
        return []
    crawler.report.rejected.extend(issue_page.rejected)
    publications = [
        Publication(url=pdf, issue=issue_record(source, item, pdf, "gazette_issue"))
        for pdf in issue_page.pdf_urls
    ]
    for article in issue_page.articles:
        article_item = IssueLink(
            url=article.url,
            kind="article",
            title=article.title,
            source_id=item.source_id,
            listing=item.listing,
            listing_url=item.url,
            date=item.date,
            year=item.year,  # the issue's identity stays with its articles: an HTML-only gazette
            number=item.number,  # has no PDF to carry 期 and 总第N期 into the warehouse
            total_number=item.total_number,
        )
        publications.append(
            Publication(url=article.url, issue=issue_record(source, article_item, article.url, "article"))
        )
    return publications


def issue_record(source: SourceConfig, item: IssueLink, url: str, kind: str) -> IssueRecord:
    """A stable id per publication: year and number for gazette issues, the URL's hash otherwise."""
    if kind == "gazette_issue" and item.year and item.number:
        issue_id = f"{source.id}-{item.year}-{item.number:02d}"
    else:
        issue_id = f"{source.id}-{kind}-{hashlib.sha1(url.encode()).hexdigest()[:12]}"
    return IssueRecord(
        issue_id=issue_id,
        source_id=source.id,
        title=item.title,
        year=item.year,
        number=item.number,
        total_number=item.total_number,
        published_date=item.date,
        kind=kind,
        url=url,
        source_name=source.name,
    )
