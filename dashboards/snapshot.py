"""The dashboard's connection to the published snapshot, reopened when the snapshot is swapped.

The flows replace `$GAZETTE_HOME/snapshot/warehouse.duckdb` by an atomic rename
after each run. A connection keeps reading the file it opened (the old inode),
so the reader watches the path's inode and modification time and opens the new
file when they change. It never opens the file the flows write.

The snapshot is ATTACHed read-only to a fresh in-memory database rather than
opened with `duckdb.connect(path)`: DuckDB keeps one database instance per path
in a process, so connecting to the same path again would hand back the old,
already-replaced file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from core import paths
from warehouse.connect import WarehouseError
from warehouse.snapshot import SNAPSHOT_FILE

ENV_SNAPSHOT = "GAZETTE_SNAPSHOT"
ALIAS = "snapshot"


def default_snapshot_path() -> Path:
    """`$GAZETTE_SNAPSHOT` when set (the dashboard command sets it), else the home's snapshot."""
    explicit = os.environ.get(ENV_SNAPSHOT)
    if explicit:
        return Path(explicit).expanduser().resolve()
    return paths.snapshot_dir() / SNAPSHOT_FILE


def open_snapshot_file(path: Path) -> duckdb.DuckDBPyConnection:
    """A connection whose default catalog is the snapshot at `path`, read-only."""
    con = duckdb.connect(":memory:")
    try:
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(f"ATTACH {literal} AS {ALIAS} (READ_ONLY)")
        con.execute(f"USE {ALIAS}")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
    return con


class SnapshotReader:
    """One read-only connection per published snapshot; a fresh cursor per page run.

    Streamlit runs every browser session in its own thread; DuckDB cursors are
    per-thread handles on one shared database, so the pages each take a cursor.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int, int] | None = None
        self.opened = 0  # how many snapshots this reader has opened

    def _stat(self) -> tuple[int, int, int]:
        try:
            st = self.path.stat()
        except FileNotFoundError as exc:
            raise WarehouseError(
                f"no snapshot at {self.path}: run `gazette demo` (or a monitor run) first"
            ) from exc
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published snapshot, its default catalog set to it."""
        with self._lock:
            identity = self._stat()
            if self._con is None or identity != self._identity:
                # The old connection is dropped, not closed: a page still running in
                # another thread keeps its cursor until it finishes.
                self._con = open_snapshot_file(self.path)
                self._identity = identity
                self.opened += 1
            cursor = self._con.cursor()
        cursor.execute(f"USE {ALIAS}")
        return cursor
