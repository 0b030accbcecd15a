"""SIGKILL at 20 random points of ingest and reconcile: every re-run ends in the uninterrupted warehouse.

The job (tests/faults/ingest_child.py) polls the replica at state 1 (five gazette
publications, web articles, a revision, a repeal, a correction) into a fresh warehouse
and reconciles it. Each trial kills it once, then runs it again to the end over the same
data directory, and compares a canonical dump of every table with the dump of a run that
was never interrupted: same documents, versions, relations, events, and no duplicates.

Two kinds of kill, ten trials each, from a fixed seed so that a failure can be replayed:
- at an exact SQL statement (the child kills itself just before its N-th statement),
  five points drawn in ingest and five in reconcile, so both stages are always covered;
- from outside, at a random moment of the child's run (mid-extraction, mid-HTTP-body,
  mid-statement inside DuckDB), the way an OOM killer or a power cut would strike.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from replica.server import serve_site
from replica.site import advance, build_site
from warehouse.connect import open_warehouse

CHILD = Path(__file__).with_name("ingest_child.py")
AS_OF = "2024-02-20"
SEED = 20240220
TRIALS_PER_KIND = 10

pytestmark = pytest.mark.slow


# Columns that record the last HTTP answer rather than what was ingested: a re-run gets 304s.
LAST_ANSWER_COLUMNS = {"crawl_state": {"last_status"}}


@dataclass(frozen=True)
class Trial:
    name: str
    kill_at_statement: int | None = None  # the child kills itself before this statement
    kill_after_seconds: float | None = None  # the test kills the child after this long


@dataclass
class Reference:
    site_url: str
    home: Path
    dump: dict[str, list]
    ingest_statements: int
    total_statements: int
    seconds: float


def run_child(home: Path, site_url: str, kill_at: int | None = None) -> subprocess.Popen:
    args = [sys.executable, str(CHILD), str(home), site_url, AS_OF]
    if kill_at is not None:
        args.append(str(kill_at))
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def canonical_dump(path: Path, home: Path) -> dict[str, list]:
    """Every row of every table, sorted, without wall-clock columns and with the data dir's path masked.

    Left out as well: the status of the last HTTP answer per URL (200 first, 304 on a re-run).
    """
    con = duckdb.connect(str(path), read_only=True)
    try:
        state: dict[str, list] = {}
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
            ).fetchall()
        ]
        for table in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "AND data_type NOT LIKE 'TIMESTAMP%' ORDER BY column_index",
                    [table],
                ).fetchall()
                if r[0] not in LAST_ANSWER_COLUMNS.get(table, set())
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f'SELECT {select} FROM "{table}" ORDER BY ALL').fetchall()
            state[table] = [tuple(_mask(value, str(home)) for value in row) for row in rows]
        return state
    finally:
        con.close()


def _mask(value: object, home: str) -> object:
    return value.replace(home, "$HOME") if isinstance(value, str) else value


def finished_statements(stdout: str) -> tuple[int, int]:
    ingest = re.search(r"phase reconcile after=(\d+)", stdout)
    total = re.search(r"done statements=(\d+) errors=\[\]", stdout)
    assert ingest and total, stdout
    return int(ingest.group(1)), int(total.group(1))


@pytest.fixture(scope="module")
def site(sample_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The replica at state 1, served for the whole module (URLs are part of the identity of articles)."""
    root = tmp_path_factory.mktemp("site") / "site"
    build_site(root, 0, sample_build)
    advance(root)
    with serve_site(root) as running:
        yield running.url


