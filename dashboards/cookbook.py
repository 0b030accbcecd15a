"""The SQL cookbook (dashboards/sql/*.sql): commented queries for the common questions.

Each recipe reads its inputs with `getvariable('name')` and has a default, so an
analyst can paste it into the duckdb CLI or DBeaver as it is, or set inputs
first (`SET VARIABLE as_of = DATE '2024-03-01';`). From Python, `run_recipe`
sets them as bound parameters.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd

SQL_DIR = Path(__file__).with_name("sql")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def recipes() -> dict[str, Path]:
    """Recipe name (file stem) → file, in order."""
    return {path.stem: path for path in sorted(SQL_DIR.glob("*.sql"))}


def run_recipe(con: duckdb.DuckDBPyConnection, name: str, **variables: object) -> pd.DataFrame:
    """Run one recipe with its variables set; variables left unset fall back to the recipe's defaults."""
    path = recipes().get(name)
    if path is None:
        raise KeyError(f"no recipe {name!r}; known: {', '.join(recipes())}")
    for key in ("as_of", "since", "days", "doc_number", "target"):
        con.execute(f"RESET VARIABLE {key}")
    for key, value in variables.items():
        if not _NAME.match(key):
            raise ValueError(f"not a variable name: {key!r}")
        con.execute(f"SET VARIABLE {key} = ?", [value])
    return con.execute(path.read_text(encoding="utf-8")).df()
