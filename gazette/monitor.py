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
import json
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
from extractors.pipeline import ExtractionResult, extract_file
from extractors.politeness import PolitenessPolicy, PoliteSession
from extractors.warc import WarcArchive, WarcError, WarcLocation
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


@dataclass(frozen=True)
class CrawlMemory:
    """What the warehouse remembers of a URL: validators to send, and the body they stand for."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    content_type: str | None = None

    def validators(self) -> Validators:
        return Validators(etag=self.etag, last_modified=self.last_modified)


def remembered(con: duckdb.DuckDBPyConnection, url: str, raw_dir: Path) -> CrawlMemory | None:
    """The crawl state of `url`, or None when there is none or its stored body has gone missing.

    Without the body a 304 would leave nothing to extract, so a lost raw file means an
    unconditional GET.
    """
    row = con.execute(
        "SELECT etag, last_modified, sha256, content_type FROM crawl_state WHERE url = ?", [url]
    ).fetchone()
    if not row or not row[2] or not raw_path(raw_dir, row[2]).exists():
        return None
    return CrawlMemory(*row)


def polite_session(source: SourceConfig) -> PoliteSession:
    """A session that fetches this source the way its config asks (user agent, rate, robots.txt)."""
    return PoliteSession(
        PolitenessPolicy(
            user_agent=source.fetch.user_agent,
            requests_per_second=source.fetch.requests_per_second,
            respect_robots=source.fetch.respect_robots,
            allowed_hosts=source.allowed_hosts,  # where a robots.txt redirect may lead
        )
    )


def fetch_url(
    session: requests.Session,
    source: SourceConfig,
    url: str,
    raw_dir: Path,
    memory: CrawlMemory | None,
    archive: WarcArchive | None = None,
) -> tuple[FetchResult, Path]:
    """The current body of `url`: downloaded when changed, else the stored copy. No database here.

    A 304 comes back as a result carrying the remembered sha256 and content type, so
    callers see one shape whatever the server answered.
    """
    result = fetch(
        session,
        url,
        raw_dir,
        allowed_hosts=source.allowed_hosts,
        previous=memory.validators() if memory else None,
        timeout=source.fetch.timeout,
        max_bytes=source.fetch.max_bytes,
        archive=archive,
    )
    if result.not_modified and memory is not None:
        result = FetchResult(
            url=url,
            status=304,
            fetched_at=result.fetched_at,
            content_type=memory.content_type,
            etag=result.etag,
            last_modified=result.last_modified,
            sha256=memory.sha256,
            path=raw_path(raw_dir, memory.sha256 or ""),
            warc=result.warc,
        )
    return result, raw_path(raw_dir, result.sha256 or "")


def remember(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    result: FetchResult,
    flow_run_id: str | None = None,
) -> None:
    """Record what the server answered: crawl state for the next conditional GET, the WARC index."""
    con.execute(
        """
        INSERT INTO crawl_state (url, source_id, etag, last_modified, sha256, content_type,
                                 last_status, last_checked_at, last_changed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (url) DO UPDATE SET
            etag = excluded.etag, last_modified = excluded.last_modified,
            sha256 = coalesce(excluded.sha256, crawl_state.sha256),
            content_type = coalesce(excluded.content_type, crawl_state.content_type),
            last_status = excluded.last_status, last_checked_at = excluded.last_checked_at,
            last_changed_at = coalesce(excluded.last_changed_at, crawl_state.last_changed_at)
        """,
        [
            result.url,
            source_id,
            result.etag,
            result.last_modified,
            result.sha256,
            result.content_type,
            result.status,
            _naive_utc(result.fetched_at),
            _naive_utc(result.fetched_at) if result.status == 200 else None,
        ],
    )
    if result.warc is not None:
        con.execute(
            """
            INSERT INTO warc_records (record_id, url, source_id, http_status, sha256, warc_file,
                                      warc_offset, warc_length, fetched_at, flow_run_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (record_id) DO NOTHING
            """,
            [
                result.warc.record_id,
                result.url,
                source_id,
                result.status,
                result.sha256 if result.status == 200 else None,
                result.warc.file,
                result.warc.offset,
                result.warc.length,
                _naive_utc(result.fetched_at),
                flow_run_id,
            ],
        )


def warc_location_of(con: duckdb.DuckDBPyConnection, sha256: str) -> dict[str, str]:
    """The archived 200 response that carried these bytes (the latest), as `fetched_files.extra`."""
    row = con.execute(
        """
        SELECT warc_file, warc_offset, warc_length, record_id FROM warc_records
        WHERE sha256 = ? AND http_status = 200 ORDER BY fetched_at DESC LIMIT 1
        """,
        [sha256],
    ).fetchone()
    if row is None:
        return {}
    return WarcLocation(file=row[0], offset=row[1], length=row[2], record_id=row[3]).as_extra()


class Crawler:
    """Conditional GETs whose state lives in the warehouse, bodies in the raw store (and the WARC)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        session: requests.Session,
        raw_dir: Path,
        source: SourceConfig,
        report: PollReport,
        archive: WarcArchive | None = None,
        flow_run_id: str | None = None,
    ) -> None:
        self.con = con
        self.session = session
        self.raw_dir = raw_dir
        self.source = source
        self.report = report
        self.archive = archive
        self.flow_run_id = flow_run_id

    def get(self, url: str) -> tuple[FetchResult, Path]:
        """The current body of `url`: downloaded when changed, else the stored copy."""
        memory = remembered(self.con, url, self.raw_dir)
        with self._timed("fetch"):
            result, body = fetch_url(self.session, self.source, url, self.raw_dir, memory, self.archive)
        self.report.requests[str(result.status)] += 1
        remember(self.con, self.source.id, result, self.flow_run_id)
        return result, body

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
    archive: WarcArchive | None = None,
    flow_run_id: str | None = None,
) -> PollReport:
    """Walk the source's listings, then load every publication whose bytes are new.

    A listing that no longer matches its selectors is a loud error in the report
    (never "nothing new"); one publication that fails does not stop the others.
    """
    source.require_bound()
    report = PollReport(source_id=source.id, started_at=datetime.now(UTC))
    crawler = Crawler(con, session, raw_dir, source, report, archive=archive, flow_run_id=flow_run_id)
    try:
        publications = discover_publications(crawler)
    except (ListingLayoutError, ListingFetchError, FetchError, requests.RequestException) as exc:
        report.errors.append(f"{source.id}: listing failed: {exc}")
        record_problem(
            con, source_id=source.id, issue_id=None, message=report.errors[-1], flow_run_id=flow_run_id
        )
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


