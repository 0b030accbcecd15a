"""Keeping document statuses current: the loader-side name for `reconcile.status.refresh_status`.

Statuses, their causes and the status events (repealed, amended, corrected, expiring_soon,
expired) are reconciliation's job and live in `reconcile.status`; this module keeps the
warehouse's original entry point and result type for the flows and scripts that call it.
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
    """Recompute every document's status for `today`; append status events; one transaction."""
    from reconcile.status import refresh_status as reconcile_refresh

    report = reconcile_refresh(con, today, flow_run_id=flow_run_id, expiring_days=expiring_days)
    return StatusRefresh(documents_changed=report.documents_changed, events_new=report.events_new)
