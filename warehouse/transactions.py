"""The one way to run statements atomically against the warehouse.

DuckDB has no nested transactions: a step that opens its own inside a caller's
fails with "cannot start a transaction within a transaction". `transaction()`
opens one when none is open and commits or rolls it back; inside a caller's
transaction it joins it, and the caller decides. Every writer uses it, so a
step is atomic when called alone (a CLI command, a test) and part of the
bigger unit when a caller groups steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A transaction of our own, or the caller's when one is already open (then the caller commits)."""
    try:
        con.execute("BEGIN TRANSACTION")
    except duckdb.TransactionException:
        yield
        return
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
