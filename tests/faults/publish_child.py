"""One writer's run reduced to its end: close dead runs, open its own, publish, close it.

Run by tests/faults/test_kill_during_publish.py as `python publish_child.py HOME RUN_ID`;
the test SIGKILLs it at random moments of the publish. It prints `publishing` just before
the publish starts and `published <seconds>` when the run's row is closed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from warehouse.connect import open_warehouse
from warehouse.publish import publish
from warehouse.runs import RunTotals, close_crashed_runs, record_run_end, record_run_start


def main(home: Path, run_id: str) -> None:
    con = open_warehouse(home / "warehouse.duckdb")
    close_crashed_runs(con, run_id)
    record_run_start(con, run_id, "monitor", {})
    print("publishing", flush=True)
    started = time.perf_counter()
    publish(con, home, run_id)
    record_run_end(con, run_id, RunTotals())
    print(f"published {time.perf_counter() - started:.3f}", flush=True)
    con.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
