"""`gazette demo`: the main job on the embedded sample, told as a short story.

It polls the local replica of the publisher's site, lets the site publish its
next issue, polls again, and prints what each poll found. Everything it writes
goes to $GAZETTE_HOME, so a second demo run shows the monitor being incremental:
nothing new, only conditional requests.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from rich.console import Console

from core import paths
from core.config import BUILTIN_SOURCES
from extractors.listing import load_source
from pipeline.report import result_lines
from replica.build import build_sample, default_output_dir
from replica.server import serve_site
from replica.site import advance, build_site, site_state
from warehouse.connect import open_warehouse, scalar
from warehouse.records import IssueRecord
from warehouse.snapshot import snapshot_path

REPLICA_SOURCE = BUILTIN_SOURCES / "replica.yaml"
_KIND_LABELS = {"gazette_issue": "issue", "article": "article", "compilation": "compil."}
DEMO_PORT = 8765  # fixed, so that a second demo finds the same URLs and polls incrementally


def prepare_replica(site_dir: Path, state: int = 0) -> Path:
    """Render the sample (cached) and lay out the replica site at `state`."""
    sample = build_sample(default_output_dir())
    if sample.errors:
        raise RuntimeError(f"the sample corpus did not build: {sample.errors}")
    build_site(site_dir, state, default_output_dir())
    return site_dir


def run_demo(console: Console, keep_serving: bool = False) -> None:
    home = paths.ensure_home()
    console.print(f"[bold]gazette demo[/bold] — data directory {home}")
    started = time.perf_counter()
    site_dir = prepare_replica(paths.replica_dir(home), state=0)
    console.print(f"sample corpus rendered in {default_output_dir()} ({time.perf_counter() - started:.1f} s)")
    console.print("starting Prefect (a temporary local API; the first start takes a while) …")
    # The story is told below; Prefect's per-task INFO lines would bury it (the runs keep
    # their full logs in the Prefect API and their summary artifact).
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.monitor import monitor  # Prefect's settings are applied when flows is imported

    with serve_site(site_dir, port=_free_or(DEMO_PORT)) as running:
        variables = {"REPLICA_URL": running.url}
        source = load_source(REPLICA_SOURCE).bind(variables)
        console.print(f"replica site (state {site_state(site_dir)}) serving at {running.url}")
        console.print(f"source {source.id!r}: {source.name}")

        console.print("\n[bold]run 1[/bold] of the monitor flow: the site as first published")
        _print_run(console, home, monitor(sources=[source.id], variables=variables, notify=False))

        state = advance(site_dir)
        console.print(f"\n[bold]run 2[/bold]: the site has published its next issue (state {state})")
        _print_run(console, home, monitor(sources=[source.id], variables=variables, notify=False))

        _print_warehouse(console, paths.warehouse_path(home))
        console.print("\n[bold]where to look next[/bold]")
        console.print(f"  warehouse (flows write):   {paths.warehouse_path(home)}")
        console.print(f"  snapshot (for analysts):   duckdb -readonly {snapshot_path(home)}")
        console.print(f"  parquet, one folder/table: {home / 'parquet'}")
        console.print('  search:                    .venv/bin/gazette search "营商环境"')
        console.print("  a revision:                .venv/bin/gazette diff 令第130号")
        console.print("  the dashboard:             .venv/bin/gazette dashboard")
        console.print(
            "  a digest preview:          .venv/bin/gazette subscribers add you@example.org "
            "--keyword 营商环境 --backfill; .venv/bin/gazette digest --preview you@example.org"
        )
        if keep_serving:
            console.print(f"\nreplica site still serving at {running.url} — Ctrl-C to stop")
            running.wait()


def _print_run(console: Console, home: Path, result: dict) -> None:
    """What one monitor run did, in the words of its summary and the events it added."""
    for line in result_lines(result):
        console.print(f"  {line}", markup=False, highlight=False)
    events = result["events"]
    if events:
        console.print("  events: " + ", ".join(f"{kind} {count}" for kind, count in sorted(events.items())))
    if result["ingested"] and sum(events.values()) <= 12:
        con = open_warehouse(snapshot_path(home), read_only=True)
        try:
            rows = con.execute(
                "SELECT kind, summary FROM events ORDER BY event_id DESC LIMIT ?", [sum(events.values())]
            ).fetchall()
        finally:
            con.close()
        for kind, summary in reversed(rows):
            console.print(
                f"    {kind:<18} {summary}", highlight=False, markup=False, overflow="ellipsis", no_wrap=True
            )
    if not result["ingested"]:
        console.print("  nothing new to load (unchanged pages answered 304 to conditional requests)")


def _print_warehouse(console: Console, warehouse: Path) -> None:
    con = open_warehouse(warehouse, read_only=True)
    try:
        documents, versions, sightings, events = (
            scalar(con, f"SELECT count(*) FROM {table}")
            for table in ("documents", "versions", "sightings", "events")
        )
        statuses = con.execute(
            "SELECT status, count(*) FROM documents GROUP BY ALL ORDER BY 2 DESC"
        ).fetchall()
    finally:
        con.close()
    console.print(
        f"\n[bold]warehouse[/bold]: {documents} documents, {versions} versions, {sightings} sightings, "
        f"{events} events; status: " + ", ".join(f"{status} {count}" for status, count in statuses)
    )


def _label(issue: IssueRecord) -> str:
    """A gazette issue is named by its number (the source is printed above); others by title."""
    if issue.kind == "gazette_issue" and issue.year and issue.number:
        total = f"（总第{issue.total_number}期）" if issue.total_number else ""
        return f"{issue.year}年第{issue.number}期{total}"
    return issue.title or issue.url or issue.issue_id


def _free_or(port: int) -> int:
    """`port` when nothing listens there, else 0 (any free port: the demo then starts afresh)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return 0
    return port
