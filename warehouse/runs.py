"""`flow_runs`: one row per run of a writing flow, opened when it starts and closed when it ends.

A run that dies leaves its row `running`, visible as such; the row is the warehouse's
own record of what each run did, whatever orchestrator (or none) started it.

A killed run (SIGKILL, OOM, power) never closes its row, and nothing else would: so the
next writer, holding the writer lock (which proves nobody else is writing), closes every
row still `running` as `crashed`. And the snapshot is copied while its own run is still
`running`: the copy's row is completed inside the copy, so analysts see how it ended.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from core.clock import naive_utc
from core.vocabulary import EventKind, RunStatus


@dataclass
class RunTotals:
    """What a run did, in the columns of `flow_runs`."""

    issues_seen: int = 0
    issues_loaded: int = 0
    issues_unchanged: int = 0
    documents_new: int = 0
    versions_new: int = 0
    events_new: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)  # {"item": ..., "error": ...}


def record_run_start(
    con: duckdb.DuckDBPyConnection, flow_run_id: str, flow_name: str, parameters: dict[str, Any]
) -> None:
    """A `flow_runs` row in state running: a run that dies leaves it so, and is visible as such."""
    con.execute(
        """
        INSERT INTO flow_runs (flow_run_id, flow_name, started_at, status, parameters)
        VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (flow_run_id) DO UPDATE SET status = excluded.status, started_at = excluded.started_at
        """,
        [
            flow_run_id,
            flow_name,
            naive_utc(datetime.now(UTC)),
            RunStatus.RUNNING.value,
            json.dumps(parameters, default=str),
        ],
    )


def record_run_end(
    con: duckdb.DuckDBPyConnection,
    flow_run_id: str,
    totals: RunTotals,
    status: RunStatus = RunStatus.COMPLETED,
) -> None:
    """Close the run's row. A run that met failing items still `completed` (they are counted in
    `error_count` and listed in `errors`); `failed` is for a run that could not finish."""
    con.execute(
        """
        UPDATE flow_runs SET finished_at = ?, status = ?, issues_seen = ?, issues_loaded = ?,
            issues_unchanged = ?, documents_new = ?, versions_new = ?, events_new = ?, error_count = ?,
            errors = ?
        WHERE flow_run_id = ?
        """,
        [
            naive_utc(datetime.now(UTC)),
            status.value,
            totals.issues_seen,
            totals.issues_loaded,
            totals.issues_unchanged,
            totals.documents_new,
            totals.versions_new,
            totals.events_new,
            len(totals.errors),
            json.dumps(totals.errors, ensure_ascii=False),
            flow_run_id,
        ],
    )


CRASHED_NOTE = "the run died before closing its row (killed or lost power); closed by the next writer"


def close_crashed_runs(con: duckdb.DuckDBPyConnection, current_run_id: str | None = None) -> list[str]:
    """Mark every `running` row but `current_run_id` as `crashed`; return their ids.

    Call it only while holding the writer lock: then no other process is writing, so a
    row still `running` belongs to a run that died.
    """
    rows = con.execute(
        "SELECT flow_run_id, errors FROM flow_runs WHERE status = ? AND flow_run_id IS DISTINCT FROM ?",
        [RunStatus.RUNNING.value, current_run_id],
    ).fetchall()
    for run_id, errors in rows:
        listed = json.loads(errors) if errors else []
        listed.append({"item": "run", "error": CRASHED_NOTE})
        con.execute(
            "UPDATE flow_runs SET status = ?, finished_at = ?, error_count = ?, errors = ? "
            "WHERE flow_run_id = ?",
            [
                RunStatus.CRASHED.value,
                naive_utc(datetime.now(UTC)),
                len(listed),
                json.dumps(listed, ensure_ascii=False),
                run_id,
            ],
        )
    return [run_id for run_id, _ in rows]


def complete_in_copy(
    con: duckdb.DuckDBPyConnection, database: str, run_id: str, finished_at: datetime
) -> int:
    """In the copy `database`, close the publishing run's row as `completed`; rows changed (0 or 1).

    The snapshot is taken near the end of a run, before the run closes its row; the
    copy would otherwise show it running forever. Its counts of documents, versions,
    events and problems are taken from the events it recorded; the issue counts stay
    as the run recorded them (they are known only to the run itself).
    """
    table = f'"{database}".main.flow_runs'
    events = f'"{database}".main.events'
    changed = con.execute(
        f"""
        UPDATE {table} AS r SET status = ?, finished_at = ?,
            documents_new = (SELECT count(*) FROM {events} e
                             WHERE e.flow_run_id = r.flow_run_id AND e.kind = ?),
            versions_new = (SELECT count(*) FROM {events} e
                            WHERE e.flow_run_id = r.flow_run_id AND e.kind = ?),
            events_new = (SELECT count(*) FROM {events} e WHERE e.flow_run_id = r.flow_run_id),
            error_count = (SELECT count(*) FROM {events} e
                           WHERE e.flow_run_id = r.flow_run_id AND e.kind = ?)
        WHERE r.flow_run_id = ? AND r.status = ?
        """,
        [
            RunStatus.COMPLETED.value,
            finished_at,
            EventKind.NEW_DOCUMENT.value,
            EventKind.NEW_VERSION.value,
            EventKind.EXTRACTION_PROBLEM.value,
            run_id,
            RunStatus.RUNNING.value,
        ],
    ).fetchone()
    return int(changed[0]) if changed else 0
