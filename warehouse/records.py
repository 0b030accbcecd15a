"""What the loader needs to know about an issue and the file it came from.

The extraction dataclasses (`extractors.model`) describe pages and documents;
these two describe where they were found, so that every document row can be
traced back to the publication and the exact bytes it was read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IssueRecord:
    """One publication of a source: a gazette issue, a compilation, a web page.

    `issue_id` is stable across runs (the slug the catalogue or the fetcher
    gives it, e.g. ``nx-2024-02``), so that loading the same issue twice
    addresses the same row.
    """

    issue_id: str
    source_id: str
    title: str | None = None
    year: int | None = None
    number: int | None = None  # 期: issue number within the year
    total_number: int | None = None  # 总第N期
    published_date: str | None = None  # ISO 8601
    page_count: int | None = None
    kind: str = "gazette_issue"  # gazette_issue | compilation | article
    url: str | None = None
    source_name: str | None = None  # human name of the source, for the sources table


@dataclass(frozen=True)
class FetchedFile:
    """The bytes an issue was extracted from, identified by their sha256.

    The sha256 is what makes a reload cheap: the same bytes already loaded for
    the same issue mean that nothing can have changed.
    """

    sha256: str
    url: str | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None  # the server's Last-Modified header, verbatim
    fetched_at: str | None = None  # ISO 8601 timestamp
    storage_path: str | None = None  # where the raw bytes are kept (file or WARC record)
    content_type: str | None = None
    size_bytes: int | None = None
    extra: dict[str, str] = field(default_factory=dict)  # e.g. WARC record id, offset
