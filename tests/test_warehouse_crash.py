"""A load killed with SIGKILL mid-transaction leaves no trace; the rerun equals an uninterrupted load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples

from warehouse.connect import open_warehouse
from warehouse.load import load_issue

TODAY = date(2024, 2, 20)

# Loads 2024 No. 2, then starts 2024 No. 3 and stops at the given stage, inside the transaction,
# until the test kills it.
CHILD = """
import sys, time
from datetime import date
import sample_loads as samples
from warehouse.connect import open_warehouse
from warehouse.load import load_issue

path, stop_at = sys.argv[1], sys.argv[2]
con = open_warehouse(path)
load_issue(con, *samples.issue_2024_02(), today=date(2024, 2, 20))

def pause(stage):
    if stage == stop_at:
        print("paused", stage, flush=True)
        time.sleep(120)

load_issue(con, *samples.issue_2024_03(), today=date(2024, 2, 20), on_stage=pause)
print("finished", flush=True)
"""


def comparable_state(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Every row of every table, without the wall-clock columns that differ between two runs."""
    state = {}
    tables = [
        r[0]
        for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    ]
    for table in tables:
        columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() "
                "WHERE table_name = ? AND data_type NOT LIKE 'TIMESTAMP%' ORDER BY column_index",
                [table],
            ).fetchall()
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        state[table] = con.execute(f"SELECT {select} FROM {table} ORDER BY ALL").fetchall()
    return state


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    con = open_warehouse(tmp_path_factory.mktemp("reference") / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    load_issue(con, *samples.issue_2024_03(), today=TODAY)
    return comparable_state(con)


@pytest.mark.parametrize("stage", ["versions", "events", "commit"])
def test_a_load_killed_mid_transaction_reruns_to_the_same_warehouse(
    tmp_path: Path, stage: str, uninterrupted: dict[str, list]
) -> None:
    path = tmp_path / "warehouse.duckdb"
    here = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent), str(here)])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), stage], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == f"paused {stage}"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()

    con = open_warehouse(path)
    issues_after_crash = con.execute("SELECT issue_id FROM issues ORDER BY issue_id").fetchall()
    assert issues_after_crash == [("nx-2024-02",)]  # nothing of the killed load survived
    result = load_issue(con, *samples.issue_2024_03(), today=TODAY)
    assert not result.unchanged
    assert comparable_state(con) == uninterrupted
