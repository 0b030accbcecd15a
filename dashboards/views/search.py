"""Search: Chinese full-text search (jieba + fts) with filters and highlighted matches."""

from __future__ import annotations

from html import escape

import streamlit as st

from core.routes import document_url
from dashboards import queries
from dashboards.markup import marked_snippet, plain
from dashboards.ui import SqlLog, as_of_input, cursor
from warehouse.fts import ExtensionError


def render() -> None:
    st.title("检索 Search")
    con = cursor()
    log = SqlLog(con)
    text = st.text_input("关键词 words", value=st.query_params.get("q", ""), placeholder="营商环境 民营")
    with st.expander("filters", expanded=False):
        c1, c2 = st.columns(2)
        issuer = c1.selectbox("发文机关 issuer", ["(any)", *queries.options(con, queries.issuers())])
        doc_type = c2.selectbox("文种 type", ["(any)", *queries.options(con, queries.doc_types())])
        c3, c4 = st.columns(2)
        date_from = c3.date_input("issued from", value=None)
        date_to = c4.date_input("issued to", value=None)
        c5, c6 = st.columns(2)
        status = c5.selectbox("status", ["(any)", *queries.STATUSES])
        with c6:
            as_of = as_of_input("status on")
    if not text.strip():
        st.info("type words to search, e.g. 营商环境 民营")
        return
    filters = queries.SearchFilters(
        issuer=None if issuer == "(any)" else issuer,
        doc_type=None if doc_type == "(any)" else doc_type,
        date_from=date_from,
        date_to=date_to,
        status=None if status == "(any)" else status,
        as_of=as_of,
    )
    try:
        query = queries.search_query(text, filters)
        results = queries.run_search(con, text, query)
    except queries.SearchInputError as exc:
        st.warning(plain(str(exc)))
        return
    except ExtensionError as exc:
        st.error(plain(f"full-text search is unavailable: {exc}"))
        return
    log.note(query)
    st.caption(f"{len(results)} documents")
    for row in results.itertuples():
        number = f"{escape(row.doc_number)} · " if isinstance(row.doc_number, str) else ""
        st.markdown(
            f'<div class="gz-hit"><a href="{escape(document_url(row.document_id))}" target="_self">'
            f"<b>{escape(row.title)}</b></a><br><small>{number}{escape(str(row.issuer or ''))} · "
            f"{escape(str(row.issued_date or ''))[:10]} · {escape(row.status)} · "
            f"score {row.score:.2f}</small>"
            f"<br>{marked_snippet(row.snippet)}</div><hr>",
            unsafe_allow_html=True,
        )
    log.show()
