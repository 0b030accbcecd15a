"""Backup and restore of a data directory: the warehouse, the fetched bytes, the WARC archive.

What must survive a lost or damaged disk is the whole state a run depends on: the warehouse
(documents, versions, events, crawl state, and the subscribers, outbox and digests: copying
only the published snapshot back loses every subscriber and outbox change since the last
publish, so digests would be sent twice), `raw/` (the bodies extraction re-reads) and `warc/`
(the evidence). A backup is taken under the writer lock, so no flow writes meanwhile, and the
warehouse is copied by DuckDB itself (`COPY FROM DATABASE`, as the snapshot is), which gives
a consistent file whatever its WAL held.

Restoring never deletes: the warehouse it replaces is kept beside it, raw files and WARC files
the data directory already has are left as they are (raw files are named by their hash; WARC
files only grow, so the newer copy holds the older one's records), and the snapshot is
published again so readers see the restored state at once.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core import paths
from extractors.warc import cut_truncated_tail
from pipeline.run import warc_dir
from warehouse.connect import WarehouseError, open_warehouse, scalar
from warehouse.lock import writer_lock
from warehouse.snapshot import copy_database

MANIFEST = "manifest.json"
FORMAT = "gazette-backup/1"
WAREHOUSE_COPY = "warehouse.duckdb"
WARC_DIR = "warc"
# What a restore puts back only when the data directory has none of its own.
SETTINGS = ("config.yaml", "sources")
# Row counts recorded in the manifest, to check a restore against and for the operator.
COUNTED = ("documents", "versions", "events", "subscribers", "outbox", "digests", "crawl_state")


class BackupError(RuntimeError):
    """A backup could not be made or restored; one line says why."""


@dataclass(frozen=True)
class BackupReport:
    directory: Path
    counts: dict[str, int]
    raw_files: int
    warc_files: int


def _now() -> datetime:
    return datetime.now(UTC)


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {table: int(scalar(con, f'SELECT count(*) FROM "{table}"')) for table in COUNTED}


def _copy_tree(source: Path, target: Path, *, link: bool) -> int:
    """Copy the files under `source` that `target` lacks; hard-link them when `link` and possible."""
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        if not path.is_file() or path.name.startswith(".partial-"):
            continue
        destination = target / path.relative_to(source)
        if destination.exists():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if link:
            try:
                os.link(path, destination)
                copied += 1
                continue
            except OSError:
                pass  # another file system: copy instead
        shutil.copy2(path, destination)
        copied += 1
    return copied


def _copy_warc(source: Path, target: Path) -> int:
    """WARC files are appended to: copied (never linked), and a longer copy is never replaced.

    A copy whose last record was cut by a killed run is cut back to its last whole record, so
    every WARC file in a backup reads to its end with standard tools.
    """
    copied = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.glob("*.warc.gz")):
        destination = target / path.name
        if destination.exists() and destination.stat().st_size >= path.stat().st_size:
            continue
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        cut_truncated_tail(destination)
        copied += 1
    return copied


def backup(home: Path, destination: Path, *, wait_seconds: float = 10.0) -> BackupReport:
    """Write a backup of `home` into the new directory `destination`."""

    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: name a new directory for the backup")
    warehouse = paths.warehouse_path(home)
    if not warehouse.exists():
        raise BackupError(f"no warehouse at {warehouse}: nothing to back up")
    destination.mkdir(parents=True, exist_ok=True)
    with writer_lock(home, wait_seconds=wait_seconds, holder="gazette backup"):
        con = open_warehouse(warehouse)
        try:
            copy_database(con, destination / WAREHOUSE_COPY)
            counts = _counts(con)
        finally:
            con.close()
        raw_files = _copy_tree(paths.raw_dir(home), destination / "raw", link=True)
        warc_files = _copy_warc(warc_dir(home), destination / WARC_DIR)
        for name in SETTINGS:
            source = home / name
            if source.is_dir():
                _copy_tree(source, destination / name, link=False)
            elif source.is_file():
                shutil.copy2(source, destination / name)
    manifest = {
        "format": FORMAT,
        "created_at": _now().isoformat(timespec="seconds"),
        "home": str(home),
        "counts": counts,
        "raw_files": raw_files,
        "warc_files": warc_files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return BackupReport(destination, counts, raw_files, warc_files)


def read_manifest(backup_dir: Path) -> dict:
    """The backup's manifest, checked: a directory that is not a whole backup is refused."""
    path = backup_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup_dir} is not a gazette backup (no readable {MANIFEST})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup_dir}: unknown backup format {manifest.get('format')!r}")
    if not (backup_dir / WAREHOUSE_COPY).is_file():
        raise BackupError(f"{backup_dir} has no {WAREHOUSE_COPY}: the backup is incomplete")
    return manifest


def restore(home: Path, backup_dir: Path, *, wait_seconds: float = 10.0) -> BackupReport:
    """Put the backup in `backup_dir` back into `home` (see the module docstring for what is kept)."""
    from warehouse.publish import publish

    manifest = read_manifest(backup_dir)
    try:
        with duckdb.connect(str(backup_dir / WAREHOUSE_COPY), read_only=True) as check:
            counts = _counts(check)
    except duckdb.Error as exc:
        raise BackupError(
            f"{backup_dir / WAREHOUSE_COPY} cannot be read: {str(exc).splitlines()[0]}"
        ) from exc
    if counts != manifest["counts"]:
        raise BackupError(f"{backup_dir}: the warehouse copy does not match its manifest ({counts})")
    home.mkdir(parents=True, exist_ok=True)
    warehouse = paths.warehouse_path(home)
    with writer_lock(home, wait_seconds=wait_seconds, holder="gazette restore"):
        staged = warehouse.with_name(f".{warehouse.name}.restoring")
        shutil.copy2(backup_dir / WAREHOUSE_COPY, staged)
        stamp = f"{_now():%Y%m%dT%H%M%SZ}"
        for existing in (warehouse, warehouse.with_name(warehouse.name + ".wal")):
            if existing.exists():
                existing.rename(existing.with_name(f"{existing.name}.replaced-{stamp}"))
        os.replace(staged, warehouse)
        raw_files = _copy_tree(backup_dir / "raw", paths.raw_dir(home), link=True)
        warc_files = _copy_warc(backup_dir / WARC_DIR, warc_dir(home))
        for name in SETTINGS:
            source, target = backup_dir / name, home / name
            if target.exists():
                continue
            if source.is_dir():
                _copy_tree(source, target, link=False)
            elif source.is_file():
                shutil.copy2(source, target)
        try:
            con = open_warehouse(warehouse)
        except WarehouseError as exc:
            raise BackupError(f"the restored warehouse does not open: {exc}") from exc
        try:
            publish(con, home)
        finally:
            con.close()
    return BackupReport(backup_dir, counts, raw_files, warc_files)