@dataclass
class Prepared:
    """A publication fetched and (when its bytes are new) extracted, ready to load.

    Made without the database, so that a backfill can prepare many publications in
    parallel (threads, processes, a Dask cluster) while one writer loads them.
    """

    publication: Publication
    result: FetchResult
    body: Path
    extraction: ExtractionResult | None  # None: these bytes were loaded already

    @property
    def unchanged(self) -> bool:
        return self.extraction is None


def extract_publication(
    publication: Publication, fetched: tuple[FetchResult, Path], loaded_sha256: str | None
) -> Prepared:
    """Extract the fetched bytes unless they are the ones last loaded for this publication."""
    result, body = fetched
    if loaded_sha256 and result.sha256 == loaded_sha256:
        return Prepared(publication, result, body, extraction=None)
    return Prepared(publication, result, body, extraction=extract_file(body))


def loaded_sha256(con: duckdb.DuckDBPyConnection, issue_id: str) -> str | None:
    """The sha256 of the file last loaded completely for this publication."""
    row = con.execute("SELECT loaded_file_sha256 FROM issues WHERE issue_id = ?", [issue_id]).fetchone()
    return row[0] if row else None


def load_prepared(
    con: duckdb.DuckDBPyConnection, prepared: Prepared, flow_run_id: str | None = None
) -> Outcome:
    """Load one prepared publication in one transaction (see warehouse.load)."""
    publication, result, body, extraction = (
        prepared.publication,
        prepared.result,
        prepared.body,
        prepared.extraction,
    )
    if extraction is None or already_loaded(con, publication.issue.issue_id, result.sha256 or ""):
        return Outcome(publication, status="unchanged")
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
        extra=result.warc.as_extra()
        if result.warc and result.status == 200
        else warc_location_of(con, result.sha256 or ""),
    )
    issue = IssueRecord(**{**publication.issue.__dict__, "page_count": extraction.page_count})
    loaded = load_issue(con, issue, fetched, extraction.pages, extraction.documents, flow_run_id=flow_run_id)
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


