"""`flow_runs`: one row per run of a writing flow, opened when it starts and closed when it ends.

A run that dies leaves its row `running`, visible as such; the row is the warehouse's
own record of what each run did, whatever orchestrator (or none) started it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from core.vocabulary import RunStatus
from warehouse.crawl import naive_utc


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
