"""The reconcile stage the flows run after loading: versions' diffs, duplicates, series, relations, status.

Each step commits on its own and reports its failures instead of raising:
a document whose diff cannot be computed must not keep the others' relations
or statuses from being refreshed. Relations and status belong to
`reconcile.relations` and `reconcile.status`; they are imported when called,
so that this stage runs (with a logged warning) in a tree that lacks them.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from reconcile.documents import find_document_duplicates
from reconcile.series import link_series
from reconcile.versions import compute_revision_diffs

log = logging.getLogger(__name__)


@dataclass
class ReconcileReport:
    """What one reconcile pass did; `errors` holds one line per item that failed."""

    as_of: date
    diffs_computed: int = 0
    duplicates_new: int = 0
    series_links_new: int = 0
    relations: Any = None  # reconcile.relations.RelationsReport, when that step ran
    status: Any = None  # reconcile.status.StatusReport, when that step ran
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _optional_step(module: str, function: str, report: ReconcileReport, *args: Any) -> Any:
    try:
        step = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        log.warning("reconcile: %s.%s is not available (%s); step skipped", module, function, exc)
        report.skipped.append(f"{module}.{function}")
        return None
    try:
        return step(*args)
    except Exception as exc:
        report.errors.append(f"{module}.{function}: {str(exc).splitlines()[0] if str(exc) else exc!r}")
        return None


def reconcile(con: duckdb.DuckDBPyConnection, as_of: date | None = None) -> ReconcileReport:
    """Run every reconcile step over the whole warehouse; idempotent (a rerun adds nothing)."""
    report = ReconcileReport(as_of=as_of or date.today())
    diffs = compute_revision_diffs(con)
    report.diffs_computed, report.errors = diffs.computed, [*report.errors, *diffs.errors]
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            report.duplicates_new = find_document_duplicates(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    except Exception as exc:
        report.errors.append(f"duplicates: {str(exc).splitlines()[0] if str(exc) else exc!r}")
    series = link_series(con)
    report.series_links_new = series.links_new
    report.errors += series.errors
    report.relations = _optional_step("reconcile.relations", "resolve_relations", report, con)
    report.status = _optional_step("reconcile.status", "refresh_status", report, con, report.as_of)
    return report
