"""Events that do not come from loading an issue: a source or a file that failed.

A failure is part of the stream of changes like a new document: the digest and
the dashboard show it, so an operator learns that a gazette issue was missed
instead of reading "nothing new".
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime

import duckdb


def record_problem(
    con: duckdb.DuckDBPyConnection,
    *,
    source_id: str | None,
    issue_id: str | None,
    message: str,
    stage: str = "ingest",
    flow_run_id: str | None = None,
    traceback: str | None = None,
) -> bool:
    """Append an `extraction_problem` event unless the same problem is already recorded.

    The key is the problem itself (source, issue, message), so a file that
    keeps failing on every poll is one event, not one per poll; the runs that
    met it are in `flow_runs`. Returns True when a new event was appended.
    """
    fingerprint = hashlib.sha1(f"{source_id}|{issue_id}|{message}".encode()).hexdigest()[:16]
    event_key = f"problem:{stage}:{fingerprint}"
    summary = f"抓取/提取失败：{message}"[:500]
    before = con.execute("SELECT count(*) FROM events WHERE event_key = ?", [event_key]).fetchone()[0]
    if before:
        return False
    con.execute(
        """
        INSERT INTO events (event_id, event_key, kind, issue_id, source_id, occurred_on, recorded_at,
                            summary, details, flow_run_id)
        SELECT coalesce(max(event_id), 0) + 1, ?, 'extraction_problem', ?, ?, current_date, ?, ?, ?, ?
        FROM events
        """,
        [
            event_key,
            issue_id,
            source_id,
            datetime.now(UTC).replace(tzinfo=None),
            summary,
            json.dumps(
                {"stage": stage, "problem": message, **({"traceback": traceback} if traceback else {})},
                ensure_ascii=False,
            ),
            flow_run_id,
        ],
    )
    return True


def last_event_id(con: duckdb.DuckDBPyConnection) -> int:
    """The newest event's id: what a run remembers at its start to count what it added."""
    return int(con.execute("SELECT coalesce(max(event_id), 0) FROM events").fetchone()[0])


def events_since(con: duckdb.DuckDBPyConnection, after_event_id: int) -> Counter[str]:
    """Events recorded after `after_event_id`, counted by kind (new_document, new_version, repealed ...)."""
    rows = con.execute(
        "SELECT kind, count(*) FROM events WHERE event_id > ? GROUP BY kind", [after_event_id]
    ).fetchall()
    return Counter(dict(rows))
