"""No-change poll of the replica: how many HTTP requests (all conditional?) and how long.

    .venv/bin/python bench/bench_poll.py

Anchor, same run: the first poll of the same site (everything downloaded, extracted,
loaded). Figures: the no-change poll as plain Python (pipeline.run.poll_source with
the polite session and the WARC archive, as the flow does it) and as the Prefect
`monitor` flow, timed after a first flow run so Prefect's start-up is excluded.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

from _replica import served_replica

from core.config import BUILTIN_SOURCES
from extractors.listing import load_source
from extractors.warc import WarcArchive
from pipeline.crawl import polite_session
from pipeline.run import poll_source
from warehouse.connect import open_warehouse


def main() -> None:
    quick = "--quick" in sys.argv[1:]  # fewer repetitions (for `make bench`)
    with served_replica() as (url, scratch):
        os.environ["GAZETTE_HOME"] = str(scratch / "home")
        source = load_source(BUILTIN_SOURCES / "replica.yaml").bind({"REPLICA_URL": url})
        con = open_warehouse(scratch / "plain.duckdb")
        raw, warc = scratch / "raw", WarcArchive(scratch / "warc")

        def poll():
            with polite_session(source) as session:
                started = time.perf_counter()
                report = poll_source(con, source, session, raw, archive=warc)
                return time.perf_counter() - started, report, session.requests_sent

        first_seconds, first, _ = poll()
        runs = [poll() for _ in range(2 if quick else 5)]
        quiet_seconds = statistics.median(seconds for seconds, _, _ in runs)
        _, quiet, sent = runs[-1]
        con.close()

        from flows.monitor import monitor  # Prefect starts here

        variables = {"REPLICA_URL": url}
        # start-up and the first load, not timed
        monitor(sources=["replica"], variables=variables, publish=False, notify=False)
        flow_runs = []
        for _ in range(1 if quick else 3):
            started = time.perf_counter()
            result = monitor(sources=["replica"], variables=variables, publish=False, notify=False)
            flow_runs.append(time.perf_counter() - started)
        flow_seconds = statistics.median(flow_runs)

    print(
        f"first poll (anchor): {sum(first.requests.values())} requests {dict(first.requests)}, "
        f"{first_seconds:.3f} s"
    )
    print(
        f"no-change poll, plain Python: {sum(quiet.requests.values())} requests {dict(quiet.requests)} "
        f"(robots.txt: {sent - sum(quiet.requests.values())}, cached per process), "
        f"{quiet_seconds:.3f} s median of 5, ratio to anchor {quiet_seconds / first_seconds:.3f}"
    )
    print(
        f"no-change poll, Prefect monitor flow (server already up): HTTP {result['requests']}, "
        f"{flow_seconds:.3f} s median of 3, ratio to anchor {flow_seconds / first_seconds:.3f}"
    )
    if set(quiet.requests) != {"304"}:
        raise SystemExit(f"correctness: a no-change poll sent unconditional requests: {dict(quiet.requests)}")
    print(
        "BENCH "
        + json.dumps(
            {
                "bench": "poll",
                "figure": "no-change poll (plain, all 304)",
                "value": quiet_seconds,
                "anchor": "first poll of the same site",
                "anchor_value": first_seconds,
                "unit": "s",
                "ratio": quiet_seconds / first_seconds,
            }
        )
    )
    print(
        "BENCH "
        + json.dumps(
            {
                "bench": "poll-flow",
                "figure": "no-change poll, Prefect monitor flow",
                "value": flow_seconds,
                "anchor": "first poll of the same site",
                "anchor_value": first_seconds,
                "unit": "s",
                "ratio": flow_seconds / first_seconds,
            }
        )
    )


if __name__ == "__main__":
    main()
