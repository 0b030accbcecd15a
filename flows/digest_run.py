"""How a digest run ends: its report as an artifact, and Failed (with the reason) when it could not work.

A scheduled digest that built nothing because the signing secret is missing from the
worker's environment, or whose digests were refused, must not end Completed: the
operator reads the state message in the UI and the `digest-run-summary` artifact.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.states import Failed, State

from notify.digest import DigestRunReport


def digest_outcome(report: DigestRunReport) -> str | State:
    """The flow's return value: the summary line, or a Failed state whose message says why."""
    create_markdown_artifact(report.markdown(), key="digest-run-summary", description=report.summary())
    if report.ok:
        get_run_logger().info(report.summary())
        return report.summary()
    reason = report.failure_reason()
    get_run_logger().error("digest run failed: %s", reason)
    return Failed(message=f"digest run failed: {reason}")
