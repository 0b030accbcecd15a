"""The fetch stage bound to the warehouse's crawl state: conditional GETs that remember what they saw.

Every URL's validators (ETag, Last-Modified) and the sha256 of its last body are kept in
`crawl_state` (warehouse.crawl), so a second poll sends only conditional requests. The
fetcher itself owns no state (decision 4); the `Crawler` is where the two meet.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

import duckdb
import requests

from extractors.fetch import FetchResult, fetch, raw_path
from extractors.listing import FetchedPage, SourceConfig
from extractors.politeness import PolitenessPolicy, PoliteSession
from extractors.warc import WarcArchive
from pipeline.report import PollReport, timed
from warehouse.crawl import CrawlMemory, remember, remembered


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

    A 304 comes back as a result carrying the remembered sha256 and content type, so callers
    see one shape whatever the server answered; its `url` is where the request landed.
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
            url=result.url,
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
        with self.timed("fetch"):
            result, body = fetch_url(self.session, self.source, url, self.raw_dir, memory, self.archive)
        self.report.requests[str(result.status)] += 1
        remember(self.con, self.source.id, result, self.flow_run_id)
        return result, body

    def page(self, url: str) -> FetchedPage:
        """`get` in the shape the listing walker takes (extractors.listing.GetPage)."""
        result, body = self.get(url)
        return FetchedPage(url=result.url, body=body.read_bytes(), content_type=result.content_type)

    def timed(self, stage: str) -> AbstractContextManager[None]:
        """Add the block's wall time to this poll's seconds for `stage`."""
        return timed(self.report.seconds, stage)
