"""The data directory cannot be written, or the disk fills up mid-load: a clear error, warehouse intact.

Run as subprocesses so the faults are real: root without capabilities (setpriv) meets a
data directory it does not own, and RLIMIT_FSIZE makes the kernel refuse to grow files (EFBIG),
which is what a full disk looks like to DuckDB.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from extractors.pipeline import extract_file
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.records import FetchedFile, IssueRecord

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "replica" / "corpus" / "seeds"
NOBODY = 65534
COUNTED = ("issues", "pages", "documents", "versions", "sightings", "events")


def _load_seed(warehouse: Path, seed: str, issue_id: str) -> None:
    path = SEEDS / seed
    result = extract_file(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    con = open_warehouse(warehouse)
    try:
        load_issue(
            con,
            IssueRecord(issue_id=issue_id, source_id="seeds"),
            FetchedFile(sha256=sha, url=str(path)),
            result.pages,
            result.documents,
        )
    finally:
        con.close()


def _counts(warehouse: Path) -> dict[str, int]:
    con = open_warehouse(warehouse, read_only=True)
    try:
        return {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}
    finally:
        con.close()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_an_unwritable_data_directory_is_one_clear_line_and_no_write(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _load_seed(home / "warehouse.duckdb", "004_e3e902c520636e6f.txt", "seed-004")
    before = (home / "warehouse.duckdb").read_bytes()
    for path in [home, *home.rglob("*")]:
        os.chown(path, NOBODY, NOBODY)
        path.chmod(0o555 if path.is_dir() else 0o444)

    result = subprocess.run(
        [
            "setpriv",
            "--bounding-set",
            "-all",
            "--inh-caps",
            "-all",
            "--",
            str(Path(sys.executable).parent / "gazette"),
            "monitor",
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "GAZETTE_HOME": str(home), "PREFECT_HOME": str(tmp_path / "prefect")},
    )

    assert result.returncode == 1
    assert result.stderr.startswith("error: the data directory") and "not writable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert (home / "warehouse.duckdb").read_bytes() == before


_FULL_DISK_CHILD = textwrap.dedent(
    """
    import hashlib, resource, signal, sys
    from pathlib import Path
    import duckdb
    from extractors.pipeline import extract_file
    from warehouse.connect import open_warehouse
    from warehouse.load import LoadError, load_issue
    from warehouse.records import FetchedFile, IssueRecord

    warehouse, seed, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    result = extract_file(seed)                      # read everything before the disk "fills"
    con = open_warehouse(warehouse)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)     # writes past the limit fail with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        load_issue(con, IssueRecord(issue_id="seed-001", source_id="seeds"),
                   FetchedFile(sha256=hashlib.sha256(seed.read_bytes()).hexdigest(), url=str(seed)),
                   result.pages, result.documents)
        con.close()                                   # the checkpoint that must grow the file
    except (LoadError, duckdb.Error) as exc:
        print(f"error: {str(exc).splitlines()[0]}")
        sys.exit(3)
    print("loaded")
    """
)


def test_a_full_disk_during_a_load_is_a_clear_error_and_all_or_nothing(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    _load_seed(warehouse, "004_e3e902c520636e6f.txt", "seed-004")
    reference = tmp_path / "reference.duckdb"
    shutil.copy(warehouse, reference)
    before = _counts(warehouse)
    _load_seed(reference, "001_f426c9d5139ab6f6.txt", "seed-001")
    complete = _counts(reference)
    limit = 64 * 1024  # no write past 64 KiB in any file: the WAL and the database both hit it

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            _FULL_DISK_CHILD,
            str(warehouse),
            str(SEEDS / "001_f426c9d5139ab6f6.txt"),
            str(limit),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=REPO,
    )

    assert child.returncode == 3, child.stdout + child.stderr
    assert child.stdout.startswith("error: ") and "File too large" in child.stdout
    assert "Traceback" not in child.stderr
    # the warehouse reopens and holds the issue entirely or not at all, never a part of it
    assert _counts(warehouse) in (before, complete)
    _load_seed(warehouse, "001_f426c9d5139ab6f6.txt", "seed-001")  # with room again, the load completes
    assert _counts(warehouse) == complete
