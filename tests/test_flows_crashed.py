"""A run that died is closed as crashed by the next one, in the warehouse and in Prefect alike.

Real Prefect (a temporary API for the module) and a real DuckDB file. Slow: the API takes
seconds to start.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from warehouse.connect import open_warehouse
from warehouse.runs import record_run_start

pytestmark = pytest.mark.slow


def test_a_dead_run_reads_crashed_in_flow_runs_and_in_prefect(prefect_api, tmp_path: Path) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.states import Completed, Running

    from flows.crashes import close_dead_runs

    @flow(name="monitor")
    def victim() -> None:
        """Stands for a monitor run whose process was killed while Running."""

    with get_client(sync_client=True) as client:
        dead = client.create_flow_run(victim, state=Running())
        finished = client.create_flow_run(victim, state=Completed())
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    outside = str(uuid.uuid4())  # a run id Prefect never heard of (a plain run outside a flow)
    for run_id in (str(dead.id), str(finished.id), outside, "current"):
        record_run_start(con, run_id, "monitor", {})

    closed = close_dead_runs(con, "current")

    assert sorted(closed) == sorted([str(dead.id), str(finished.id), outside])
    rows = dict(con.execute("SELECT flow_run_id, status FROM flow_runs").fetchall())
    assert rows == {
        str(dead.id): "crashed",
        str(finished.id): "crashed",
        outside: "crashed",
        "current": "running",
    }
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(dead.id).state.is_crashed()
        assert client.read_flow_run(dead.id).state.message.startswith("the run died")
        assert client.read_flow_run(finished.id).state.is_completed()  # a final state is never rewritten
