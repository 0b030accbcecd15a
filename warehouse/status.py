"""Keeping document statuses current as the calendar moves, with the events that says so.

A document's status is a function of a date (see the `document_status`
macro). Loads update the documents they touch; this daily pass updates all
others and records `expired` and `expiring_soon` events, each once per
document and expiry date, so a rerun on the same day adds nothing. Only
expiries of the last `expiring_days` days are news: a backfilled document
that expired years ago gets its status, not an alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

EXPIRING_SOON_DAYS = 30


@dataclass(frozen=True)
class StatusRefresh:
    documents_changed: int
    events_new: int


def refresh_status(
    con: duckdb.DuckDBPyConnection,
    today: date | None = None,
    flow_run_id: str | None = None,
    expiring_days: int = EXPIRING_SOON_DAYS,
) -> StatusRefresh:
    """Recompute every document's status for `today`; append expiry events; one transaction."""
    as_of = today or date.today()
    con.execute("BEGIN TRANSACTION")
    try:
        changed = con.execute(
            """
            UPDATE documents d
            SET status = s.status, status_as_of = s.as_of, updated_at = now() AT TIME ZONE 'UTC'
            FROM document_status(?) s
            WHERE d.document_id = s.document_id
              AND (d.status IS DISTINCT FROM s.status OR d.status_as_of IS DISTINCT FROM s.as_of)
            """,
            [as_of],
        ).fetchone()[0]
        events = con.execute(
            """
            INSERT INTO events (event_id, event_key, kind, document_id, occurred_on, summary, details,
                                flow_run_id,
                                recorded_at)
            SELECT (SELECT coalesce(max(event_id), 0) FROM events)
                       + row_number() OVER (ORDER BY c.expiry_date, c.event_key),
                   c.event_key, c.kind, c.document_id, c.expiry_date, c.summary,
                   json_object('expiry_date', c.expiry_date, 'as_of', $as_of), $flow_run_id,
                   now() AT TIME ZONE 'UTC'
            FROM (
                SELECT kind || ':' || document_id || ':' || expiry_date AS event_key, * FROM (
                    SELECT CASE WHEN s.status = 'expired' THEN 'expired' ELSE 'expiring_soon' END AS kind,
                           s.document_id, s.expiry_date,
                           CASE WHEN s.status = 'expired' THEN '已失效：' ELSE '即将失效：' END || s.title
                               || coalesce('（' || s.doc_number || '）', '')
                               || '，有效期至 ' || s.expiry_date AS summary
                    FROM document_status($as_of) s
                    WHERE s.expiry_date IS NOT NULL
                      AND ((s.status = 'expired'
                            AND s.expiry_date >= CAST($as_of AS DATE) - CAST($days AS INTEGER))
                           OR (s.status IN ('in_force', 'amended')
                               AND s.expiry_date <= CAST($as_of AS DATE) + CAST($days AS INTEGER)))
                )
            ) c
            WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = c.event_key)
            """,
            {"as_of": as_of, "days": expiring_days, "flow_run_id": flow_run_id},
        ).fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return StatusRefresh(documents_changed=int(changed), events_new=int(events))
