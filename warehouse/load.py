"""Loading one issue into the warehouse: all its rows or none, and never twice.

Why it is shaped this way:
- One transaction per issue. DuckDB writes a transaction to its WAL only at
  COMMIT, so a process killed anywhere before that leaves no trace, and the
  rerun starts from the state before the crash.
- Idempotent by construction: every row has a key derived from content
  (document_id from the identity key, version_id from the content hash,
  sightings by file and position, events by an event_key), and every insert
  is an anti-join on that key, deduplicated within the batch. Loading the
  same issue again inserts nothing. The two text-carrying tables (versions,
  pages) have no index to enforce their key (migration 010): an ART index on
  them made every commit rewrite text blocks, so the load slowed down as the
  warehouse grew; the anti-joins are what guarantees uniqueness.
- Cheap when nothing changed: if the issue's recorded file has the same
  sha256, the load returns before staging anything.
- Bulk: the issue is staged as Arrow tables (`warehouse.staging`) and moved
  with a handful of set-based statements, whatever the number of documents.
- Only plausible bodies: a body cut short, a login or firewall page, or a document
  far shorter than this publication's last copy is quarantined (`warehouse.quarantine`):
  the load fails with the reason and writes nothing.
- The current version is what the publisher serves now: the version seen in the
  newest publication that shows the document, so a publisher going back to an earlier
  text makes that text current again, with a `reverted` event.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import duckdb

from core.errors import WarehouseError
from extractors.model import Document, Page
from warehouse.connect import scalar
from warehouse.copies import match_known_copies
from warehouse.events import append_events, link_events_sql
from warehouse.quarantine import body_problem, shrink_problem
from warehouse.records import FetchedFile, IssueRecord
from warehouse.staging import stage

StageHook = Callable[[str], None]

# How much WAL DuckDB lets accumulate before it checkpoints on its own (default 16 MiB). An issue's
# transaction carries tens of MB of text, so the default checkpointed after every issue, and every
# checkpoint re-serializes the indexes of the keyed tables (documents, sightings, events, ...),
# which grow with the warehouse: at 100,000 documents COMMIT went from 0.2 s to 1 s an issue.
# Checkpointing every ~1 GB instead keeps COMMIT flat (bench/RESULTS.md, "Warehouse"). Durability
# does not change (the WAL is written at every COMMIT); a restart after a crash replays up to that
# much WAL, and committed data not yet checkpointed stays in DuckDB's buffer pool (spillable).
CHECKPOINT_THRESHOLD = "1GB"

_TEMP_TABLES = (
    "_staged",
    "_new_documents",
    "_new_versions",
    "_resolved",
    "_new_events",
    "_touched",
    "_reverts",
)


class LoadError(WarehouseError):
    """An issue could not be loaded; nothing of it was written."""


class QuarantineError(LoadError):
    """The fetched body is not plausibly the publication (cut short, a login page ...): not loaded."""


@dataclass(frozen=True)
class LoadResult:
    """What one `load_issue` call changed."""

    issue_id: str
    unchanged: bool = False  # the same file was already loaded: nothing was done
    documents_new: int = 0
    versions_new: int = 0
    sightings_new: int = 0
    pages_new: int = 0
    references_new: int = 0
    references_resolved: int = 0
    events_new: int = 0


def _utc_timestamp(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise LoadError(f"fetched_at {value!r} is not an ISO timestamp") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _iso_date(value: str | None, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise LoadError(f"{what} {value!r} is not an ISO date") from exc


def _validate(issue: IssueRecord, fetched_file: FetchedFile) -> None:
    if not issue.issue_id or not issue.source_id:
        raise LoadError("an issue needs an issue_id and a source_id")
    digest = fetched_file.sha256 or ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise LoadError(
            f"issue {issue.issue_id}: fetched file sha256 {digest!r} is not 64 lowercase hex digits"
        )


def already_loaded(con: duckdb.DuckDBPyConnection, issue_id: str, file_sha256: str) -> bool:
    """True when this exact file was the last one loaded for this issue."""
    row = con.execute("SELECT loaded_file_sha256 FROM issues WHERE issue_id = ?", [issue_id]).fetchone()
    return row is not None and row[0] == file_sha256


def load_issue(
    con: duckdb.DuckDBPyConnection,
    issue: IssueRecord,
    fetched_file: FetchedFile,
    pages: Sequence[Page],
    documents: Sequence[Document],
    *,
    today: date | None = None,
    flow_run_id: str | None = None,
    force: bool = False,
    on_stage: StageHook | None = None,
) -> LoadResult:
    """Load one issue in one transaction; see the module docstring for the guarantees.

    `today` is the date document statuses are computed for (default: today);
    `force` reloads a file already loaded (after an extractor improvement:
    still idempotent, rows are only added where keys are new); `on_stage` is
    called with the name of each step, for progress reporting.
    """
    _validate(issue, fetched_file)
    if not force and already_loaded(con, issue.issue_id, fetched_file.sha256):
        return LoadResult(issue_id=issue.issue_id, unchanged=True)
    problem = body_problem(fetched_file.storage_path, fetched_file.content_type)
    if problem:
        raise QuarantineError(f"quarantined, not loaded: {problem}")
    # Issue 13: a page that holds no official document (news, a guide, an interpretation) is
    # recorded as seen (its file with the page's kind in `extra`, its page, the issue row) but
    # creates no document.
    pages_only = [doc for doc in documents if not doc.is_official]
    documents = [doc for doc in documents if doc.is_official]
    if pages_only:
        seen = {"page_kind": pages_only[0].kind, "page_title": pages_only[0].title}
        fetched_file = dataclasses.replace(fetched_file, extra={**fetched_file.extra, **seen})
    con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
    published = _iso_date(issue.published_date, f"issue {issue.issue_id}: published_date")
    fetched_at = _utc_timestamp(fetched_file.fetched_at)
    try:
        staged = stage(pages, documents)
    except (TypeError, AttributeError, ValueError) as exc:
        raise LoadError(f"issue {issue.issue_id}: malformed page or document record: {exc}") from exc
    as_of = today or date.today()
    report = on_stage or (lambda _stage: None)

    views = {
        "_incoming_documents": staged.documents,
        "_incoming_references": staged.references,
        "_incoming_problems": staged.problems,
        "_incoming_pages": staged.pages,
    }
    for name, table in views.items():
        con.register(name, table)
    con.execute("BEGIN TRANSACTION")
    try:
        counts = _load_in_transaction(
            con, issue, fetched_file, published, fetched_at, as_of, flow_run_id, report
        )
        report("commit")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(con)
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise LoadError(f"issue {issue.issue_id}: {first_line}") from exc
    except BaseException:
        _rollback(con)
        raise
    finally:
        for name in views:
            con.unregister(name)
    report("done")
    return LoadResult(issue_id=issue.issue_id, unchanged=False, **counts)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open (a failed COMMIT has already rolled back)."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None) -> int:
    return int(scalar(con, sql, params))


def _load_in_transaction(
    con: duckdb.DuckDBPyConnection,
    issue: IssueRecord,
    fetched_file: FetchedFile,
    published: date | None,
    fetched_at: datetime | None,
    as_of: date,
    flow_run_id: str | None,
    report: StageHook,
) -> dict[str, int]:
    sha = fetched_file.sha256
    report("file")
    con.execute(
        "INSERT INTO sources (source_id, name, kind, first_seen_at) "
        "VALUES (?, ?, ?, now() AT TIME ZONE 'UTC') "
        "ON CONFLICT DO NOTHING",
        [issue.source_id, issue.source_name, issue.kind],
    )
    con.execute(
        """
        INSERT INTO fetched_files (sha256, url, http_status, etag, last_modified, fetched_at, storage_path,
                                   content_type, size_bytes, extra, first_recorded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now() AT TIME ZONE 'UTC') ON CONFLICT DO NOTHING
        """,
        [
            sha,
            fetched_file.url,
            fetched_file.http_status,
            fetched_file.etag,
            fetched_file.last_modified,
            fetched_at,
            fetched_file.storage_path,
            fetched_file.content_type,
            fetched_file.size_bytes,
            json.dumps(fetched_file.extra, ensure_ascii=False) if fetched_file.extra else None,
        ],
    )

    report("pages")
    pages_new = _count(
        con,
        """
        INSERT INTO pages (file_sha256, page_index, issue_id, printed_number, has_text, ocr, text, char_count)
        SELECT ?, p.page_index, ?, p.printed_number, p.has_text, p.ocr, p.text, p.char_count
        FROM _incoming_pages p
        WHERE NOT EXISTS (SELECT 1 FROM pages x WHERE x.file_sha256 = ? AND x.page_index = p.page_index)
        QUALIFY row_number() OVER (PARTITION BY p.page_index ORDER BY p.page_index) = 1
        """,
        [sha, issue.issue_id, sha],
    )

    report("stage")
    con.execute(
        """
        CREATE TEMP TABLE _staged AS
        SELECT d.*, h.content_sha256,
               d.document_id || '-v' || left(h.content_sha256, 12) AS version_id,
               length(d.normalized_text) AS char_count
        FROM _incoming_documents d
        POSITIONAL JOIN (SELECT sha256(normalized_text) AS content_sha256 FROM _incoming_documents) h
        """
    )
    # Issue 6: a text that differs from a known version by extraction noise only is a sighting of it.
    report("copies")
    if _may_hold_copies(con):
        match_known_copies(con, issue.issue_id, sha)
    shrunk = shrink_problem(con, issue.issue_id)
    if shrunk:
        raise QuarantineError(f"quarantined, not loaded: {shrunk}")

    report("documents")
    con.execute(
        """
        CREATE TEMP TABLE _new_documents AS
        SELECT * EXCLUDE (text, normalized_text) FROM _staged s
        WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.document_id = s.document_id)
        QUALIFY row_number() OVER (PARTITION BY s.document_id ORDER BY s.position) = 1
        """
    )
    documents_new = _count(
        con,
        """
        INSERT INTO documents (document_id, identity_key, doc_number, doc_number_issuer_code, doc_number_year,
            doc_number_serial, issuer, title, normalized_title, doc_type, issued_date, effective_date,
            effective_on_issue, expiry_date, publication_note, is_public, addressees, attachments, status,
            status_as_of, first_published_date, first_seen_issue_id, latest_version_id, version_count,
            first_loaded_at, updated_at)
        SELECT document_id, identity_key, doc_number, doc_number_issuer_code, doc_number_year,
            doc_number_serial, issuer, title, normalized_title, doc_type, issued_date, effective_date,
            effective_on_issue, expiry_date, publication_note, is_public, addressees, attachments,
            CASE
                WHEN expiry_date < $as_of THEN 'expired'
                WHEN coalesce(effective_date, issued_date, $published) > $as_of THEN 'not_yet_in_force'
                ELSE 'in_force'
            END,
            $as_of, $published, $issue_id, version_id, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM _new_documents
        """,
        {"published": published, "issue_id": issue.issue_id, "as_of": as_of},
    )

    report("versions")
    con.execute(
        """
        CREATE TEMP TABLE _new_versions AS
        SELECT n.*, coalesce(e.max_number, 0)
                    + row_number() OVER (PARTITION BY n.document_id ORDER BY n.position) AS version_number
        FROM (
            SELECT s.position, s.document_id, s.version_id, s.content_sha256 FROM _staged s
            WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.version_id = s.version_id)
            QUALIFY row_number() OVER (PARTITION BY s.version_id ORDER BY s.position) = 1
        ) n
        LEFT JOIN (
            SELECT document_id, max(version_number) AS max_number FROM versions
            WHERE document_id IN (SELECT document_id FROM _staged) GROUP BY document_id
        ) e ON e.document_id = n.document_id
        """
    )
    versions_new = _count(
        con,
        """
        INSERT INTO versions (version_id, document_id, version_number, content_sha256, text, normalized_text,
                              char_count, first_published_date, first_seen_issue_id, first_seen_file_sha256,
                              loaded_at)
        SELECT n.version_id, n.document_id, n.version_number, n.content_sha256, s.text, s.normalized_text,
               s.char_count, ?, ?, ?, now() AT TIME ZONE 'UTC'
        FROM _new_versions n JOIN _staged s ON s.position = n.position
        """,
        [published, issue.issue_id, sha],
    )

    report("sightings")
    sightings_new = _count(
        con,
        """
        INSERT INTO sightings (file_sha256, position, issue_id, document_id, version_id, start_page, end_page,
                               title_as_printed, doc_number_as_printed, loaded_at)
        SELECT ?, s.position, ?, s.document_id, s.version_id, s.start_page, s.end_page, s.title,
               s.doc_number_as_printed, now() AT TIME ZONE 'UTC'
        FROM _staged s
        WHERE NOT EXISTS (SELECT 1 FROM sightings x WHERE x.file_sha256 = ? AND x.position = s.position)
        """,
        [sha, issue.issue_id, sha],
    )

    report("references")
    references_new = _count(
        con,
        """
        INSERT INTO document_references (reference_id, source_document_id, source_version_id, position,
                                         relation,
                                         evidence, target_doc_number, target_title, found_at)
        SELECT DISTINCT ON (s.version_id || '#' || r.position)
               s.version_id || '#' || r.position, s.document_id, s.version_id, r.position, r.relation,
               r.evidence, r.target_doc_number, r.target_title, now() AT TIME ZONE 'UTC'
        FROM _incoming_references r
        JOIN _staged s ON s.position = r.document_position
        WHERE NOT EXISTS (
            SELECT 1 FROM document_references x WHERE x.reference_id = s.version_id || '#' || r.position
        )
        """,
    )
    # Late binding: any reference still unresolved, from this issue or an earlier one, whose target
    # number is now known without ambiguity.
    con.execute(
        """
        CREATE TEMP TABLE _resolved AS
        SELECT r.reference_id, min(d.document_id) AS target_document_id
        FROM document_references r
        JOIN documents d ON d.doc_number = r.target_doc_number
        WHERE r.target_document_id IS NULL AND d.document_id <> r.source_document_id
        GROUP BY r.reference_id
        HAVING count(*) = 1
        """
    )
    references_resolved = _count(
        con,
        """
        UPDATE document_references r
        SET target_document_id = x.target_document_id, resolution_method = 'doc_number',
            resolution_score = 1.0, resolved_at = now() AT TIME ZONE 'UTC'
        FROM _resolved x WHERE r.reference_id = x.reference_id
        """,
    )

    report("issue")
    # The issue row before the refresh: which file each publication shows now decides the current
    # versions, and the refresh dates each text by its earliest sighting, this issue's included.
    con.execute(
        """
        INSERT INTO issues (issue_id, source_id, kind, title, year, number, total_number, published_date,
                            page_count, url, loaded_file_sha256, first_loaded_at, loaded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC')
        ON CONFLICT (issue_id) DO UPDATE SET
            source_id = excluded.source_id, kind = excluded.kind, title = excluded.title,
            year = excluded.year,
            number = excluded.number, total_number = excluded.total_number,
            published_date = excluded.published_date, page_count = excluded.page_count, url = excluded.url,
            loaded_file_sha256 = excluded.loaded_file_sha256, loaded_at = excluded.loaded_at
        """,
        [
            issue.issue_id,
            issue.source_id,
            issue.kind,
            issue.title,
            issue.year,
            issue.number,
            issue.total_number,
            published,
            issue.page_count,
            issue.url,
            sha,
        ],
    )
    report("documents_update")
    _refresh_touched_documents(con, as_of)

    report("events")
    events_new = _record_events(con, issue, sha, published, flow_run_id)

    for name in _TEMP_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return {
        "documents_new": documents_new,
        "versions_new": versions_new,
        "sightings_new": sightings_new,
        "pages_new": pages_new,
        "references_new": references_new,
        "references_resolved": references_resolved,
        "events_new": events_new,
    }


def _may_hold_copies(con: duckdb.DuckDBPyConnection) -> bool:
    """Could `match_known_copies` find anything: does a staged new text have a known text to compare with?

    It compares a new text only with known versions or copies of the same
    document and with earlier new texts of that document in this issue. When
    every new text is the first ever seen of its document (the bulk of a
    backfill), it would pull every staged text into Python to match nothing.
    """
    return bool(
        _count(
            con,
            """
            WITH fresh AS (
                SELECT s.document_id FROM _staged s
                WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.version_id = s.version_id)
            )
            SELECT count(*) FROM (
                SELECT document_id FROM fresh GROUP BY document_id HAVING count(*) > 1
                UNION ALL
                SELECT document_id FROM fresh
                WHERE document_id IN (SELECT document_id FROM versions)
                   OR document_id IN (SELECT document_id FROM version_copies)
            )
            """,
        )
    )


def _update_if_any(
    con: duckdb.DuckDBPyConnection, changes: str, select: str, update: str, params: list | None = None
) -> None:
    """Collect the rows that really change into `changes` (narrow columns), then UPDATE only those.

    Why not one UPDATE ... FROM: on a table with indexes DuckDB rewrites every
    row its join matches, big text columns included, even when the new values
    equal the old ones; on 100,000 versions that made each load cost seconds.
    Usually nothing changes and the UPDATE is skipped altogether.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE {changes} AS {select}", params or [])
    if _count(con, f"SELECT count(*) FROM {changes}"):
        con.execute(update)
    con.execute(f"DROP TABLE {changes}")


