"""The main job as Prefect flows: `monitor` (scheduled every 30 min) and `digest` (daily).

monitor = for every enabled source: discover → ingest_issue per publication
(fetch, extract, load) → reconcile → publish snapshot + Parquet → hand the new
events to the digest. The stage functions know nothing of Prefect; this module
only decides what runs as a task, what is retried, and what is reported.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from extractors.listing import SourceConfig, SourceConfigError, load_sources
from extractors.warc import WarcArchive
from flows.lock import WriterBusy, writer_lock
from flows.summary import RunSummary, run_as_writer
from flows.tasks import discover_task, extract_task, fetch_task, load_task
from gazette import paths
from gazette.config import Settings, load_settings
from gazette.monitor import (
    INGEST_ERRORS,
    Crawler,
    Outcome,
    PollReport,
    Publication,
    events_since,
    failed_outcome,
    last_event_id,
    loaded_sha256,
    polite_session,
    record_run_end,
    record_run_start,
)
from notify.digest import send_due_digests
from reconcile.pipeline import reconcile
from warehouse.connect import open_warehouse
from warehouse.events import record_problem
from warehouse.publish import publish

WARC_DIR = "warc"


def warc_dir(home: Path) -> Path:
    return home / WARC_DIR


def current_run_id() -> str:
    """Prefect's flow-run id inside a flow; a fresh uuid when a stage runs outside one."""
    return str(flow_run.id or uuid.uuid4())


def select_sources(
    settings: Settings, wanted: list[str] | None, variables: dict[str, str] | None
) -> tuple[list[SourceConfig], list[str]]:
    """The sources to poll, bound to `variables` (then the environment), and config problems found.

    Named sources are polled even when disabled (an operator asked for them);
    otherwise the enabled ones: `enabled_sources` of config.yaml, else the YAMLs' own flag.
    """
    problems: list[str] = []
    known: dict[str, SourceConfig] = {}
    for directory in settings.source_dirs:
        try:
            for source in load_sources(directory, variables, on_error=lambda exc: problems.append(str(exc))):
                known[source.id] = source
        except SourceConfigError as exc:
            problems.append(str(exc))
    if wanted:
        missing = [name for name in wanted if name not in known]
        problems += [f"unknown source {name!r} (known: {sorted(known)})" for name in missing]
        return [known[name] for name in wanted if name in known], problems
    if settings.enabled_sources:
        return [known[name] for name in settings.enabled_sources if name in known], problems
    return [source for source in known.values() if source.enabled], problems


def ingest_issue(crawler: Crawler, publication: Publication) -> Outcome:
    """Fetch (once), extract and load one publication as three tasks; a failure is its outcome only.

    Network faults are retried by the fetch task with exponential backoff; what still
    fails is recorded as an `extraction_problem` event and counted in the run summary,
    and the next publication goes on.
    """
    con = crawler.con
    try:
        fetched = fetch_task(crawler, publication)
        with crawler._timed("extract"):
            prepared = extract_task(publication, fetched, loaded_sha256(con, publication.issue.issue_id))
        with crawler._timed("load"):
            return load_task(con, prepared, crawler.flow_run_id)
    except INGEST_ERRORS as exc:
        return failed_outcome(con, publication, exc, crawler.flow_run_id)


def poll_source_flowwise(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, home: Path, run_id: str
) -> PollReport:
    """The Prefect-task version of `gazette.monitor.poll_source`: same report, tasks per stage."""
    report = PollReport(source_id=source.id, started_at=datetime.now(UTC))
    try:
        source.require_bound()
    except SourceConfigError as exc:
        report.errors.append(str(exc))
        return report
    with polite_session(source) as session:
        crawler = Crawler(
            con,
            session,
            paths.raw_dir(home),
            source,
            report,
            archive=WarcArchive(warc_dir(home)),
            flow_run_id=run_id,
        )
        try:
            publications = discover_task(crawler)
        except INGEST_ERRORS as exc:
            report.errors.append(f"{source.id}: listing failed: {exc}")
            record_problem(
                con, source_id=source.id, issue_id=None, message=report.errors[-1], flow_run_id=run_id
            )
            return report
        for publication in publications:
            report.outcomes.append(ingest_issue(crawler, publication))
    return report


