"""`backfill`: one source, a year range, its issues prepared in parallel and loaded by one writer.

The sequence is the pipeline's (pipeline.run.run_backfill); this flow adds the task runner
that prepares publications in parallel (Prefect's ThreadPoolTaskRunner on this machine, or
prefect-dask's DaskTaskRunner when a Dask scheduler address is given: a `dask.distributed`
cluster whose workers see $GAZETTE_HOME on a shared disk), a progress bar and a progress
artifact. The flow itself is the single writer, since DuckDB allows one writing process.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import flow
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core import paths
from core.config import load_settings
from core.errors import UserInputError
from extractors.listing import SourceConfig
from flows.monitor import current_run_id, report_run
from flows.tasks import prepare_task
from pipeline.report import Publication, RunSummary
from pipeline.run import PrepareAll, PrepareJob, run_as_writer, run_backfill, warc_dir
from pipeline.sources import select_sources


class BackfillError(UserInputError):
    """The backfill cannot start: unknown source, empty year range."""


def task_runner_for(workers: int, dask_address: str | None = None) -> TaskRunner[Any]:
    """Threads on this machine by default; the Dask cluster at `dask_address` when one is given.

    `TaskRunner[Any]`: the two runners make different futures, and Prefect's own parameter type
    (`TaskRunner[PrefectFuture[Any]]`, invariant) would accept neither by name.
    """
    if dask_address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=dask_address)
    return ThreadPoolTaskRunner(max_workers=max(1, workers))


def prepare_on_runner(source: SourceConfig, home: Path) -> PrepareAll:
    """`prepare_all` for the pipeline: one `prepare` task per publication on the flow's task runner."""

    def prepare_all(
        jobs: list[PrepareJob],
    ) -> Iterator[tuple[Publication, Any]]:
        futures = {
            prepare_task.submit(
                source, publication, memory, last_loaded, paths.raw_dir(home), warc_dir(home)
            ): publication
            for publication, memory, last_loaded in jobs
        }
        for future in as_completed(list(futures)):
            try:
                yield futures[future], future.result()
            except Exception as exc:
                yield futures[future], exc

    return prepare_all


@flow(name="backfill", task_runner=task_runner_for(4))
def backfill(
    source: str,
    year_from: int,
    year_to: int,
    variables: dict[str, str] | None = None,
    progress: bool = True,
    wait_for_lock: float = 0.0,
) -> dict[str, Any]:
    """Ingest every publication of `source` dated `year_from`..`year_to` (inclusive), in parallel."""
    if year_from > year_to:
        raise BackfillError(f"empty year range {year_from}..{year_to}")
    settings = load_settings()
    home = paths.ensure_home(settings.home)
    summary = RunSummary(flow_name="backfill", flow_run_id=current_run_id())
    chosen, problems = select_sources(settings, [source], variables)
    if not chosen:
        raise BackfillError("; ".join(problems) or f"unknown source {source!r}")
    config = chosen[0]
    config.require_bound()
    description = f"backfill {config.id} {year_from}-{year_to}"
    artifact_id = create_progress_artifact(0.0, key="backfill-progress", description=description)
    if not isinstance(artifact_id, UUID):  # Prefect returns a coroutine only in an async context
        raise TypeError("backfill is a sync flow: create_progress_artifact returned a coroutine")
    columns = (TextColumn("backfill"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not progress, transient=False) as bar:
        bar_task = bar.add_task("backfill", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(bar_task, completed=done, total=total)
            update_progress_artifact(artifact_id, 100.0 * done / total)

        run_as_writer(
            summary,
            home,
            wait_for_lock,
            lambda: run_backfill(
                summary, home, config, (year_from, year_to), prepare_on_runner(config, home), advance
            ),
        )
    update_progress_artifact(artifact_id, 100.0)
    return report_run(summary)
