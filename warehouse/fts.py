"""Loading DuckDB's fts extension without network access.

The extension ships as a file inside the `duckdb-extension-fts` wheel, built
for exactly one DuckDB version (the reason duckdb is pinned to it). INSTALL
from that file copies it into DuckDB's extension directory once; LOAD works
from there afterwards, also on read-only connections.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core.errors import WarehouseError


class ExtensionError(WarehouseError):
    """The fts extension cannot be loaded (wheel missing or built for another DuckDB)."""


def bundled_extension_path() -> Path:
    """The fts.duckdb_extension file inside the installed wheel, for this DuckDB version."""
    try:
        import duckdb_extension_fts
    except ImportError as exc:
        raise ExtensionError("the duckdb-extension-fts package is not installed") from exc
    root = Path(duckdb_extension_fts.__file__).parent / "extensions"
    wanted = root / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not wanted.exists():
        found = sorted(p.parent.name for p in root.glob("*/fts.duckdb_extension"))
        raise ExtensionError(f"duckdb {duckdb.__version__} needs fts built for it; the wheel has {found}")
    return wanted


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """LOAD fts, installing it from the wheel first when it is not installed yet."""
    row = con.execute(
        "SELECT installed, loaded FROM duckdb_extensions() WHERE extension_name = 'fts'"
    ).fetchone()
    if row and row[1]:
        return
    path = bundled_extension_path()
    try:
        if not (row and row[0]):
            con.execute(f"INSTALL '{path}'")
        con.execute("LOAD fts")
    except duckdb.Error as exc:
        raise ExtensionError(f"cannot load fts from {path}: {str(exc).splitlines()[0]}") from exc
