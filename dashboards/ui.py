"""What every page shares: the snapshot cursor, the "show SQL" box, running a query."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.markup import plain
from dashboards.queries import Query
from dashboards.snapshot import SnapshotReader, default_snapshot_path


@st.cache_resource
def _reader(path: str) -> SnapshotReader:
    """One reader per snapshot path for the whole server: it owns the DuckDB connection."""
    return SnapshotReader(Path(path))


def reader() -> SnapshotReader:
    return _reader(str(default_snapshot_path()))


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the newest snapshot (reopened after a swap); stops the page with a clear message."""
    try:
        return reader().cursor()
    except Exception as exc:  # a missing or unreadable snapshot is the user's next step, not a traceback
        st.error(plain(str(exc).splitlines()[0]))
        st.stop()
        raise


class SqlLog:
    """The statements one page ran, in order, for its "show SQL" box."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.ran: list[Query] = []

    def frame(self, query: Query) -> pd.DataFrame:
        self.ran.append(query)
        return queries.run(self.con, query)

    def note(self, query: Query) -> None:
        self.ran.append(query)

    def show(self) -> None:
        with st.expander("show SQL", expanded=False):
            st.caption("The exact statements this page ran; values are bound to the ? placeholders in order.")
            for query in self.ran:
                st.markdown(f"**{query.title}**")
                st.code(query.display(), language="sql")


def as_of_input(label: str = "status on", key: str = "as_of") -> date:
    return st.date_input(
        label, value=date.today(), key=key, min_value=date(1949, 10, 1), max_value=date(2100, 12, 31)
    )


def int_param(name: str, default: int) -> int:
    """An integer from the address bar; anything else there (`?new=abc`) means the default."""
    value = st.query_params.get(name)
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