@pytest.fixture(scope="module")
def reference(site: str, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    home = tmp_path_factory.mktemp("reference")
    started = time.perf_counter()
    child = run_child(home, site)
    stdout, stderr = child.communicate(timeout=300)
    seconds = time.perf_counter() - started
    assert child.returncode == 0, stderr
    ingest, total = finished_statements(stdout)
    return Reference(site, home, canonical_dump(home / "warehouse.duckdb", home), ingest, total, seconds)


def draw_trials(reference: Reference) -> list[Trial]:
    rng = random.Random(SEED)
    half = TRIALS_PER_KIND // 2
    in_ingest = sorted(rng.sample(range(1, reference.ingest_statements + 1), half))
    in_reconcile = sorted(
        rng.sample(range(reference.ingest_statements + 1, reference.total_statements + 1), half)
    )
    trials = [Trial(f"statement {n} (ingest)", kill_at_statement=n) for n in in_ingest]
    trials += [Trial(f"statement {n} (reconcile)", kill_at_statement=n) for n in in_reconcile]
    moments = sorted(rng.uniform(0.3, reference.seconds) for _ in range(TRIALS_PER_KIND))
    trials += [Trial(f"SIGKILL after {s:.2f} s", kill_after_seconds=s) for s in moments]
    return trials


def kill_then_rerun(trial: Trial, reference: Reference, home: Path) -> tuple[str, dict[str, list]]:
    """Run the job until the kill, then to the end; the dump of what the re-run leaves."""
    child = run_child(home, reference.site_url, trial.kill_at_statement)
    if trial.kill_after_seconds is not None:
        try:
            child.communicate(timeout=trial.kill_after_seconds)
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
    stdout, _ = child.communicate(timeout=300)
    killed = child.returncode == -signal.SIGKILL
    if trial.kill_at_statement is not None:
        assert killed, f"{trial.name}: the child finished without reaching its kill point:\n{stdout}"
    phase = "reconcile" if "phase reconcile" in stdout else "ingest"
    where = f"{trial.name}: killed in {phase}" if killed else f"{trial.name}: finished before the kill"

    rerun = run_child(home, reference.site_url)
    stdout, stderr = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, f"{where}; the re-run failed:\n{stderr[-3000:]}"
    assert "errors=[]" in stdout, f"{where}; the re-run reported errors: {stdout}"
    return where, canonical_dump(home / "warehouse.duckdb", home)


def test_twenty_kills_during_ingest_and_reconcile_each_rerun_to_the_uninterrupted_warehouse(
    reference: Reference, tmp_path: Path
) -> None:
    trials = draw_trials(reference)
    assert len(trials) == 2 * TRIALS_PER_KIND

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(
                lambda it: kill_then_rerun(it[1], reference, tmp_path / f"trial-{it[0]:02d}"),
                enumerate(trials),
            )
        )

    mismatches = []
    for where, dump in results:
        differing = [table for table in reference.dump if dump.get(table) != reference.dump[table]]
        if differing:
            mismatches.append(f"{where}: tables differ: {differing}")
    assert not mismatches, "\n".join(mismatches)
    # and the reference itself holds no duplicate rows in the tables that matter most
    for table in ("documents", "versions", "sightings", "document_references", "events"):
        rows = reference.dump[table]
        assert rows and len(rows) == len({repr(row) for row in rows}), table
    assert sum("reconcile" in where for where, _ in results) >= TRIALS_PER_KIND // 2


def test_a_warehouse_left_by_a_kill_opens_and_has_no_half_loaded_issue(
    reference: Reference, tmp_path: Path
) -> None:
    """Straight after a kill mid-load, before any re-run: every issue present has all its documents."""
    home = tmp_path / "killed"
    child = run_child(home, reference.site_url, kill_at=reference.ingest_statements // 2)
    child.communicate(timeout=300)
    assert child.returncode == -signal.SIGKILL

    killed = open_warehouse(home / "warehouse.duckdb")
    complete = duckdb.connect(str(reference.home / "warehouse.duckdb"), read_only=True)
    per_issue = "SELECT issue_id, count(*) FROM sightings GROUP BY 1 ORDER BY 1"
    try:
        loaded = dict(killed.execute(per_issue).fetchall())
        expected = dict(complete.execute(per_issue).fetchall())
    finally:
        killed.close()
        complete.close()
    assert loaded, "the kill point is past the first loaded issue"
    assert len(loaded) < len(expected), "the kill point is before the last issue"
    assert loaded == {issue_id: expected[issue_id] for issue_id in loaded}
