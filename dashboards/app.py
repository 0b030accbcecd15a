"""The analysts' dashboard: `streamlit run dashboards/app.py` (or `gazette dashboard`).

It reads only the published read-only snapshot ($GAZETTE_SNAPSHOT, else
$GAZETTE_HOME/snapshot/warehouse.duckdb) and reopens it when the flows swap it.
"""

from __future__ import annotations

import streamlit as st

from core.routes import DOCUMENT_PAGE
from dashboards.markup import plain
from dashboards.ui import reader
from dashboards.views import cascade, changes, document, expiring, overview, search

st.set_page_config(page_title="gazette monitor 政府公报", layout="wide")

navigation = st.navigation(
    [
        st.Page(overview.render, title="Overview 概览", url_path="overview", default=True),
        st.Page(search.render, title="Search 检索", url_path="search"),
        st.Page(document.render, title="Document 文件", url_path=DOCUMENT_PAGE),
        st.Page(cascade.render, title="Cascade 政策传导", url_path="cascade"),
        st.Page(changes.render, title="Changes 变动", url_path="changes"),
        st.Page(expiring.render, title="Expiring 即将失效", url_path="expiring"),
    ]
)
st.sidebar.caption(plain(f"snapshot: {reader().path}"))
navigation.run()
