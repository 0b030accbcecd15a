"""`gazette demo`: the main job on the embedded sample, told as a short story.

It polls the local replica of the publisher's site, lets the site publish its
next issue, polls again, and prints what each poll found. Everything it writes
goes to $GAZETTE_HOME, so a second demo run shows the monitor being incremental:
nothing new, only conditional requests.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from extractors.fetch import new_session
from extractors.listing import load_source
from gazette import paths
from gazette.config import BUILTIN_SOURCES
from gazette.monitor import PollReport, poll_source
from replica.build import build_sample, default_output_dir
from replica.server import serve_site
from replica.site import advance, build_site, site_state
from warehouse.connect import open_warehouse
from warehouse.records import IssueRecord
from warehouse.snapshot import export_parquet, publish_snapshot

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
    con = open_warehouse(paths.warehouse_path(home))
    session = new_session()
    try:
        with serve_site(site_dir, port=_free_or(DEMO_PORT)) as running:
            source = load_source(REPLICA_SOURCE).bind({"REPLICA_URL": running.url})
            console.print(f"replica site (state {site_state(site_dir)}) serving at {running.url}")
            console.print(f"source {source.id!r}: {source.name}")
            for url in source.start_urls:
                console.print(f"  listing {url}", highlight=False)

            console.print("\n[bold]poll 1[/bold]: the site as first published")
            _print_report(console, poll_source(con, source, session, paths.raw_dir(home)))

            state = advance(site_dir)
            console.print(f"\n[bold]poll 2[/bold]: the site published its next issue (state {state})")
            _print_report(console, poll_source(con, source, session, paths.raw_dir(home)))

            snapshot = publish_snapshot(con, home)
            parquet = export_parquet(snapshot, home)
            _print_warehouse(console, con)
            console.print("\n[bold]where to look next[/bold]")
            console.print(f"  warehouse (flows write):  {paths.warehouse_path(home)}")
            console.print(f"  snapshot (read-only):     duckdb -readonly {snapshot}")
            console.print(f"  parquet, one folder/table: {parquet}")
            console.print('  search:                   .venv/bin/gazette search "营商环境"')
            console.print("  one file:                 .venv/bin/gazette extract FILE --format table")
            if keep_serving:
                console.print(f"\nreplica site still serving at {running.url} — Ctrl-C to stop")
                running.wait()
    finally:
        session.close()
        con.close()


def _print_report(console: Console, report: PollReport) -> None:
    requests_line = ", ".join(f"{count}×{status}" for status, count in sorted(report.requests.items()))
    console.print(
        f"  {report.listed} listing entries; HTTP {requests_line}; "
        f"{report.count('ingested')} publications ingested, {report.count('unchanged')} unchanged, "
        f"{report.count('failed')} failed"
    )
    changed = [outcome for outcome in report.outcomes if outcome.status != "unchanged"]
    if changed:
        table = Table(box=None, padding=(0, 1), pad_edge=False)
        table.add_column("kind", no_wrap=True)
        table.add_column("publication", no_wrap=True, overflow="ellipsis", max_width=38)
        for header in ("docs", "new", "vers.", "no text"):
            table.add_column(header, justify="right", no_wrap=True)
        for outcome in changed:
            issue = outcome.publication.issue
            kind = _KIND_LABELS.get(issue.kind, issue.kind)
            label = _label(issue)
            if outcome.status == "failed":
                table.add_row(kind, label, "[red]failed[/red]", "", "", "")
                continue
            table.add_row(
                kind,
                label,
                str(outcome.documents),
                str(outcome.documents_new),
                str(outcome.versions_new),
                str(outcome.pages_without_text or ""),
            )
        console.print(table)
        for outcome in changed:
            if outcome.status == "failed":
                console.print(
                    f"  [red]failed[/red] {outcome.publication.url}: {outcome.error}", highlight=False
                )
    for rejected in report.rejected[:3]:
        console.print(f"  not followed (another host): {rejected.url}", highlight=False)
    for error in report.errors:
        console.print(f"  [red]error[/red]: {error}", highlight=False)
    stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in report.seconds.items())
    console.print(f"  time: {stages}")


def _print_warehouse(console: Console, con) -> None:
    totals = con.execute(
        """
        SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM versions),
               (SELECT count(*) FROM sightings), (SELECT count(*) FROM events)
        """
    ).fetchone()
    console.print(
        f"\n[bold]warehouse[/bold]: {totals[0]} documents, {totals[1]} versions, "
        f"{totals[2]} sightings, {totals[3]} events"
    )
    rows = con.execute("SELECT kind, count(*) FROM events GROUP BY ALL ORDER BY 2 DESC").fetchall()
    console.print("  events: " + ", ".join(f"{kind} {count}" for kind, count in rows))


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
