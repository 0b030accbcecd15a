"""Publishing what readers read: a read-only snapshot file and Parquet folders.

DuckDB lets one process write a file and nobody else open it meanwhile. So
readers (analysts, the dashboard, the digest) never open the main file: after
each successful run the writer copies the whole database into a temporary
file, checkpoints it, and renames it over `$HOME/snapshot/warehouse.duckdb`.
The rename is atomic, so a reader sees either the old snapshot or the new
one, never half of one; a reader that has the old file open keeps reading it.

The Parquet export is made from the new snapshot (not the live file), so it
is the same state; it is written into a fresh folder and then a symlink
`$HOME/parquet` is swapped to it, atomically as well. Export folders are named
`<sequence>-<UTC time>`: the sequence orders them whatever the clock or time zone
of the run that made them, and pruning (by count and by age) never removes the
current export nor the one it replaced, which a slow reader may still be reading.

Readers are analysts, not the people the digests go to: the subscribers' tables
(`PRIVATE_TABLES`) are never copied. The copy is made schema first, then table by
table, so their rows never touch the snapshot file (a dropped table's bytes could
linger in its free blocks); the Parquet export, made from the snapshot, has none either.

A publish killed midway leaves its temporary file beside the snapshot; the next
publish removes every such leftover whose process is gone.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from core.clock import utc_now
from warehouse.connect import WarehouseError, open_warehouse, scalar
from warehouse.runs import complete_in_copy

SNAPSHOT_DIR = "snapshot"
SNAPSHOT_FILE = "warehouse.duckdb"
PARQUET_LINK = "parquet"
PARQUET_EXPORTS = "parquet-exports"
# Pruning: an export goes when it is neither the current one nor the one it replaced, is not
# among the newest KEEP, and is older than MIN_AGE (a reader that opened it has had that long).
KEEP_PARQUET_EXPORTS = 3
MIN_PARQUET_EXPORT_AGE = timedelta(hours=1)
_EXPORT_NAME = re.compile(r"^(\d{6})-(\d{8}T\d{6}Z)$")
# Personal data of subscribers (addresses, names, what they follow, the mails sent to them):
# it stays in the writer's file for the digests, and out of everything analysts read.
PRIVATE_TABLES = ("subscribers", "subscriptions", "outbox", "digests")
PRIVATE_SEQUENCES = ("subscriber_id_seq", "subscription_id_seq")


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


def _temporary_name(pid: int) -> str:
    return f".{SNAPSHOT_FILE}.{pid}.{uuid.uuid4().hex[:8]}.tmp"


def remove_leftovers(directory: Path) -> list[Path]:
    """Delete the temporary files (and WALs) of earlier publishes that died before their rename.

    Only the writer publishes, and DuckDB lets one process open the warehouse for writing,
    so a temporary file that is already there when a publish starts is nobody's.
    """
    removed = sorted(directory.glob(f".{SNAPSHOT_FILE}.*.tmp*"))
    for leftover in removed:
        leftover.unlink(missing_ok=True)
    return removed


def copy_database(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """A consistent copy of the whole database behind `con` in the new file `target` (for backups:
    the subscribers' tables included), written by DuckDB."""
    source = scalar(con, "SELECT current_database()")
    alias = f"_backup_{uuid.uuid4().hex[:8]}"
    con.execute(f"ATTACH {_sql_string(target)} AS {alias}")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO {alias}')
    finally:
        con.execute(f"DETACH {alias}")


def _copy_database(con: duckdb.DuckDBPyConnection, target: Path, run_id: str | None) -> None:
    """Copy everything but `PRIVATE_TABLES` into `target`; the publishing run `run_id` completed there."""
    source = scalar(con, "SELECT current_database()")
    alias = f"_snapshot_{uuid.uuid4().hex[:8]}"
    con.execute(f"ATTACH {_sql_string(target)} AS {alias}")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO {alias} (SCHEMA)')
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = ?", [source]
        ).fetchall()
        for schema, table in tables:
            if schema == "main" and table in PRIVATE_TABLES:
                con.execute(f'DROP TABLE {alias}.main."{table}"')
            else:
                con.execute(
                    f'INSERT INTO {alias}."{schema}"."{table}" SELECT * FROM "{source}"."{schema}"."{table}"'
                )
        for sequence in PRIVATE_SEQUENCES:
            con.execute(f'DROP SEQUENCE IF EXISTS {alias}.main."{sequence}"')
        if run_id is not None:
            complete_in_copy(con, alias, run_id, utc_now())
        con.execute(f"CHECKPOINT {alias}")
    finally:
        con.execute(f"DETACH {alias}")


