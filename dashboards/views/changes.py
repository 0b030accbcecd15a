"""Changes: the events stream with filters, which is what subscribers receive."""

from __future__ import annotations

import streamlit as st

from dashboards import queries
from dashboards.ui import SqlLog, cursor


def render() -> None:
    st.title("变动 Changes")
    con = cursor()
    log = SqlLog(con)
    c1, c2 = st.columns(2)
    kinds = c1.multiselect("kinds", queries.EVENT_KINDS, default=[])
    issuer = c2.selectbox("发文机关 issuer", ["(any)", *queries.options(con, queries.issuers())])
    c3, c4, c5 = st.columns(3)
    since = c3.date_input("recorded since", value=None)
    until = c4.date_input("recorded until", value=None)
    contains = c5.text_input("summary or number contains")
    filters = queries.EventFilters(
        kinds=tuple(kinds),
        since=since,
        until=until,
        issuer=None if issuer == "(any)" else issuer,
        contains=contains.strip() or None,
    )
    events = log.frame(queries.events(filters))
    st.caption(f"{len(events)} events, newest first")
    st.dataframe(events, hide_index=True, use_container_width=True)
    log.show()
