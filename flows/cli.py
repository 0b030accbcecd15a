"""`gazette monitor` and `gazette backfill`: the flows from the terminal, on the ephemeral Prefect API.

With no PREFECT_API_URL, Prefect starts a temporary API for the run (a few
seconds) and stops it at exit; with one, runs are recorded on that server like
a deployment's. Either way the terminal gets a few readable lines, not
Prefect's per-task log, unless --verbose.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from core import paths
from core.console import make_console
from core.errors import GazetteError, UserInputError
from pipeline.report import result_lines
from pipeline.run import RunFailed
from pipeline.sources import parse_variables
from warehouse.connect import WarehouseDamaged, check_not_damaged

console = make_console()
err_console = make_console(stderr=True)


def _variables(pairs: list[str] | None) -> dict[str, str]:
    try:
        return parse_variables(pairs)
    except UserInputError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None


def _require_writable_home() -> None:
    """Fail in one line before Prefect starts: on an unwritable PREFECT_HOME it would time out,
    on a damaged warehouse the flow run would end in a traceback (the line names the restore)."""

    try:
        check_not_damaged(paths.warehouse_path(paths.ensure_home()))
    except (OSError, WarehouseDamaged) as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def _quiet_prefect(verbose: bool) -> None:
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def _print(result: dict[str, Any], notes: bool = True) -> int:
    """Print the run's lines literally (no Rich markup: a selector like a[href$='.pdf'] stays whole)."""
    for line in result_lines(result):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if notes and result["status"] != "skipped":
        for note in result["notes"]:
            console.print(f"  {note}", markup=False, highlight=False, soft_wrap=True)
    return 1 if result["failures"] or result["status"] == "failed" else 0


def monitor_command(
    once: Annotated[
        bool, typer.Option("--once", help="Run one monitor cycle now (ephemeral Prefect API).")
    ] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Poll only this source (repeatable).")
    ] = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Fill a ${NAME} of the source configs: NAME=VALUE.")
    ] = None,
    publish: Annotated[bool, typer.Option(help="Publish the snapshot and Parquet after the run.")] = True,
    notify: Annotated[bool, typer.Option(help="Hand new events to the digest.")] = True,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another run's writer lock.")] = 0.0,
    verbose: Annotated[bool, typer.Option(help="Show Prefect's own log (every task).")] = False,
) -> None:
    """Poll every enabled source, ingest what is new, reconcile, publish, notify (the Prefect flow).

    Scheduled runs come from `prefect deploy` (see docs/operations.md); `--once` runs
    a cycle here and now.
    """
    if not once:
        console.print(
            "use `gazette monitor --once` for one cycle now; schedules run with "
            "`prefect deploy` and a worker (docs/operations.md)"
        )
        raise typer.Exit(2)
    _require_writable_home()
    _quiet_prefect(verbose)
    from flows.monitor import monitor

    try:
        result = monitor(
            sources=source or None,
            variables=_variables(var),
            publish=publish,
            notify=notify,
            wait_for_lock=wait,
        )
    except RunFailed as exc:
        result = exc.result
    except GazetteError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    raise typer.Exit(_print(result))


def backfill_command(
    source: Annotated[str, typer.Argument(help="Source id (see `gazette sources`).")],
    year_from: Annotated[int, typer.Option("--from", help="First year (inclusive).")],
    year_to: Annotated[
        int | None, typer.Option("--to", help="Last year (inclusive; default: --from).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Parallel prepare tasks (threads).")] = 4,
    dask_address: Annotated[
        str | None,
        typer.Option(
            envvar="GAZETTE_DASK_ADDRESS", help="Dask scheduler (tcp://host:8786): run on that cluster."
        ),
    ] = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="Fill a ${NAME} of the source configs: NAME=VALUE.")
    ] = None,
    verbose: Annotated[bool, typer.Option(help="Show Prefect's own log (every task).")] = False,
) -> None:
    """Ingest a source's publications of a year range, in parallel, with a progress bar."""
    _require_writable_home()
    _quiet_prefect(verbose)
    from flows.backfill import backfill, task_runner_for

    runner = task_runner_for(workers, dask_address)
    try:
        result = backfill.with_options(task_runner=runner)(
            source=source, year_from=year_from, year_to=year_to or year_from, variables=_variables(var)
        )
    except RunFailed as exc:
        result = exc.result
    except GazetteError as exc:
        err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    raise typer.Exit(_print(result))
