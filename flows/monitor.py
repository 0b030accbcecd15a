"""The main job as Prefect flows: `monitor` (scheduled every 30 min) and `digest` (daily).

Both run the one pipeline (pipeline.run) with its stages wrapped as tasks (flows.tasks); this
module only adds what is Prefect's: the run's id, its log line, its summary artifact, and a
Failed state when the run could not do its job.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

import uuid
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.states import State

from core import paths
from core.config import load_settings
from core.vocabulary import RunStatus
from flows.digest_run import digest_outcome
from flows.tasks import TASK_STAGES, digest_task
from pipeline.report import RunSummary
from pipeline.run import RunFailed, run_as_writer, run_monitor
from warehouse.connect import open_warehouse
from warehouse.lock import WriterBusy, writer_lock


def current_run_id() -> str:
    """Prefect's flow-run id inside a flow; a fresh uuid when a stage runs outside one."""
    return str(flow_run.id or uuid.uuid4())


def report_run(summary: RunSummary) -> dict[str, Any]:
    """Log the run's headline, leave its markdown artifact, and fail the flow run if the run failed.

    A skipped run (another writer held the lock) leaves a warning and no artifact.
    """
    logger = get_run_logger()
    if summary.status == "skipped":
        logger.warning("; ".join(summary.notes))
        return summary.as_dict()
    logger.info(summary.headline())
    create_markdown_artifact(
        summary.markdown(), key=f"{summary.flow_name}-run-summary", description=summary.headline()
    )
    if summary.status == RunStatus.FAILED.value:
        reasons = "; ".join(f"{item}: {error}" for item, error in summary.failures) or "see the summary"
        raise RunFailed(f"{summary.flow_name} run failed: {reasons}", summary.as_dict())
    return summary.as_dict()


@flow(name="monitor", log_prints=False)
def monitor(
    sources: list[str] | None = None,
    variables: dict[str, str] | None = None,
    publish: bool = True,
    notify: bool = True,
    wait_for_lock: float = 0.0,
) -> dict[str, Any]:
    """Poll every enabled source, ingest what is new or changed, reconcile, publish, notify.

    A run with nothing new sends only conditional requests. While another run
    holds the writer lock, this one waits `wait_for_lock` seconds, then ends
    with status "skipped" without touching anything.
    """
    settings = load_settings()
    home = paths.ensure_home(settings.home)
    summary = RunSummary(flow_name="monitor", flow_run_id=current_run_id())
    try:
        run_as_writer(
            summary,
            home,
            wait_for_lock,
            lambda: run_monitor(
                summary,
                settings,
                home,
                sources,
                variables,
                publish=publish,
                notify=notify,
                stages=TASK_STAGES,
            ),
        )
    except Exception:
        summary.status = RunStatus.FAILED.value
        get_run_logger().error(summary.headline())
        raise
    return report_run(summary)


@flow(name="digest")
def digest() -> str | State:
    """Compose and send the subscribers' digests that are due (scheduled daily at 08:00 Asia/Shanghai).

    Ends Failed, with the reason in its state message and artifact, when it could not work.
    """
    settings = load_settings()
    home = paths.ensure_home(settings.home)
    try:
        with writer_lock(home, wait_seconds=600, holder=f"digest run {current_run_id()}"):
            con = open_warehouse(paths.warehouse_path(home))
            try:
                report = digest_task(con, settings)
            finally:
                con.close()
        return digest_outcome(report)
    except WriterBusy as exc:
        get_run_logger().warning(str(exc))
        return f"skipped: {exc}"