def _refresh_touched_documents(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """Dates, version numbering, current version and status of the documents this load touched.

    Versions are numbered by when they were first published, not by when the
    warehouse happened to load them: a backfilled older issue slots its text in
    before the newer one. The current version is the one the newest publication
    shows (not the highest number): when a publisher goes back to an earlier text,
    that text is current again, and `_reverts` holds the change for its event.
    """
    con.execute(
        """
        CREATE TEMP TABLE _touched AS
        SELECT DISTINCT document_id FROM (
            SELECT document_id FROM _staged
            UNION ALL
            SELECT target_document_id FROM _resolved
        )
        """
    )
    _update_if_any(
        con,
        "_version_dates",
        """
        SELECT v.version_id, x.published
        FROM versions v
        JOIN (
            SELECT s.version_id, min(i.published_date) AS published
            FROM sightings s JOIN issues i ON i.issue_id = s.issue_id
            WHERE s.document_id IN (SELECT document_id FROM _touched)
            GROUP BY s.version_id
        ) x ON x.version_id = v.version_id
        WHERE x.published < v.first_published_date OR v.first_published_date IS NULL
        """,
        """
        UPDATE versions SET first_published_date = c.published
        FROM _version_dates c WHERE versions.version_id = c.version_id
        """,
    )
    _update_if_any(
        con,
        "_version_numbers",
        """
        SELECT version_id, number FROM (
            SELECT version_id, version_number, row_number() OVER (
                PARTITION BY document_id ORDER BY first_published_date NULLS LAST, version_number
            ) AS number
            FROM versions WHERE document_id IN (SELECT document_id FROM _touched)
        ) WHERE number <> version_number
        """,
        """
        UPDATE versions SET version_number = c.number
        FROM _version_numbers c WHERE versions.version_id = c.version_id
        """,
    )
    con.execute(
        """
        CREATE TEMP TABLE _document_changes AS
        WITH seen AS (
            -- the version each document shows in the newest publication that shows it: the
            -- publication's current file first, then its date, then when it was loaded last
            SELECT s.document_id, s.version_id
            FROM sightings s
            JOIN issues i ON i.issue_id = s.issue_id
            JOIN versions v ON v.version_id = s.version_id
            WHERE s.document_id IN (SELECT document_id FROM _touched)
            QUALIFY row_number() OVER (
                PARTITION BY s.document_id
                ORDER BY s.file_sha256 = i.loaded_file_sha256 DESC, i.published_date DESC NULLS LAST,
                         CASE WHEN s.file_sha256 = i.loaded_file_sha256 THEN i.loaded_at ELSE s.loaded_at END
                             DESC,
                         v.version_number DESC, s.position DESC
            ) = 1
        ), x AS (
            SELECT v.document_id,
                   coalesce(any_value(seen.version_id), arg_max(v.version_id, v.version_number))
                       AS latest_version_id,
                   count(*) AS version_count, min(v.first_published_date) AS first_published_date
            FROM versions v LEFT JOIN seen ON seen.document_id = v.document_id
            WHERE v.document_id IN (SELECT document_id FROM _touched) GROUP BY v.document_id
        ), f AS (
            SELECT * FROM _staged QUALIFY row_number() OVER (PARTITION BY document_id ORDER BY position) = 1
        ), st AS (
            SELECT document_id, status, as_of FROM document_status(?)
            WHERE document_id IN (SELECT document_id FROM _touched)
        )
        SELECT d.document_id, x.latest_version_id, x.version_count, x.first_published_date,
               coalesce(d.doc_number_issuer_code, f.doc_number_issuer_code) AS doc_number_issuer_code,
               coalesce(d.doc_number_year, f.doc_number_year) AS doc_number_year,
               coalesce(d.doc_number_serial, f.doc_number_serial) AS doc_number_serial,
               -- a revision loaded now is what the document says today (a revised order moves its
               -- 施行 date); otherwise the first values stay and later copies only fill gaps
               CASE WHEN n.newer THEN coalesce(f.doc_type, d.doc_type)
                    ELSE coalesce(d.doc_type, f.doc_type) END AS doc_type,
               CASE WHEN n.newer THEN coalesce(f.issued_date, d.issued_date)
                    ELSE coalesce(d.issued_date, f.issued_date) END AS issued_date,
               CASE WHEN n.newer THEN coalesce(f.effective_date, d.effective_date)
                    ELSE coalesce(d.effective_date, f.effective_date) END AS effective_date,
               CASE WHEN n.newer THEN coalesce(f.expiry_date, d.expiry_date)
                    ELSE coalesce(d.expiry_date, f.expiry_date) END AS expiry_date,
               CASE WHEN n.newer THEN coalesce(f.publication_note, d.publication_note)
                    ELSE coalesce(d.publication_note, f.publication_note) END AS publication_note,
               CASE WHEN n.newer THEN coalesce(f.is_public, d.is_public)
                    ELSE coalesce(d.is_public, f.is_public) END AS is_public,
               st.status, st.as_of
        FROM documents d
        JOIN x ON x.document_id = d.document_id
        JOIN st ON st.document_id = d.document_id
        LEFT JOIN f ON f.document_id = d.document_id
        CROSS JOIN LATERAL (
            SELECT coalesce(f.version_id = x.latest_version_id
                            AND d.latest_version_id IS DISTINCT FROM x.latest_version_id, false) AS newer
        ) n
        WHERE d.latest_version_id IS DISTINCT FROM x.latest_version_id
           OR d.version_count <> x.version_count
           OR d.first_published_date IS DISTINCT FROM x.first_published_date
           OR d.status IS DISTINCT FROM st.status
           OR d.status_as_of IS DISTINCT FROM st.as_of
           OR (f.document_id IS NOT NULL AND (
               (d.doc_type IS NULL AND f.doc_type IS NOT NULL)
               OR (d.issued_date IS NULL AND f.issued_date IS NOT NULL)
               OR (d.effective_date IS NULL AND f.effective_date IS NOT NULL)
               OR (d.expiry_date IS NULL AND f.expiry_date IS NOT NULL)
               OR (d.publication_note IS NULL AND f.publication_note IS NOT NULL)
               OR (d.is_public IS NULL AND f.is_public IS NOT NULL)
               OR (d.doc_number_issuer_code IS NULL AND f.doc_number_issuer_code IS NOT NULL)
               OR (d.doc_number_year IS NULL AND f.doc_number_year IS NOT NULL)
               OR (d.doc_number_serial IS NULL AND f.doc_number_serial IS NOT NULL)))
        """,
        [as_of],
    )
    # A current version that was already known is the publisher going back to an earlier text.
    con.execute(
        """
        CREATE TEMP TABLE _reverts AS
        SELECT c.document_id, d.latest_version_id AS from_version_id, c.latest_version_id AS to_version_id
        FROM _document_changes c JOIN documents d ON d.document_id = c.document_id
        WHERE d.latest_version_id IS NOT NULL AND d.latest_version_id <> c.latest_version_id
          AND c.latest_version_id NOT IN (SELECT version_id FROM _new_versions)
        """
    )
    if _count(con, "SELECT count(*) FROM _document_changes"):
        con.execute(
            """
        UPDATE documents
        SET latest_version_id = c.latest_version_id, version_count = c.version_count,
            first_published_date = c.first_published_date,
            doc_number_issuer_code = c.doc_number_issuer_code, doc_number_year = c.doc_number_year,
            doc_number_serial = c.doc_number_serial, doc_type = c.doc_type, issued_date = c.issued_date,
            effective_date = c.effective_date, expiry_date = c.expiry_date,
            publication_note = c.publication_note, is_public = c.is_public,
            status = c.status, status_as_of = c.as_of, updated_at = now() AT TIME ZONE 'UTC'
        FROM _document_changes c WHERE documents.document_id = c.document_id
        """
        )
    con.execute("DROP TABLE _document_changes")


def _record_events(
    con: duckdb.DuckDBPyConnection,
    issue: IssueRecord,
    sha: str,
    published: date | None,
    flow_run_id: str | None,
) -> int:
    """Append this load's events through the one events writer (warehouse.events.append_events)."""
    # Corrections are announced by the status pass, which knows the corrected document's state.
    links = link_events_sql(
        "r.relation <> 'corrects' AND (r.reference_id IN (SELECT reference_id FROM _resolved)"
        " OR r.source_document_id IN (SELECT document_id FROM _staged))"
    )
    con.execute(
        f"""
        CREATE TEMP TABLE _new_events AS
        SELECT 'new_document:' || n.document_id AS event_key, 'new_document' AS kind,
               n.document_id, n.version_id, NULL AS related_document_id, $issue_id AS issue_id,
               $source_id AS source_id, $published AS occurred_on,
               '新文件：' || n.title || coalesce('（' || n.doc_number || '）', '') AS summary,
               json_object('doc_number', n.doc_number, 'issuer', n.issuer, 'doc_type', n.doc_type) AS details,
               1 AS grp, lpad(CAST(n.position AS VARCHAR), 9, '0') AS sort_key
        FROM _new_documents n
        UNION ALL
        SELECT 'new_version:' || v.version_id, 'new_version', v.document_id, v.version_id, NULL,
               $issue_id, $source_id, $published,
               '新版本：' || d.title || coalesce('（' || d.doc_number || '）', '')
                   || ' 第' || vv.version_number || '版',
               json_object('version_number', vv.version_number, 'content_sha256', v.content_sha256),
               2, lpad(CAST(v.position AS VARCHAR), 9, '0')
        FROM _new_versions v
        JOIN versions vv ON vv.version_id = v.version_id
        JOIN documents d ON d.document_id = v.document_id
        WHERE v.version_id NOT IN (SELECT version_id FROM _new_documents)
        UNION ALL
        SELECT 'reverted:' || r.document_id || ':' || r.from_version_id || '->' || r.to_version_id
                   || ':' || $sha,
               'reverted', r.document_id, r.to_version_id, NULL, $issue_id, $source_id, $published,
               '恢复旧版：' || d.title || coalesce('（' || d.doc_number || '）', '')
                   || ' 第' || fv.version_number || '版 → 第' || tv.version_number || '版',
               json_object('from_version_id', r.from_version_id, 'from_version_number', fv.version_number,
                           'version_number', tv.version_number,
                           'diff_id', r.from_version_id || '->' || r.to_version_id),
               2, lpad('0', 9, '0')
        FROM _reverts r
        JOIN documents d ON d.document_id = r.document_id
        JOIN versions fv ON fv.version_id = r.from_version_id
        JOIN versions tv ON tv.version_id = r.to_version_id
        UNION ALL
        SELECT event_key, kind, document_id, version_id, related_document_id, $issue_id, $source_id,
               occurred_on, summary, details, 3, sort_key
        FROM ({links})
        UNION ALL
        SELECT 'extraction_problem:' || $sha || ':' || p.document_position || ':' || p.problem_key,
               'extraction_problem', s.document_id, s.version_id, NULL, $issue_id, $source_id, $published,
               '提取问题：' || s.title || '：' || p.problem,
               json_object('problem', p.problem, 'file_sha256', $sha, 'position', p.document_position),
               4, lpad(CAST(p.document_position AS VARCHAR), 9, '0')
        FROM _incoming_problems p
        JOIN _staged s ON s.position = p.document_position
        """,
        {"published": published, "sha": sha, "issue_id": issue.issue_id, "source_id": issue.source_id},
    )
    return append_events(con, "_new_events", flow_run_id=flow_run_id)
