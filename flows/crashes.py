"""Closing what a dead run left, in the warehouse and in Prefect, so that the two agree.

A run killed outright stays `running` in `flow_runs` and, when nothing watched its process
(`gazette monitor --once`, a worker killed with it), `Running` in Prefect too. The next
monitor run, holding the writer lock, closes the rows (warehouse/runs.py) and sets the same
runs to Crashed in Prefect. The warehouse is the record: when Prefect cannot be told (another
server, no API), the rows are closed anyway and a warning says so.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401 - Prefect reads its settings when first imported

# isort: split

import logging
import uuid

import duckdb
from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.exceptions import MissingContextError, ObjectNotFound
from prefect.states import Crashed

from warehouse.runs import CRASHED_NOTE, close_crashed_runs


def close_dead_runs(con: duckdb.DuckDBPyConnection, current_run_id: str) -> list[str]:
    """Close every run but `current_run_id` left `running` as crashed; return their ids."""
    dead = close_crashed_runs(con, current_run_id)
    if dead:
        crash_in_prefect(dead)
    return dead


def crash_in_prefect(run_ids: list[str]) -> list[str]:
    """Set the Prefect flow runs among `run_ids` that are not finished to Crashed; return those."""
    crashed = []
    try:
        with get_client(sync_client=True) as client:
            for run_id in run_ids:
                try:
                    run = client.read_flow_run(uuid.UUID(run_id))
                except (ValueError, ObjectNotFound):
                    continue  # not a Prefect run id, or a run of another Prefect server
                if run.state is None or not run.state.is_final():
                    client.set_flow_run_state(run.id, Crashed(message=CRASHED_NOTE), force=True)
                    crashed.append(run_id)
    except Exception as exc:  # the warehouse rows are closed; Prefect's view is a courtesy
        _logger().warning("could not mark dead runs %s crashed in Prefect: %s", run_ids, exc)
    return crashed


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)
