"""One polling cycle over a source: discover, fetch what changed, extract, load.

Plain Python with no Prefect in it: the Prefect flows wrap these functions in
tasks, the demo and the tests call them directly.

Incremental by construction. Every URL's validators (ETag, Last-Modified) and
the sha256 of its last body are kept in the warehouse's `crawl_state`, so a
second poll sends only conditional requests. Whether a publication needs
loading is decided by the sha256 of its bytes against the one last loaded for
it, never by a 304 alone: a crash after fetching but before loading is retried
on the next poll instead of being forgotten.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import requests

from extractors.errors import ExtractionError
from extractors.fetch import FetchError, FetchResult, Validators, fetch, raw_path
from extractors.listing import (
    IssueLink,
    ListingFetchError,
    ListingLayoutError,
    RejectedLink,
    SourceConfig,
    charset_from_content_type,
    parse_issue_page,
    parse_listing,
)
from extractors.pipeline import extract_file
from warehouse.events import record_problem
from warehouse.load import LoadError, already_loaded, load_issue
from warehouse.records import FetchedFile, IssueRecord


@dataclass
class Publication:
    """Something to load as one unit: a gazette issue's PDF, a web article, a compilation."""

    url: str
    issue: IssueRecord


@dataclass
class Outcome:
    """What happened to one publication in this poll."""

    publication: Publication
    status: str  # ingested | unchanged | failed
    documents: int = 0
    documents_new: int = 0
    versions_new: int = 0
    events_new: int = 0
    pages: int = 0
    pages_without_text: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class PollReport:
    """The run summary for one source: what an operator reads after a poll."""

    source_id: str
    started_at: datetime
    requests: Counter = field(default_factory=Counter)  # "200", "304"
    listed: int = 0  # items on the listing pages
    outcomes: list[Outcome] = field(default_factory=list)
    rejected: list[RejectedLink] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # source-level failures (layout, network)
    seconds: Counter = field(default_factory=Counter)  # per stage

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def ok(self) -> bool:
        return not self.errors and self.count("failed") == 0


