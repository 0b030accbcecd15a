"""Publishing what readers read: a read-only snapshot file and Parquet folders.

DuckDB lets one process write a file and nobody else open it meanwhile. So
readers (analysts, the dashboard, the digest) never open the main file: after
each successful run the writer copies the whole database into a temporary
file, checkpoints it, and renames it over `$HOME/snapshot/warehouse.duckdb`.
The rename is atomic, so a reader sees either the old snapshot or the new
one, never half of one; a reader that has the old file open keeps reading it.

The Parquet export is made from the new snapshot (not the live file), so it
is the same state; it is written into a fresh folder and then a symlink
`$HOME/parquet` is swapped to it, atomically as well.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

import duckdb

from warehouse.connect import WarehouseError, open_warehouse, scalar

SNAPSHOT_DIR = "snapshot"
SNAPSHOT_FILE = "warehouse.duckdb"
PARQUET_LINK = "parquet"
_KEEP_PARQUET_EXPORTS = 2  # the current one and the one a slow reader may still be reading


class SnapshotError(WarehouseError):
    """The snapshot could not be published; the previous one is still in place."""


def snapshot_path(home: Path) -> Path:
    return Path(home) / SNAPSHOT_DIR / SNAPSHOT_FILE


def _sql_string(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_database(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    source = scalar(con, "SELECT current_database()")
    alias = f"_snapshot_{uuid.uuid4().hex[:8]}"
    con.execute(f"ATTACH {_sql_string(target)} AS {alias}")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO {alias}')
        con.execute(f"CHECKPOINT {alias}")
    finally:
        con.execute(f"DETACH {alias}")


def publish_snapshot(con_or_path: duckdb.DuckDBPyConnection | str | Path, home: str | Path) -> Path:
    """Copy the warehouse to `$HOME/snapshot/warehouse.duckdb` and export Parquet; return the snapshot path.

    Pass the writer's open connection (the normal case, inside a flow) or the
    path of a warehouse file that no other process is writing.
    """
    home = Path(home)
    target = snapshot_path(home)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{SNAPSHOT_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    owned = None
    try:
        if isinstance(con_or_path, (str, Path)):
            # Not read_only: a read-only database cannot ATTACH the new file for writing.
            owned = open_warehouse(con_or_path)
            con = owned
        else:
            con = con_or_path
        _copy_database(con, temporary)
        _fsync(temporary)
        temporary.chmod(0o444)
        os.replace(temporary, target)
        _fsync(target.parent)
    except (duckdb.Error, OSError, WarehouseError) as exc:
        raise SnapshotError(f"snapshot not published: {str(exc).splitlines()[0]}") from exc
    finally:
        if owned is not None:
            owned.close()
        for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
            leftover.unlink(missing_ok=True)
    export_parquet(target, home)
    return target


def export_parquet(snapshot: Path, home: Path) -> Path:
    """One folder per table under `$HOME/parquet/`, from the (immutable) snapshot file."""
    exports = home / "parquet-exports"
    exports.mkdir(parents=True, exist_ok=True)
    folder = exports / f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    try:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            tables = [
                row[0]
                for row in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
                ).fetchall()
            ]
            for table in tables:
                (folder / table).mkdir()
                con.execute(
                    f'COPY "{table}" TO {_sql_string(folder / table / f"{table}.parquet")} '
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
    except (duckdb.Error, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise SnapshotError(f"parquet export failed: {str(exc).splitlines()[0]}") from exc
    link = home / PARQUET_LINK
    if link.exists() and not link.is_symlink():
        raise SnapshotError(f"{link} exists and is not the export symlink; move it away")
    staging_link = home / f".{PARQUET_LINK}.{uuid.uuid4().hex[:8]}"
    staging_link.symlink_to(folder.relative_to(home))
    os.replace(staging_link, link)
    for old in sorted(exports.iterdir())[:-_KEEP_PARQUET_EXPORTS]:
        shutil.rmtree(old, ignore_errors=True)
    return link