# The errors a publication is expected to fail with: reported by their own one-line message.
EXPECTED_INGEST_ERRORS = (
    FetchError,
    ExtractionError,
    LoadError,
    ListingLayoutError,
    WarcError,
    OSError,
    requests.RequestException,
)
# At the per-publication boundary anything else is that publication's failure too (a reader bug
# on one odd file must not lose the rest of the run); only KeyboardInterrupt/SystemExit stop a run.
INGEST_ERRORS = (Exception,)


def failed_outcome(
    con: duckdb.DuckDBPyConnection,
    publication: Publication,
    exc: BaseException,
    flow_run_id: str | None = None,
) -> Outcome:
    """Record the failure as an event (once per distinct problem) and make it the outcome."""
    issue = publication.issue
    message = str(exc)
    if not isinstance(exc, EXPECTED_INGEST_ERRORS):
        message = f"unexpected {type(exc).__name__}: {message}"
    record_problem(
        con,
        source_id=issue.source_id,
        issue_id=issue.issue_id,
        message=f"{publication.url}: {message}",
        flow_run_id=flow_run_id,
    )
    return Outcome(publication, status="failed", error=message)


def ingest_publication(crawler: Crawler, publication: Publication) -> Outcome:
    """Fetch (conditionally), extract and load one publication; errors become a failed outcome."""
    con = crawler.con
    try:
        fetched = crawler.get(publication.url)
        with crawler._timed("extract"):
            previous = loaded_sha256(con, publication.issue.issue_id)
            prepared = extract_publication(publication, fetched, previous)
        with crawler._timed("load"):
            return load_prepared(con, prepared, crawler.flow_run_id)
    except INGEST_ERRORS as exc:
        return failed_outcome(con, publication, exc, crawler.flow_run_id)


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def last_event_id(con: duckdb.DuckDBPyConnection) -> int:
    """The newest event's id: what a run remembers at its start to count what it added."""
    return con.execute("SELECT coalesce(max(event_id), 0) FROM events").fetchone()[0]


def events_since(con: duckdb.DuckDBPyConnection, after_event_id: int) -> Counter:
    """Events recorded after `after_event_id`, counted by kind (new_document, new_version, repealed ...)."""
    rows = con.execute(
        "SELECT kind, count(*) FROM events WHERE event_id > ? GROUP BY kind", [after_event_id]
    ).fetchall()
    return Counter(dict(rows))


def record_run_start(
    con: duckdb.DuckDBPyConnection, flow_run_id: str, flow_name: str, parameters: dict
) -> None:
    """A `flow_runs` row in state running: a run that dies leaves it so, and is visible as such."""
    con.execute(
        """
        INSERT INTO flow_runs (flow_run_id, flow_name, started_at, status, parameters)
        VALUES (?, ?, ?, 'running', ?)
        ON CONFLICT (flow_run_id) DO UPDATE SET status = 'running', started_at = excluded.started_at
        """,
        [flow_run_id, flow_name, _naive_utc(datetime.now(UTC)), json.dumps(parameters, default=str)],
    )


def record_run_end(
    con: duckdb.DuckDBPyConnection,
    flow_run_id: str,
    reports: list[PollReport],
    events: Counter,
    *,
    extra_errors: list[dict[str, str]] | None = None,
    status: str = "completed",
) -> None:
    """Close the run's `flow_runs` row with what its polls did.

    A run that met failing items still `completed`: they are counted in `error_count`
    and listed in `errors`. `failed` is for a run that could not finish.
    """
    outcomes = [outcome for report in reports for outcome in report.outcomes]
    errors = [{"item": report.source_id, "error": error} for report in reports for error in report.errors]
    errors += [
        {"item": outcome.publication.url, "error": outcome.error or ""}
        for outcome in outcomes
        if outcome.status == "failed"
    ]
    errors += extra_errors or []
    con.execute(
        """
        UPDATE flow_runs SET finished_at = ?, status = ?, issues_seen = ?, issues_loaded = ?,
            issues_unchanged = ?, documents_new = ?, versions_new = ?, events_new = ?, error_count = ?,
            errors = ?
        WHERE flow_run_id = ?
        """,
        [
            _naive_utc(datetime.now(UTC)),
            status,
            len(outcomes),
            sum(1 for o in outcomes if o.status == "ingested"),
            sum(1 for o in outcomes if o.status == "unchanged"),
            sum(o.documents_new for o in outcomes),
            sum(o.versions_new for o in outcomes),
            sum(events.values()),
            len(errors),
            json.dumps(errors, ensure_ascii=False),
            flow_run_id,
        ],
    )