class Crawler:
    """Conditional GETs whose state lives in the warehouse, bodies in the raw store."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        session: requests.Session,
        raw_dir: Path,
        source: SourceConfig,
        report: PollReport,
    ) -> None:
        self.con = con
        self.session = session
        self.raw_dir = raw_dir
        self.source = source
        self.report = report

    def get(self, url: str) -> tuple[FetchResult, Path]:
        """The current body of `url`: downloaded when changed, else the stored copy."""
        row = self.con.execute(
            "SELECT etag, last_modified, sha256 FROM crawl_state WHERE url = ?", [url]
        ).fetchone()
        previous = None
        if row and row[2] and raw_path(self.raw_dir, row[2]).exists():
            previous = Validators(etag=row[0], last_modified=row[1])
        with self._timed("fetch"):
            result = fetch(
                self.session,
                url,
                self.raw_dir,
                allowed_hosts=self.source.allowed_hosts,
                previous=previous,
                timeout=self.source.fetch.timeout,
                max_bytes=self.source.fetch.max_bytes,
            )
        self.report.requests[str(result.status)] += 1
        sha256 = result.sha256 if result.sha256 else row[2]
        self.con.execute(
            """
            INSERT INTO crawl_state (url, source_id, etag, last_modified, sha256, content_type,
                                     last_status, last_checked_at, last_changed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (url) DO UPDATE SET
                etag = excluded.etag, last_modified = excluded.last_modified, sha256 = excluded.sha256,
                content_type = coalesce(excluded.content_type, crawl_state.content_type),
                last_status = excluded.last_status, last_checked_at = excluded.last_checked_at,
                last_changed_at = coalesce(excluded.last_changed_at, crawl_state.last_changed_at)
            """,
            [
                url,
                self.source.id,
                result.etag,
                result.last_modified,
                sha256,
                result.content_type,
                result.status,
                _naive_utc(result.fetched_at),
                _naive_utc(result.fetched_at) if result.status == 200 else None,
            ],
        )
        if result.not_modified:
            content_type = self.con.execute(
                "SELECT content_type FROM crawl_state WHERE url = ?", [url]
            ).fetchone()[0]
            result = FetchResult(
                url=url,
                status=304,
                fetched_at=result.fetched_at,
                content_type=content_type,
                etag=result.etag,
                last_modified=result.last_modified,
                sha256=sha256,
                path=raw_path(self.raw_dir, sha256),
            )
        return result, raw_path(self.raw_dir, sha256)

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.report.seconds[stage] += time.perf_counter() - start


def poll_source(
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    session: requests.Session,
    raw_dir: Path,
    *,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> PollReport:
    """Walk the source's listings, then load every publication whose bytes are new.

    A listing that no longer matches its selectors is a loud error in the report
    (never "nothing new"); one publication that fails does not stop the others.
    """
    source.require_bound()
    report = PollReport(source_id=source.id, started_at=datetime.now(UTC))
    crawler = Crawler(con, session, raw_dir, source, report)
    try:
        publications = discover_publications(crawler)
    except (ListingLayoutError, ListingFetchError, FetchError, requests.RequestException) as exc:
        report.errors.append(f"{source.id}: listing failed: {exc}")
        record_problem(con, source_id=source.id, issue_id=None, message=report.errors[-1])
        return report
    for publication in publications:
        outcome = ingest_publication(crawler, publication)
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)
    return report


def discover_publications(crawler: Crawler) -> list[Publication]:
    """Every publication the source lists, from its listing pages and its issue pages."""
    source, report = crawler.source, crawler.report
    found: dict[str, Publication] = {}
    with crawler._timed("discover"):
        for spec in source.listings:
            for start in spec.start_urls:
                url: str | None = start
                visited: set[str] = set()
                while url and url not in visited and len(visited) < spec.pagination.max_pages:
                    visited.add(url)
                    result, body = crawler.get(url)
                    page = parse_listing(
                        body.read_bytes(),
                        url,
                        source,
                        listing=spec.name,
                        charset=charset_from_content_type(result.content_type),
                    )
                    report.listed += len(page.items)
                    report.rejected.extend(page.rejected)
                    for item in page.items:
                        for publication in _publications_of(crawler, item):
                            found.setdefault(publication.url, publication)
                    url = page.next_url
    return list(found.values())


def _publications_of(crawler: Crawler, item: IssueLink) -> list[Publication]:
    source = crawler.source
    if item.kind != "gazette_issue":
        return [Publication(url=item.url, issue=_issue_record(source, item, item.url, item.kind))]
    result, body = crawler.get(item.url)
    issue_page = parse_issue_page(
        body.read_bytes(), item.url, source, charset=charset_from_content_type(result.content_type)
    )
    crawler.report.rejected.extend(issue_page.rejected)
    publications = [
        Publication(url=pdf, issue=_issue_record(source, item, pdf, "gazette_issue"))
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
        )
        publications.append(
            Publication(url=article.url, issue=_issue_record(source, article_item, article.url, "article"))
        )
    return publications


def _issue_record(source: SourceConfig, item: IssueLink, url: str, kind: str) -> IssueRecord:
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


def ingest_publication(crawler: Crawler, publication: Publication) -> Outcome:
    """Fetch (conditionally), extract and load one publication; errors become a failed outcome."""
    con = crawler.con
    issue = publication.issue
    try:
        result, body = crawler.get(publication.url)
        if already_loaded(con, issue.issue_id, result.sha256 or ""):
            return Outcome(publication, status="unchanged")
        with crawler._timed("extract"):
            extraction = extract_file(body)
        fetched = FetchedFile(
            sha256=result.sha256 or "",
            url=publication.url,
            http_status=200,
            etag=result.etag,
            last_modified=result.last_modified,
            fetched_at=result.fetched_at.isoformat(),
            storage_path=str(body),
            content_type=result.content_type,
            size_bytes=body.stat().st_size,
        )
        issue = IssueRecord(**{**issue.__dict__, "page_count": extraction.page_count})
        with crawler._timed("load"):
            loaded = load_issue(con, issue, fetched, extraction.pages, extraction.documents)
    except (FetchError, ExtractionError, LoadError, ListingLayoutError, requests.RequestException) as exc:
        message = f"{publication.url}: {exc}"
        record_problem(con, source_id=issue.source_id, issue_id=issue.issue_id, message=message)
        return Outcome(publication, status="failed", error=str(exc))
    return Outcome(
        publication,
        status="ingested",
        documents=len(extraction.documents),
        documents_new=loaded.documents_new,
        versions_new=loaded.versions_new,
        events_new=loaded.events_new,
        pages=extraction.page_count,
        pages_without_text=len(extraction.pages_without_text),
        problems=extraction.problems,
    )


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)
