"""One publication fetched, extracted and loaded: the unit that succeeds or fails on its own.

Whether a publication needs loading is decided by the sha256 of its bytes against the one
last loaded for it, never by a 304 alone: a crash after fetching but before loading is
retried on the next poll instead of being forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from extractors.fetch import FetchResult
from extractors.pipeline import ExtractionResult, extract_file
from pipeline.crawl import Crawler
from pipeline.failures import record_failure
from pipeline.report import Outcome, Publication
from warehouse.crawl import warc_location_of
from warehouse.load import already_loaded, load_issue
from warehouse.records import FetchedFile

Fetched = tuple[FetchResult, Path]


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


def fetch_publication(crawler: Crawler, publication: Publication) -> Fetched:
    """Fetch one publication, once: a conditional GET when its bytes are on disk already."""
    return crawler.get(publication.url)


def extract_publication(publication: Publication, fetched: Fetched, last_loaded: str | None) -> Prepared:
    """Extract the fetched bytes unless they are the ones last loaded for this publication."""
    result, body = fetched
    if last_loaded and result.sha256 == last_loaded:
        return Prepared(publication, result, body, extraction=None)
    return Prepared(
        publication, result, body, extraction=extract_file(body, content_type=result.content_type)
    )


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
    archived = result.warc.as_extra() if result.warc and result.status == 200 else None
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
        extra=archived or warc_location_of(con, result.sha256 or ""),
    )
    issue = replace(publication.issue, page_count=extraction.page_count)
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


def failed_outcome(
    con: duckdb.DuckDBPyConnection,
    publication: Publication,
    exc: BaseException,
    flow_run_id: str | None = None,
) -> Outcome:
    """Record the failure as an event (once per distinct problem) and make it the outcome."""
    issue = publication.issue
    message = record_failure(
        con,
        exc,
        item=publication.url,
        source_id=issue.source_id,
        issue_id=issue.issue_id,
        flow_run_id=flow_run_id,
    )
    return Outcome(publication, status="failed", error=message)


def publication_year(publication: Publication) -> int | None:
    """The year a publication belongs to: its issue's year, else its publication date's."""
    issue = publication.issue
    if issue.year:
        return issue.year
    if issue.published_date and issue.published_date[:4].isdigit():
        return int(issue.published_date[:4])
    return None