@task(name="reconcile", cache_policy=NO_CACHE)
def reconcile_task(con: duckdb.DuckDBPyConnection) -> str:
    """Identity, versions, relations and statuses across everything loaded (reconcile/pipeline.py)."""
    report = reconcile(con)
    facts = [
        f"{name.replace('_', ' ')} {getattr(report, name)}"
        for name in ("diffs_computed", "duplicates_new", "series_links_new")
        if hasattr(report, name)
    ]
    errors = list(getattr(report, "errors", []) or [])
    return "reconcile: " + ", ".join(facts) + (f"; errors: {'; '.join(errors)}" if errors else "")


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(con: duckdb.DuckDBPyConnection, home: Path) -> Path:
    """Search index, then the read-only snapshot for analysts and the Parquet export made from it."""
    return publish(con, home).snapshot


@task(name="digest", cache_policy=NO_CACHE)
def digest_task(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """Hand the new events to the digest: queue matches, send what is due (notify.digest)."""
    return send_due_digests(con, settings).summary()


@contextmanager
def _stage(summary: RunSummary, name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        summary.seconds[name] += time.perf_counter() - start


@flow(name="monitor", log_prints=False)
def monitor(
    sources: list[str] | None = None,
    variables: dict[str, str] | None = None,
    publish: bool = True,
    notify: bool = True,
    wait_for_lock: float = 0.0,
) -> dict:
    """Poll every enabled source, ingest what is new or changed, reconcile, publish, notify.

    A run with nothing new sends only conditional requests. While another run
    holds the writer lock, this one waits `wait_for_lock` seconds, then ends
    with status "skipped" without touching anything.
    """
    settings = load_settings()
    home = paths.ensure_home(settings.home)
    summary = RunSummary(flow_name="monitor", flow_run_id=current_run_id())
    return run_as_writer(
        summary,
        home,
        wait_for_lock,
        lambda: _monitor_locked(summary, settings, home, sources, variables, publish=publish, notify=notify),
    )


def _monitor_locked(
    summary: RunSummary,
    settings: Settings,
    home: Path,
    wanted: list[str] | None,
    variables: dict[str, str] | None,
    *,
    publish: bool,
    notify: bool,
) -> None:
    chosen, problems = select_sources(settings, wanted, variables)
    summary.notes += problems
    con = open_warehouse(paths.warehouse_path(home))
    try:
        record_run_start(
            con,
            summary.flow_run_id,
            "monitor",
            {"sources": wanted, "publish": publish, "notify": notify},
        )
        first_event = last_event_id(con)
        try:
            for source in chosen:
                summary.reports.append(poll_source_flowwise(con, source, home, summary.flow_run_id))
            with _stage(summary, "reconcile"):
                summary.notes.append(reconcile_task(con))
            summary.events = events_since(con, first_event)
            if publish:
                with _stage(summary, "publish"):
                    summary.notes.append(f"snapshot published: {publish_task(con, home)}")
            if notify:
                with _stage(summary, "digest"):
                    summary.notes.append(digest_task(con, settings))
        except Exception as exc:
            summary.status = "failed"
            summary.events = events_since(con, first_event)
            record_run_end(
                con,
                summary.flow_run_id,
                summary.reports,
                summary.events,
                extra_errors=[{"item": "run", "error": str(exc)}],
                status="failed",
            )
            raise
        record_run_end(
            con,
            summary.flow_run_id,
            summary.reports,
            summary.events,
            extra_errors=[{"item": "config", "error": note} for note in problems],
        )
    finally:
        con.close()


@flow(name="digest")
def digest() -> str:
    """Compose and send the subscribers' digests that are due (scheduled daily at 08:00 Asia/Shanghai)."""
    settings = load_settings()
    home = paths.ensure_home(settings.home)
    try:
        with writer_lock(home, wait_seconds=600, holder=f"digest run {current_run_id()}"):
            con = open_warehouse(paths.warehouse_path(home))
            try:
                return digest_task(con, settings)
            finally:
                con.close()
    except WriterBusy as exc:
        get_run_logger().warning(str(exc))
        return f"skipped: {exc}"
