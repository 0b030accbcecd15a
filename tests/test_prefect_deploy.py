"""The README's deploy sequence on a real Prefect server: pool, deploy, worker, a run, the scheduler.

Nothing here is Prefect's test harness: a real `prefect server start` (SQLite in a temporary
PREFECT_HOME) on a free port, the `prefect` CLI exactly as docs/operations.md gives it, a
process worker, and the monitor deployment run against the live replica site. It proves that
the pinned Prefect/FastAPI/SQLAlchemy set agrees with itself (deploy used to fail with a 422,
and the scheduler never created a run under SQLAlchemy 2.1).

The scheduler's loop is shortened to 2 s and the worker polls every 2 s, so the test does not
wait a minute for either; nothing else differs from production.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).with_name("prefect"))
MONITOR = "monitor/monitor-every-30-min"
DIGEST = "digest/digest-daily-0800"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group the test started (server or worker and their children)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Operator:
    """The data server's shell: the environment of docs/operations.md and the `prefect` CLI."""

    def __init__(self, tmp: Path) -> None:
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.home = tmp / "gazette-home"
        self.logs = tmp / "logs"
        self.logs.mkdir()
        self.env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PREFECT_HOME": str(tmp / "prefect-home"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "GAZETTE_HOME": str(self.home),
        }
        self.processes: list[subprocess.Popen] = []

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [PREFECT, *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=180
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0 and "Traceback" not in output, f"prefect {' '.join(args)}:\n{output}"
        return output

    def start(self, name: str, *args: str) -> Path:
        log = self.logs / f"{name}.log"
        with log.open("w") as out:
            self.processes.append(
                subprocess.Popen(
                    [PREFECT, *args],
                    cwd=REPO,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        return log

    def wait_for_api(self, timeout: float = 150) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert self.processes[0].poll() is None, (self.logs / "server.log").read_text()
            time.sleep(0.5)
        raise AssertionError(f"no Prefect API after {timeout} s:\n{(self.logs / 'server.log').read_text()}")


@pytest.fixture
def operator(tmp_path: Path) -> Iterator[Operator]:
    op = Operator(tmp_path)
    op.start("server", "server", "start", "--host", "127.0.0.1", "--port", str(op.port))
    try:
        op.wait_for_api()
        yield op
    finally:
        for process in reversed(op.processes):
            _stop(process)


@contextmanager
def _client(operator: Operator) -> Iterator:
    """Prefect's own (synchronous) client, pointed at the operator's server."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings(updates={PREFECT_API_URL: operator.api_url}),
        get_client(sync_client=True) as client,
    ):
        yield client


def _wait_for(what: str, check, timeout: float, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(1)
    raise AssertionError(f"{what} not seen in {timeout} s" + (f":\n{log.read_text()[-4000:]}" if log else ""))


def test_pool_deploy_worker_run_and_the_scheduler_on_a_real_server(operator: Operator, replica_site) -> None:
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        ArtifactFilterKey,
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterId,
    )
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    # the documented sequence: the pool first, then the deployments, then a worker
    operator.run("work-pool", "create", "gazette-process", "--type", "process")
    deployed = operator.run("--no-prompt", "deploy", "--all")
    assert deployed.count("successfully created") == 3
    listed = operator.run("deployment", "ls")
    for name in (MONITOR, DIGEST, "backfill/backfill-on-demand"):
        assert name in listed
    worker_log = operator.start("worker", "worker", "start", "--pool", "gazette-process")

    # the monitor, run on demand; the replica's URL reaches the flow as a job variable (its env)
    triggered = operator.run(
        "deployment",
        "run",
        MONITOR,
        "--param",
        'sources=["replica"]',
        "--job-variable",
        "env=" + json.dumps({"REPLICA_URL": replica_site.base_url}),
    )
    run_id = next(line.split()[-1] for line in triggered.splitlines() if "UUID" in line)

    with _client(operator) as client:
        # the schedules of prefect.yaml are registered as such
        monitor = client.read_deployment_by_name(MONITOR)
        digest = client.read_deployment_by_name(DIGEST)
        (monitor_schedule,) = [s.schedule for s in monitor.schedules]
        (digest_schedule,) = [s.schedule for s in digest.schedules]
        assert isinstance(monitor_schedule, IntervalSchedule)
        assert monitor_schedule.interval == timedelta(minutes=30)
        assert monitor_schedule.timezone == "Asia/Shanghai"
        assert isinstance(digest_schedule, CronSchedule)
        assert (digest_schedule.cron, digest_schedule.timezone) == ("0 8 * * *", "Asia/Shanghai")

        # ... and the server's scheduler creates their runs by itself
        def scheduled(deployment):
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
            )
            return [run for run in runs if run.auto_scheduled] if len(runs) >= 3 else []

        monitor_runs = _wait_for("monitor runs created by the scheduler", lambda: scheduled(monitor), 90)
        digest_runs = _wait_for("digest runs created by the scheduler", lambda: scheduled(digest), 90)
        starts = sorted(run.expected_start_time for run in monitor_runs)
        assert {(b - a).total_seconds() for a, b in itertools.pairwise(starts)} == {1800.0}
        for run in digest_runs:  # 08:00 in Shanghai is midnight UTC
            at = run.expected_start_time.astimezone(UTC)
            assert (at.hour, at.minute) == (0, 0)

        # the run on demand is picked up by the worker and completes
        def finished():
            (run,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
            return run if run.state and run.state.is_final() else None

        run = _wait_for("the monitor run to finish", finished, 300, worker_log)
        assert run.state.is_completed(), f"{run.state!r}\n{worker_log.read_text()[-4000:]}"

        # its summary artifact reads back through Prefect's own client
        (artifact,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["monitor-run-summary"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]),
            )
        )
        assert artifact.type == "markdown" and str(run.id) in artifact.data
        assert "| replica |" in artifact.data

    # the warehouse changed, under the run's own id
    with duckdb.connect(str(operator.home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
        assert con.execute(
            "SELECT status FROM flow_runs WHERE flow_run_id = ?", [str(run.id)]
        ).fetchone() == ("completed",)
