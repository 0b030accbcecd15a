"""Opening the warehouse: the writer migrates, readers never write.

DuckDB allows one writing process per file. The flows open the main file
read-write (and bring its schema up to date); analysts, dashboards and digests
open the published snapshot read-only (see `warehouse.snapshot`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from core.errors import WarehouseError
from warehouse.migrate import migrate

WAREHOUSE_FILE = "warehouse.duckdb"
# What DuckDB says when the file itself is damaged (as opposed to locked or missing).
_DAMAGE_SIGNS = ("Corrupt database file", "not a valid DuckDB database", "Could not read enough bytes")
RESTORE_HINT = "restore the last backup with `gazette restore BACKUP_DIR` (docs/operations.md)"


class WarehouseDamaged(WarehouseError):
    """The warehouse file is damaged: the message names the restore command."""


def default_warehouse_path(home: Path) -> Path:
    """`$GAZETTE_HOME/warehouse.duckdb` for the home the caller resolved."""
    return Path(home) / WAREHOUSE_FILE


def _open_error(target: Path, exc: duckdb.IOException) -> WarehouseError:
    first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if any(sign in first_line for sign in _DAMAGE_SIGNS):
        return WarehouseDamaged(f"the warehouse {target} is damaged ({first_line[:120]}); {RESTORE_HINT}")
    return WarehouseError(f"cannot open {target}: {first_line}")


def check_not_damaged(path: Path | str) -> None:
    """Raise WarehouseDamaged when the file at `path` is damaged; a missing or locked file is fine here.

    Commands call it before starting a flow, so that a damaged warehouse is one line naming
    the restore command instead of a flow run's traceback.
    """
    target = Path(path)
    if not target.exists():
        return
    try:
        duckdb.connect(str(target), read_only=True).close()
    except duckdb.IOException as exc:
        error = _open_error(target, exc)
        if isinstance(error, WarehouseDamaged):
            raise error from exc


def open_warehouse(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Connect to the warehouse at `path`; the writer applies pending migrations first.

    A read-only open never creates a file: a missing warehouse is an error
    rather than an empty database that would answer every question with nothing.
    """
    target = Path(path)
    if read_only and not target.exists():
        raise WarehouseError(f"no warehouse at {target}")
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(target), read_only=read_only)
    except duckdb.IOException as exc:
        raise _open_error(target, exc) from exc
    if not read_only:
        try:
            migrate(con)
        except Exception:
            con.close()
            raise
    return con


def scalar(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[object] | Mapping[str, object] | None = None,
) -> Any:
    """The first column of the first row of `sql`: for count(), max(), nextval() and row counts.

    Such queries always return a row; if one does not, an assumption about the
    schema is broken, so this raises a WarehouseError naming the query instead of
    the TypeError "'NoneType' object is not subscriptable" that names nothing.
    """
    row = con.execute(sql, params).fetchone()
    if row is None:
        raise WarehouseError(f"query returned no row: {' '.join(sql.split())}")
    return row[0]
