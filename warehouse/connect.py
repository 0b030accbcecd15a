"""Opening the warehouse: the writer migrates, readers never write.

DuckDB allows one writing process per file. The flows open the main file
read-write (and bring its schema up to date); analysts, dashboards and digests
open the published snapshot read-only (see `warehouse.snapshot`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.errors import WarehouseError
from warehouse.migrate import migrate

WAREHOUSE_FILE = "warehouse.duckdb"


def default_warehouse_path(home: Path) -> Path:
    """`$GAZETTE_HOME/warehouse.duckdb` for the home the caller resolved."""
    return Path(home) / WAREHOUSE_FILE


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
        raise WarehouseError(f"cannot open {target}: {str(exc).splitlines()[0]}") from exc
    if not read_only:
        try:
            migrate(con)
        except Exception:
            con.close()
            raise
    return con
