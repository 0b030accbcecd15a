"""The one pipeline (pipeline.run) run without Prefect, as `gazette monitor --once` runs it inside a flow.

Failures are never silent: an unexpected error fails its publication alone and keeps its
traceback; a reconcile step that fails is a failure of the run; a configuration that leaves
nothing to poll fails the run.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from core.config import Settings
from extractors.fetch import new_session
from pipeline.report import RunSummary
from pipeline.run import PLAIN, poll_source, run_monitor
from reconcile import pipeline as reconcile_pipeline
from reconcile.pipeline import ReconcileReport, reconcile
from warehouse.connect import open_warehouse

SOURCES = Path(__file__).resolve().parent.parent / "core" / "sources"


def test_an_unexpected_error_fails_its_publication_alone_and_keeps_its_traceback(
    replica_site, tmp_path
) -> None:
    def extract(publication, fetched, last_loaded):
        if publication.issue.kind == "compilation":
            raise ZeroDivisionError("a reader bug met on one odd file")
        return PLAIN.extract(publication, fetched, last_loaded)

    con = open_warehouse(tmp_path / "warehouse.duckdb")
    with new_session() as session:
        report = poll_source(
            con, replica_site.source(), session, tmp_path / "raw", stages=replace(PLAIN, extract=extract)
        )

    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.publication.issue.kind for o in failed] == ["compilation"]
    assert failed[0].error == "unexpected ZeroDivisionError: a reader bug met on one odd file"
    assert report.count("ingested") == len(report.outcomes) - 1
    (details,) = con.execute(
        "SELECT details FROM events WHERE kind = 'extraction_problem'"
        " AND (details->>'$.problem') LIKE '%Zero%'"
    ).fetchone()
    assert "Traceback" in json.loads(details)["traceback"]
    con.close()


def test_a_reconcile_step_that_fails_is_reported_not_skipped(tmp_path, monkeypatch) -> None:
    def broken(con, as_of=None):
        raise RuntimeError("status step cannot run")

    monkeypatch.setattr(reconcile_pipeline, "refresh_status", broken)
    con = open_warehouse(tmp_path / "warehouse.duckdb")

    report = reconcile(con, date(2024, 3, 1))

    assert not report.ok
    assert report.errors == ["status: status step cannot run"]
    con.close()


def _settings(home: Path) -> Settings:
    return Settings(home=home, source_dirs=[SOURCES])


def test_reconcile_errors_are_failures_of_the_run(replica_site, tmp_path) -> None:
    def reconcile_with_error(con):
        return ReconcileReport(as_of=date(2024, 3, 1), errors=["relations: index missing"])

    summary = RunSummary(flow_name="monitor", flow_run_id="test-run")
    run_monitor(
        summary,
        _settings(tmp_path),
        tmp_path,
        ["replica"],
        {"REPLICA_URL": replica_site.base_url},
        publish=False,
        notify=False,
        stages=replace(PLAIN, reconcile=reconcile_with_error),
    )

    assert ("reconcile", "relations: index missing") in summary.failures
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    status, errors = con.execute(
        "SELECT status, errors FROM flow_runs WHERE flow_run_id = 'test-run'"
    ).fetchone()
    con.close()
    assert status == "completed"  # it did its job, with a failure listed
    assert "relations: index missing" in errors


@pytest.mark.parametrize(
    ("wanted", "variables", "reason"),
    [
        (["no-such-source"], {}, "unknown source 'no-such-source'"),
        (["replica"], {}, "${REPLICA_URL} not set"),
    ],
)
def test_a_run_that_polls_nothing_because_of_configuration_fails(tmp_path, wanted, variables, reason) -> None:
    summary = RunSummary(flow_name="monitor", flow_run_id="config-run")

    run_monitor(summary, _settings(tmp_path), tmp_path, wanted, variables, publish=False, notify=False)

    assert summary.status == "failed"
    assert any(reason in error for _, error in summary.failures)
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    assert con.execute("SELECT status FROM flow_runs WHERE flow_run_id = 'config-run'").fetchone() == (
        "failed",
    )
    con.close()


def test_a_digest_that_cannot_build_is_a_failure_of_the_run(replica_site, tmp_path, monkeypatch) -> None:
    from notify.subscribers import add_subscriber, validate_spec

    monkeypatch.delenv("GAZETTE_UNSUBSCRIBE_SECRET", raising=False)
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    add_subscriber(con, validate_spec({"email": "wang@example.org", "keywords": "营商环境"}))
    con.close()
    summary = RunSummary(flow_name="monitor", flow_run_id="digest-run")

    run_monitor(
        summary,
        _settings(tmp_path),
        tmp_path,
        ["replica"],
        {"REPLICA_URL": replica_site.base_url},
        publish=False,
    )

    (reason,) = [error for item, error in summary.failures if item == "digest"]
    assert "no digest built for 1 subscriber(s)" in reason and "GAZETTE_UNSUBSCRIBE_SECRET" in reason
