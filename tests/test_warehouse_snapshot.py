"""Readers never wait for the writer: a published read-only snapshot and Parquet folders."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples

from warehouse.connect import WarehouseError, open_warehouse
from warehouse.load import load_issue
from warehouse.publish import publish
from warehouse.snapshot import (
    KEEP_PARQUET_EXPORTS,
    MIN_PARQUET_EXPORT_AGE,
    prune_parquet_exports,
    publish_snapshot,
    snapshot_path,
)

TODAY = date(2024, 2, 20)

# The writer: opens the main file, loads 2024 No. 3, publishes, then keeps the file open.
WRITER = """
import sys, time
from datetime import date
import sample_loads as samples
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.snapshot import publish_snapshot

con = open_warehouse(sys.argv[1])
load_issue(con, *samples.issue_2024_03(), today=date(2024, 2, 20))
publish_snapshot(con, sys.argv[2])
print("published", flush=True)
time.sleep(120)
"""


def test_a_snapshot_is_a_complete_read_only_copy_with_parquet_beside_it(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    published = publish_snapshot(con, tmp_path)

    assert published == snapshot_path(tmp_path) == tmp_path / "snapshot" / "warehouse.duckdb"
    assert not published.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert [p.name for p in published.parent.iterdir()] == ["warehouse.duckdb"]  # no temporary left behind
    reader = duckdb.connect(str(published), read_only=True)
    assert reader.execute("SELECT count(*) FROM documents").fetchone() == (4,)
    assert reader.execute("SELECT count(*) FROM documents_in_force('2024-02-20')").fetchone() == (4,)
    assert (
        reader.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'events'")
        .fetchone()[0]
        .startswith("Append-only change log")
    )
    with pytest.raises(duckdb.Error):
        reader.execute("DELETE FROM events")

    parquet = tmp_path / "parquet"
    assert parquet.is_symlink()
    assert (parquet / "documents" / "documents.parquet").exists()
    from_parquet = duckdb.sql(f"SELECT count(*) FROM '{parquet}/versions/*.parquet'").fetchone()
    assert from_parquet == (4,)


def test_a_reader_uses_the_snapshot_while_another_process_holds_the_writer(tmp_path: Path) -> None:
    main = tmp_path / "warehouse.duckdb"
    con = open_warehouse(main)
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    publish_snapshot(con, tmp_path)
    con.close()
    early_reader = open_warehouse(snapshot_path(tmp_path), read_only=True)

    here = Path(__file__).resolve().parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(here.parent), str(here)])}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(main), str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "published"

        # The main file is locked by the writer ...
        with pytest.raises(WarehouseError, match="cannot open"):
            open_warehouse(main, read_only=True)
        # ... a reader that opened the old snapshot keeps its consistent view ...
        assert early_reader.execute("SELECT count(*) FROM documents").fetchone() == (4,)
        early_reader.close()
        # ... and a new reader sees the new snapshot, in DuckDB and in Parquet, while the writer still runs.
        late_reader = open_warehouse(snapshot_path(tmp_path), read_only=True)
        assert late_reader.execute("SELECT count(*) FROM documents").fetchone() == (6,)
        assert late_reader.execute("SELECT count(*) FROM events WHERE kind = 'repealed'").fetchone() == (1,)
        late_reader.close()
        assert duckdb.sql(f"SELECT count(*) FROM '{tmp_path}/parquet/documents/*.parquet'").fetchone() == (6,)
        assert writer.poll() is None
    finally:
        writer.kill()
        writer.wait(timeout=30)


def _publish_in(zone: str, main: Path, home: Path, monkeypatch) -> Path:
    """Publish as a run whose local time zone is `zone` would; return the export `parquet` points at."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        publish_snapshot(main, home)
    finally:
        monkeypatch.undo()
        time.tzset()
    return (home / "parquet").resolve()


def test_exports_are_named_in_utc_in_sequence_whatever_the_runs_time_zone(
    tmp_path: Path, monkeypatch
) -> None:
    """Issue 17, item 6: named by local time, an export made at UTC-8 after two at UTC+8 sorted
    first and was pruned at once: `parquet` pointed at a deleted folder."""
    main = tmp_path / "warehouse.duckdb"
    con = open_warehouse(main)
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    con.close()
    made = [
        _publish_in(zone, main, tmp_path, monkeypatch)
        for zone in ("Asia/Shanghai", "Asia/Shanghai", "America/Los_Angeles")
    ]
    assert [folder.name[:7] for folder in made] == ["000001-", "000002-", "000003-"]
    assert all(folder.name.endswith("Z") for folder in made)
    current = (tmp_path / "parquet").resolve()
    assert current == made[-1] and current.exists()
    assert duckdb.sql(f"SELECT count(*) FROM '{current}/documents/*.parquet'").fetchone() == (4,)
    assert made[-2].exists()  # the previous export: a slow reader may still be reading it


