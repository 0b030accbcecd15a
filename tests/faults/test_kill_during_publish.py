"""SIGKILL at 10 random points of publish: nothing left behind, no run left `running`.

A writer (tests/faults/publish_child.py) opens its run, publishes (search index, snapshot
copy, Parquet) and closes its run. Each trial kills it at a random moment of the publish,
from outside, as an OOM killer or a power cut would; the next trial's writer starts over
the same data directory. After the ten kills one run goes to the end. Then there is no
temporary file beside the snapshot, and no `running` row in the warehouse or its snapshot:
the killed runs read `crashed`, the last one `completed`. Fixed seed, so a failure replays.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples

from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.snapshot import snapshot_path

CHILD = Path(__file__).with_name("publish_child.py")
SEED = 20241129
KILLS = 10

pytestmark = pytest.mark.slow


def _start(home: Path, run_id: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(home), run_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "publishing", process.stderr.read()
    return process


def _finish(home: Path, run_id: str) -> float:
    process = _start(home, run_id)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return float(out.split()[-1])


def test_ten_kills_during_publish_leave_no_temporary_file_and_no_running_row(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    con = open_warehouse(home / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02(), today=date(2024, 2, 20))
    load_issue(con, *samples.issue_2024_03(), today=date(2024, 2, 20))
    con.close()
    # how long a publish takes here, now (the first one also builds the search index from scratch)
    duration = min(_finish(home, "reference-1"), _finish(home, "reference-2"))

    rng = random.Random(SEED)
    left_behind = 0
    expected = {"reference-1": "completed", "reference-2": "completed"}
    for trial in range(KILLS):
        process = _start(home, f"killed-{trial}")
        time.sleep(rng.uniform(0, 0.9 * duration))
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=60)
        # a publish that beat the kill closed its own row; every other one must end up crashed
        expected[f"killed-{trial}"] = "completed" if "published" in out else "crashed"
        left_behind += any(snapshot_path(home).parent.glob(".*.tmp*"))
    _finish(home, "last")
    expected["last"] = "completed"

    assert list(expected.values()).count("crashed") >= KILLS // 2, f"the kills mostly missed: {expected}"
    assert left_behind, "no kill landed while a temporary snapshot existed: the trials tested nothing"
    assert [p.name for p in snapshot_path(home).parent.iterdir()] == ["warehouse.duckdb"]
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as writer:
        runs = dict(writer.execute("SELECT flow_run_id, status FROM flow_runs").fetchall())
    assert runs == expected
    with duckdb.connect(str(snapshot_path(home)), read_only=True) as snapshot:
        assert snapshot.execute("SELECT count(*) FROM flow_runs WHERE status = 'running'").fetchone() == (0,)
        assert snapshot.execute("SELECT status FROM flow_runs WHERE flow_run_id = 'last'").fetchone() == (
            "completed",
        )
        assert snapshot.execute("SELECT count(*) FROM documents").fetchone()[0] > 0
