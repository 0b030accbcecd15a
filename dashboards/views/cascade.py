"""Cascade: an implementing document aligned clause by clause with the documents it implements.

The alignment is reconcile's (`reconcile.cascade`): the rows it stored for the
current versions, or the same alignment computed now when none is stored.
"""

from __future__ import annotations

import streamlit as st

from dashboards import queries
from dashboards.markup import CASCADE_STYLE
from dashboards.ui import SqlLog, cursor
from reconcile.cascade import cascade_html


def render() -> None:
    st.title("政策传导 Cascade")
    con = cursor()
    log = SqlLog(con)
    pairs = log.frame(queries.implementing_documents())
    if pairs.empty:
        st.info("no document in this snapshot implements another document the warehouse holds")
        log.show()
        return
    labels: dict[str, str] = {}
    for row in pairs.itertuples():
        parent = row.parent_doc_number or row.parent_title[:20]
        if row.document_id in labels:
            labels[row.document_id] += f"、{parent}"
        else:
            labels[row.document_id] = f"{row.doc_number or '—'} {row.title[:40]}  →  {parent}"
    chosen = st.selectbox("implementing document → parent", list(labels), format_func=labels.__getitem__)
    st.markdown(CASCADE_STYLE + cascade_html(con, chosen), unsafe_allow_html=True)
    stored = log.frame(queries.cascade_alignment(chosen))
    if stored.empty:
        st.caption("no stored alignment for the current versions: aligned now by reconcile, not stored")
    else:
        with st.expander(f"stored alignment rows ({len(stored)})"):
            st.dataframe(stored, hide_index=True, use_container_width=True)
    log.show()