def test_pruning_goes_by_count_and_age_and_spares_the_current_and_previous_export(tmp_path: Path) -> None:
    main = tmp_path / "warehouse.duckdb"
    con = open_warehouse(main)
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    con.close()
    for _ in range(KEEP_PARQUET_EXPORTS + 2):
        publish_snapshot(main, tmp_path)
    folders = sorted((tmp_path / "parquet-exports").iterdir())
    assert len(folders) == KEEP_PARQUET_EXPORTS + 2  # all younger than MIN_PARQUET_EXPORT_AGE
    later = datetime.now(UTC) + MIN_PARQUET_EXPORT_AGE + timedelta(minutes=1)
    # even when told to spare only an old one, the newest KEEP stay; older ones go unless spared
    removed = prune_parquet_exports(tmp_path, {folders[0]}, now=later)
    assert removed == [folders[1]]
    assert sorted((tmp_path / "parquet-exports").iterdir()) == [folders[0], *folders[2:]]
    assert prune_parquet_exports(tmp_path, set(), now=later) == [folders[0]]


def test_one_publish_is_one_export_and_the_previous_one_survives_the_next(tmp_path: Path) -> None:
    """Issue 17, item 6: every publish exported twice and deleted the export kept for a slow reader."""
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        load_issue(con, *samples.issue_2024_02(), today=TODAY)
        publish(con, tmp_path)
        assert len(list((tmp_path / "parquet-exports").iterdir())) == 1
        first = (tmp_path / "parquet").resolve()
        publish(con, tmp_path)
    finally:
        con.close()
    assert len(list((tmp_path / "parquet-exports").iterdir())) == 2
    assert first.exists() and (tmp_path / "parquet").resolve() != first


def _with_subscriber(con: duckdb.DuckDBPyConnection) -> None:
    from notify.subscribers import add_subscriber, validate_spec

    add_subscriber(
        con, validate_spec({"email": "wang.fang@example.org", "name": "王芳", "keywords": "营商环境"})
    )
    con.execute(
        "INSERT INTO outbox (subscriber_id, event_id, queued_at) SELECT 1, min(event_id), now() FROM events"
    )


def test_subscribers_and_their_mail_never_reach_the_snapshot_or_the_parquet(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    _with_subscriber(con)

    published = publish_snapshot(con, tmp_path)

    assert con.execute("SELECT count(*) FROM subscribers").fetchone() == (1,)  # the writer keeps them
    reader = duckdb.connect(str(published), read_only=True)
    tables = {row[0] for row in reader.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert not tables & {"subscribers", "subscriptions", "outbox", "digests"}
    assert {"documents", "events", "flow_runs"} <= tables
    assert b"wang.fang@example.org" not in published.read_bytes()  # not even in free blocks
    exported = {p.name for p in (tmp_path / "parquet").iterdir()}
    assert "documents" in exported and not exported & {"subscribers", "subscriptions", "outbox", "digests"}
    for parquet in (tmp_path / "parquet").rglob("*.parquet"):
        assert b"wang.fang@example.org" not in parquet.read_bytes(), parquet


def test_the_publishing_run_reads_completed_in_its_own_snapshot(tmp_path: Path) -> None:
    from warehouse.runs import record_run_start

    con = open_warehouse(tmp_path / "warehouse.duckdb")
    record_run_start(con, "run-1", "monitor", {})
    load_issue(con, *samples.issue_2024_02(), today=TODAY, flow_run_id="run-1")

    record_run_start(con, "dead", "monitor", {})  # a dead run that nobody closed yet stays as it was

    published = publish_snapshot(con, tmp_path, run_id="run-1")

    assert con.execute("SELECT DISTINCT status FROM flow_runs").fetchall() == [
        ("running",)
    ]  # runs close them
    reader = duckdb.connect(str(published), read_only=True)
    status, finished, documents_new, events_new = reader.execute(
        "SELECT status, finished_at, documents_new, events_new FROM flow_runs WHERE flow_run_id = 'run-1'"
    ).fetchone()
    assert (status, documents_new) == ("completed", 4) and finished is not None
    assert events_new == reader.execute("SELECT count(*) FROM events").fetchone()[0]
    assert reader.execute("SELECT status FROM flow_runs WHERE flow_run_id = 'dead'").fetchone() == (
        "running",
    )


def test_the_next_publish_removes_what_a_killed_publish_left(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    (tmp_path / "snapshot").mkdir()
    leftovers = [
        tmp_path / "snapshot" / ".warehouse.duckdb.4242.0badc0de.tmp",
        tmp_path / "snapshot" / ".warehouse.duckdb.4242.0badc0de.tmp.wal",
    ]
    for leftover in leftovers:
        leftover.write_bytes(b"\0" * 4096)

    publish_snapshot(con, tmp_path)

    assert [p.name for p in (tmp_path / "snapshot").iterdir()] == ["warehouse.duckdb"]


def test_a_run_left_running_is_closed_as_crashed_by_the_next_one(tmp_path: Path) -> None:
    from warehouse.runs import close_crashed_runs, record_run_start

    con = open_warehouse(tmp_path / "warehouse.duckdb")
    record_run_start(con, "killed", "monitor", {})
    record_run_start(con, "current", "monitor", {})

    assert close_crashed_runs(con, "current") == ["killed"]

    rows = dict(con.execute("SELECT flow_run_id, status FROM flow_runs").fetchall())
    assert rows == {"killed": "crashed", "current": "running"}
    errors = con.execute("SELECT errors FROM flow_runs WHERE flow_run_id = 'killed'").fetchone()[0]
    assert "closed by the next writer" in errors
    assert close_crashed_runs(con, "current") == []
