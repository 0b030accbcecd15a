"""`backfill`: one source, a year range, its issues prepared in parallel and loaded by one writer.

Fetching and extracting (the slow, CPU- and network-bound part) run as `prepare`
tasks on a task runner: Prefect's ThreadPoolTaskRunner on this machine, or
prefect-dask's DaskTaskRunner when a Dask scheduler address is given (a
`dask.distributed` cluster; its workers need $GAZETTE_HOME on a shared disk).
The flow itself is the single writer: it records each fetch and loads each
result as it completes, since DuckDB allows one writing process.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from prefect import flow
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from extractors.listing import SourceConfig
from extractors.warc import WarcArchive
from flows.monitor import current_run_id, select_sources, warc_dir
from flows.summary import RunSummary, run_as_writer
from flows.tasks import prepare_task
from gazette import paths
from gazette.config import load_settings
from gazette.monitor import (
    INGEST_ERRORS,
    Crawler,
    PollReport,
    Publication,
    discover_publications,
    events_since,
    failed_outcome,
    last_event_id,
    load_prepared,
    loaded_sha256,
    polite_session,
    record_run_end,
    record_run_start,
    remember,
    remembered,
)
from warehouse.connect import open_warehouse


class BackfillError(ValueError):
    """The backfill cannot start: unknown source, empty year range."""


def task_runner_for(workers: int, dask_address: str | None = None) -> TaskRunner:
    """Threads on this machine by default; the Dask cluster at `dask_address` when one is given."""
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=max(1, workers))


def publication_year(publication: Publication) -> int | None:
    issue = publication.issue
    if issue.year:
        return issue.year
    if issue.published_date and issue.published_date[:4].isdigit():
        return int(issue.published_date[:4])
    return None


@flow(name="backfill", task_runner=ThreadPoolTaskRunner(max_workers=4))
def backfill(
    source: str,
    year_from: int,
    year_to: int,
    variables: dict[str, str] | None = None,
    progress: bool = True,
    wait_for_lock: float = 0.0,
) -> dict:
    """Ingest every publication of `source` dated `year_from`..`year_to` (inclusive), in parallel.

    Already-loaded publications cost one conditional request each and are not
    extracted again, so a backfill can be interrupted and rerun.
    """
    if year_from > year_to:
        raise BackfillError(f"empty year range {year_from}..{year_to}")
    settings = load_settings()
    home = paths.ensure_home(settings.home)
    run_id = current_run_id()
    summary = RunSummary(flow_name="backfill", flow_run_id=run_id)
    chosen, problems = select_sources(settings, [source], variables)
    if not chosen:
        raise BackfillError("; ".join(problems) or f"unknown source {source!r}")
    config = chosen[0]
    config.require_bound()

    def write() -> None:
        con = open_warehouse(paths.warehouse_path(home))
        try:
            record_run_start(
                con, run_id, "backfill", {"source": source, "year_from": year_from, "year_to": year_to}
            )
            first_event = last_event_id(con)
            report = PollReport(source_id=config.id, started_at=datetime.now(UTC))
            summary.reports.append(report)
            _backfill_locked(con, config, report, home, run_id, (year_from, year_to), progress)
            summary.events = events_since(con, first_event)
            record_run_end(con, run_id, summary.reports, summary.events)
        finally:
            con.close()

    return run_as_writer(summary, home, wait_for_lock, write)


def _backfill_locked(
    con: duckdb.DuckDBPyConnection,
    config: SourceConfig,
    report: PollReport,
    home: Path,
    run_id: str,
    years: tuple[int, int],
    show: bool,
) -> None:
    """Discover in the flow, prepare on the runner, record and load here as results arrive."""
    raw_dir = paths.raw_dir(home)
    archive_dir = warc_dir(home)
    with polite_session(config) as session:
        archive = WarcArchive(archive_dir)
        crawler = Crawler(con, session, raw_dir, config, report, archive=archive, flow_run_id=run_id)
        publications = [
            p
            for p in discover_publications(crawler)
            if (year := publication_year(p)) is not None and years[0] <= year <= years[1]
        ]
    total = len(publications)
    description = f"backfill {config.id} {years[0]}-{years[1]}: {total} publications"
    artifact_id = create_progress_artifact(0.0, key="backfill-progress", description=description)
    started = time.perf_counter()
    futures = {
        prepare_task.submit(
            config,
            publication,
            remembered(con, publication.url, raw_dir),
            loaded_sha256(con, publication.issue.issue_id),
            raw_dir,
            archive_dir,
        ): publication
        for publication in publications
    }
    done = 0
    columns = (TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not show, transient=False) as bar:
        bar_task = bar.add_task("backfill", total=total)
        for future in as_completed(list(futures)):
            publication = futures[future]
            try:
                prepared = future.result()
                remember(con, config.id, prepared.result, run_id)
                report.requests[str(prepared.result.status)] += 1
                outcome = load_prepared(con, prepared, run_id)
            except INGEST_ERRORS as exc:
                outcome = failed_outcome(con, publication, exc, run_id)
            report.outcomes.append(outcome)
            done += 1
            bar.advance(bar_task)
            update_progress_artifact(artifact_id, 100.0 * done / total)
    report.seconds["prepare+load"] += time.perf_counter() - started
    if total == 0:
        update_progress_artifact(artifact_id, 100.0)
