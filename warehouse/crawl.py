"""The crawl state and the WARC index: what the fetch stage needs to remember between runs.

The fetcher itself owns no state (decision 4): it is told which validators to send and
returns what it saw. These are the writer and the readers of that memory, in one place,
so that a conditional GET, a crash-retry and an offline re-extraction all read the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.clock import naive_utc
from extractors.fetch import FetchResult, Validators, raw_path
from extractors.warc import WarcLocation


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


def remember(
    con: duckdb.DuckDBPyConnection,
    source_id: str,
    result: FetchResult,
    flow_run_id: str | None = None,
) -> None:
    """Record what the server answered: crawl state for the next conditional GET, the WARC index."""
    fetched_at = naive_utc(result.fetched_at)
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
            fetched_at,
            fetched_at if result.status == 200 else None,
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
                fetched_at,
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


def loaded_sha256(con: duckdb.DuckDBPyConnection, issue_id: str) -> str | None:
    """The sha256 of the file last loaded completely for this publication."""
    row = con.execute("SELECT loaded_file_sha256 FROM issues WHERE issue_id = ?", [issue_id]).fetchone()
    return row[0] if row else None
