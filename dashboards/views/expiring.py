"""Expiring: documents whose validity ends within N days, and those that recently expired."""

from __future__ import annotations

import streamlit as st

from dashboards import queries
from dashboards.ui import SqlLog, as_of_input, cursor, int_param


def render() -> None:
    st.title("即将失效 Expiring")
    log = SqlLog(cursor())
    c1, c2 = st.columns(2)
    days = int(
        c1.number_input(
            "within N days", min_value=1, max_value=3650, value=min(max(int_param("days", 90), 1), 3650)
        )
    )
    with c2:
        as_of = as_of_input("as of")
    st.subheader(f"有效期将在 {days} 天内届满 expiring within {days} days")
    st.dataframe(log.frame(queries.expiring(days, as_of)), hide_index=True, use_container_width=True)
    st.subheader(f"近 {days} 天已失效 expired in the last {days} days")
    st.dataframe(log.frame(queries.recently_expired(days, as_of)), hide_index=True, use_container_width=True)
    log.show()
