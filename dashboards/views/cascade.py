"""Cascade: an implementing document aligned clause by clause with the document it implements."""

from __future__ import annotations

import streamlit as st

from dashboards import cascade, queries
from dashboards.ui import SqlLog, cursor


def render() -> None:
    st.title("政策传导 Cascade")
    con = cursor()
    log = SqlLog(con)
    pairs = log.frame(queries.implementing_documents())
    if pairs.empty:
        st.info("no document in this snapshot implements another document the warehouse holds")
        log.show()
        return
    labels = {
        i: f"{row.doc_number or '—'} {row.title[:40]}  →  {row.parent_doc_number or '—'}"
        for i, row in enumerate(pairs.itertuples())
    }
    chosen = st.selectbox("implementing document → parent", list(labels), format_func=labels.get)
    pair = pairs.iloc[chosen]
    st.markdown(f"**本级** {pair.title}  \n**上级** {pair.parent_doc_number or ''} {pair.parent_title}")
    html = cascade.reconcile_cascade_html(con, pair.document_id)
    if html is None:
        child = log.frame(queries.latest_text(pair.document_id)).iloc[0]
        parent = log.frame(queries.latest_text(pair.parent_document_id)).iloc[0]
        aligned = cascade.align(parent.text, child.text)
        counts = cascade.summary(aligned)
        cols = st.columns(4)
        for col, (kind, label) in zip(
            cols,
            [
                ("kept", "保留 kept"),
                ("changed", "修改 changed"),
                ("added", "新增 added"),
                ("dropped", "未落实 dropped"),
            ],
            strict=True,
        ):
            col.metric(label, counts[kind])
        st.caption("sentence alignment computed here (rapidfuzz ratio: kept ≥ 90, changed ≥ 60)")
        kept = [c for c in aligned if c.kind != "dropped"]
        dropped = [c for c in aligned if c.kind == "dropped"]
        st.markdown(
            cascade.render(kept, pair.parent_doc_number or "", pair.doc_number or ""), unsafe_allow_html=True
        )
        with st.expander(f"上级条款未见于本级 parent clauses left out ({len(dropped)})"):
            st.markdown(
                cascade.render(dropped, pair.parent_doc_number or "", pair.doc_number or ""),
                unsafe_allow_html=True,
            )
    else:
        st.markdown(html, unsafe_allow_html=True)
    log.show()
