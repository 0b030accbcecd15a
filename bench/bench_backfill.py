"""Backfill throughput of the sample issues with 1 and 2 workers: the ratio is the parallel speed-up.

    .venv/bin/python bench/bench_backfill.py [--workers 1 2 4]

Each run backfills every publication of the replica (2000-2030) into a fresh
$GAZETTE_HOME through the Prefect `backfill` flow with a ThreadPoolTaskRunner of
N workers. A warm-up run first starts Prefect's temporary API, so no figure
contains its start-up. Anchor: the 1-worker run of the same process.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from _replica import served_replica


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--quick", action="store_true", help="the same run: the replica is small already")
    args = parser.parse_args()
    with served_replica() as (url, scratch):
        os.environ["GAZETTE_HOME"] = str(scratch / "warmup")
        from flows.backfill import backfill, task_runner_for

        def run(workers: int, home: str) -> tuple[float, dict]:
            os.environ["GAZETTE_HOME"] = str(scratch / home)
            started = time.perf_counter()
            result = backfill.with_options(task_runner=task_runner_for(workers))(
                source="replica", year_from=2000, year_to=2030, variables={"REPLICA_URL": url}, progress=False
            )
            return time.perf_counter() - started, result

        run(1, "warmup")
        figures = {workers: run(workers, f"w{workers}") for workers in args.workers}
    anchor_seconds = figures[args.workers[0]][0]
    for workers, (seconds, result) in figures.items():
        rate = result["ingested"] / seconds
        print(
            f"{workers} worker(s): {result['ingested']} publications in {seconds:.2f} s = {rate:.2f}/s; "
            f"speed-up vs {args.workers[0]} worker(s): {anchor_seconds / seconds:.2f}x"
        )
    if len({result["ingested"] for _, result in figures.values()}) != 1:
        raise SystemExit("correctness: worker counts ingested different numbers of publications")
    most = args.workers[-1]
    print(
        "BENCH "
        + json.dumps(
            {
                "bench": "backfill",
                "figure": f"backfill, {most} workers",
                "value": figures[most][0],
                "anchor": f"backfill, {args.workers[0]} worker",
                "anchor_value": anchor_seconds,
                "unit": "s",
                "ratio": anchor_seconds / figures[most][0],
                "ratio_is": "speed-up",
            }
        )
    )


if __name__ == "__main__":
    main()