def publish_snapshot(
    con_or_path: duckdb.DuckDBPyConnection | str | Path,
    home: str | Path,
    run_id: str | None = None,
    *,
    parquet: bool = True,
) -> Path:
    """Copy the warehouse to `$HOME/snapshot/warehouse.duckdb` and export Parquet; return the snapshot path.

    Pass the writer's open connection (the normal case, inside a flow) or the
    path of a warehouse file that no other process is writing; and the id of the
    run that publishes, if one does, so that the snapshot shows it completed. `parquet=False`
    leaves the export to the caller (`warehouse.publish` exports once, itself).
    """
    home = Path(home)
    target = snapshot_path(home)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target.parent)
    temporary = target.with_name(_temporary_name(os.getpid()))
    owned = None
    try:
        if isinstance(con_or_path, (str, Path)):
            # Not read_only: a read-only database cannot ATTACH the new file for writing.
            owned = open_warehouse(con_or_path)
            con = owned
        else:
            con = con_or_path
        _copy_database(con, temporary, run_id)
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
    if parquet:
        export_parquet(target, home)
    return target


def _export_sequence(folder: Path) -> int:
    """The export's sequence number; 0 for a folder named before sequences (the oldest)."""
    match = _EXPORT_NAME.match(folder.name)
    return int(match.group(1)) if match else 0


def _export_time(folder: Path) -> datetime:
    match = _EXPORT_NAME.match(folder.name)
    if match:
        return datetime.strptime(match.group(2), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.fromtimestamp(folder.stat().st_mtime, UTC)


def _new_export_folder(exports: Path, now: datetime) -> Path:
    """`<sequence>-<UTC time>`, the sequence one past the highest there (mkdir decides a race)."""
    sequence = max((_export_sequence(f) for f in exports.iterdir() if f.is_dir()), default=0) + 1
    while True:
        folder = exports / f"{sequence:06d}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            sequence += 1


def prune_parquet_exports(home: Path, keep: set[Path], now: datetime | None = None) -> list[Path]:
    """Remove old exports: never those in `keep` (current and previous), nor the newest
    KEEP_PARQUET_EXPORTS, nor any younger than MIN_PARQUET_EXPORT_AGE. Returns what was removed."""
    exports = Path(home) / PARQUET_EXPORTS
    moment = now or datetime.now(UTC)
    folders = sorted(
        (f for f in exports.iterdir() if f.is_dir()), key=lambda f: (_export_sequence(f), f.name)
    )
    kept = {f.resolve() for f in keep}
    removed = []
    for folder in folders[:-KEEP_PARQUET_EXPORTS]:
        if folder.resolve() in kept or moment - _export_time(folder) < MIN_PARQUET_EXPORT_AGE:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def export_parquet(snapshot: Path, home: Path) -> Path:
    """One folder per table under `$HOME/parquet/`, from the (immutable) snapshot file."""
    exports = home / PARQUET_EXPORTS
    exports.mkdir(parents=True, exist_ok=True)
    folder = _new_export_folder(exports, datetime.now(UTC))
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
    previous = link.resolve() if link.is_symlink() else None
    staging_link = home / f".{PARQUET_LINK}.{uuid.uuid4().hex[:8]}"
    staging_link.symlink_to(folder.relative_to(home))
    os.replace(staging_link, link)
    prune_parquet_exports(home, {folder} | ({previous} if previous else set()))
    return link
