"""Validity status as the calendar moves and as relations resolve, with the events that say so.

A document's status is a function of a date (`document_status(as_of)` in migration 008):
not_yet_in_force, in_force, amended, expired (有效期至 passed), superseded, repealed, each with
the document that caused it. This pass stores the status for `as_of` on every document and
appends the events subscribers need, each with an event_key that makes a rerun add nothing:

- repealed / amended / corrected: for every resolved link of that kind, whenever it resolved
  (a late-bound repeal is as much news as one loaded with its target). The keys are the
  loader's (`repealed:<target>:<source>`), so a repeal already announced at load is not
  announced twice. A supersession is a `repealed` event with details.relation = supersedes.
- expiring_soon: in force and expiring within `expiring_days` (30) days of as_of;
- expired: expired within the last `expiring_days` days. A backfilled document that expired
  years ago gets its status, not an alert.

Why 'corrected' is an event (migration 008 adds the kind): a subscriber following a document
must learn that a 更正 notice changed it; the notice's own new_document event is about the
notice, not about the corrected document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from warehouse.derived import store_statuses
from warehouse.events import append_events, link_events_sql
from warehouse.transactions import transaction

EXPIRING_SOON_DAYS = 30


@dataclass(frozen=True)
class StatusReport:
    """What one `refresh_status` pass changed."""

    as_of: date
    documents_changed: int = 0
    events_new: int = 0
    by_status: dict[str, int] | None = None  # how many documents have each status on as_of


_EVENTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _status_events AS
SELECT event_key, kind, document_id, version_id, related_document_id, issue_id, source_id, occurred_on,
       summary, details, 1 AS grp, sort_key
FROM ({link_events_sql("true")})
UNION ALL
SELECT CASE WHEN s.status = 'expired' THEN 'expired' ELSE 'expiring_soon' END
           || ':' || s.document_id || ':' || s.expiry_date AS event_key,
       CASE WHEN s.status = 'expired' THEN 'expired' ELSE 'expiring_soon' END AS kind,
       s.document_id, NULL AS version_id, NULL AS related_document_id, NULL AS issue_id, NULL AS source_id,
       s.expiry_date AS occurred_on,
       CASE WHEN s.status = 'expired' THEN '已失效：' ELSE '即将失效：' END || s.title
           || coalesce('（' || s.doc_number || '）', '') || '，有效期至 ' || s.expiry_date AS summary,
       json_object('expiry_date', s.expiry_date, 'as_of', CAST($as_of AS DATE)) AS details,
       2 AS grp, CAST(s.expiry_date AS VARCHAR) || s.document_id AS sort_key
FROM document_status($as_of) s
WHERE s.expiry_date IS NOT NULL
  AND ((s.status = 'expired' AND s.expiry_date >= CAST($as_of AS DATE) - CAST($days AS INTEGER))
       OR (s.status IN ('in_force', 'amended')
           AND s.expiry_date <= CAST($as_of AS DATE) + CAST($days AS INTEGER)))
"""


def refresh_status(
    con: duckdb.DuckDBPyConnection,
    as_of: date | None = None,
    *,
    flow_run_id: str | None = None,
    expiring_days: int = EXPIRING_SOON_DAYS,
) -> StatusReport:
    """Store every document's status for `as_of` (default today) and append the status events.

    One transaction (or the caller's); idempotent: the same day twice changes nothing.
    """
    day = as_of or date.today()
    with transaction(con):
        changed = store_statuses(con, day)
        con.execute(_EVENTS_SQL, {"as_of": day, "days": expiring_days})
        events = append_events(con, "_status_events", flow_run_id=flow_run_id)
        con.execute("DROP TABLE _status_events")
        by_status = dict(con.execute("SELECT status, count(*) FROM documents GROUP BY status").fetchall())
    return StatusReport(
        as_of=day, documents_changed=int(changed), events_new=int(events), by_status=by_status
    )


@dataclass(frozen=True)
class DocumentStatus:
    """One document's status on one date, with the document that caused it."""

    document_id: str
    doc_number: str | None
    title: str
    status: str
    as_of: date
    in_force_from: date | None
    expiry_date: date | None
    status_since: date | None
    # by name only: the row's first eight columns fill the fields above positionally
    caused_by: tuple[str, str | None, str] | None = field(kw_only=True)  # (document_id, doc_number, title)
    corrected_by: tuple[str, str | None, str] | None = field(kw_only=True)


def status_of(con: duckdb.DuckDBPyConnection, document_id: str, as_of: date) -> DocumentStatus:
    """The status of one document on `as_of` (works on a read-only snapshot)."""
    row = con.execute(
        """
        SELECT s.document_id, s.doc_number, s.title, s.status, s.as_of, s.in_force_from, s.expiry_date,
               s.status_since, b.document_id, b.doc_number, b.title, c.document_id, c.doc_number, c.title
        FROM document_status(?) s
        LEFT JOIN documents b ON b.document_id = s.status_by
        LEFT JOIN documents c ON c.document_id = s.corrected_by
        WHERE s.document_id = ?
        """,
        [as_of, document_id],
    ).fetchone()
    if row is None:
        raise LookupError(f"no document {document_id!r}")
    return DocumentStatus(
        *row[:8],
        caused_by=(row[8], row[9], row[10]) if row[8] else None,
        corrected_by=(row[11], row[12], row[13]) if row[11] else None,
    )
