"""The reconcile stage the pipeline runs after loading: diffs, duplicates, series, relations, status.

Each step commits on its own. A step that fails is reported in `errors` and the
next steps still run (a document whose diff cannot be computed must not keep the
others' relations or statuses from being refreshed); the run then counts those
errors as failures. Every step is imported like any other code: a step that
cannot be imported breaks the stage at once, it is never skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from reconcile.documents import find_document_duplicates
from reconcile.relations import RelationsReport, resolve_relations
from reconcile.series import link_series
from reconcile.status import StatusReport, refresh_status
from reconcile.versions import compute_revision_diffs
from warehouse.transactions import transaction


@dataclass
class ReconcileReport:
    """What one reconcile pass did; `errors` holds one line per item that failed."""

    as_of: date
    diffs_computed: int = 0
    duplicates_new: int = 0
    series_links_new: int = 0
    relations: RelationsReport | None = None
    status: StatusReport | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line for the run's notes."""
        return (
            f"reconcile: diffs computed {self.diffs_computed}, duplicates new {self.duplicates_new}, "
            f"series links new {self.series_links_new}"
            + (f"; errors: {'; '.join(self.errors)}" if self.errors else "")
        )


def _step(name: str, report: ReconcileReport, step: Callable[[], Any]) -> Any:
    """Run one step; its failure is one line in `report.errors`, and the next steps still run."""
    try:
        return step()
    except Exception as exc:
        report.errors.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else repr(exc)}")
        return None


def reconcile(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> ReconcileReport:
    """Run every reconcile step over the whole warehouse; idempotent (a rerun adds nothing)."""
    report = ReconcileReport(as_of=as_of or date.today())
    diffs = compute_revision_diffs(con)
    report.diffs_computed, report.errors = diffs.computed, [*report.errors, *diffs.errors]

    def duplicates() -> int:
        with transaction(con):
            return find_document_duplicates(con)

    report.duplicates_new = _step("duplicates", report, duplicates) or 0
    series = link_series(con)
    report.series_links_new = series.links_new
    report.errors += series.errors
    report.relations = _step("relations", report, lambda: resolve_relations(con))
    report.status = _step("status", report, lambda: refresh_status(con, report.as_of))
    return report
