"""Document: metadata, sightings, versions with the side-by-side diff, relations, status timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.routes import document_url
from core.vocabulary import INVERSE_RELATION
from dashboards import diffview, queries
from dashboards.graph import relation_graph
from dashboards.markup import plain, text_html
from dashboards.ui import SqlLog, as_of_input, cursor, int_param


def _pick_document(log: SqlLog) -> str | None:
    wanted = st.query_params.get("id")
    if wanted:
        return wanted
    text = st.text_input("find by number, title or id", placeholder="宁政规发〔2024〕1号")
    found = log.frame(queries.find_documents(text.strip()))
    if found.empty:
        st.info("no document matches")
        return None
    labels = {row.document_id: f"{row.doc_number or '—'} {row.title}" for row in found.itertuples()}
    chosen = st.selectbox("document", list(labels), format_func=labels.__getitem__)
    if chosen:
        st.query_params["id"] = chosen
    return chosen


def _diff_section(log: SqlLog, versions: pd.DataFrame, title: str) -> None:
    st.subheader("版本对照 versions")
    st.dataframe(versions.drop(columns=["text"]), hide_index=True, use_container_width=True)
    if len(versions) < 2:
        st.caption("one version only: nothing to compare")
        return
    numbers = list(versions["version_number"])
    new_default = int_param("new", numbers[-1])
    old_default = int_param(
        "old", numbers[numbers.index(new_default) - 1] if new_default in numbers[1:] else numbers[-2]
    )
    c1, c2 = st.columns(2)
    old_n = c1.selectbox(
        "old version", numbers, index=numbers.index(old_default) if old_default in numbers else 0
    )
    new_n = c2.selectbox(
        "new version",
        numbers,
        index=numbers.index(new_default) if new_default in numbers else len(numbers) - 1,
    )
    if old_n == new_n:
        st.caption("the same version on both sides: nothing to compare")
        return
    old = versions[versions.version_number == old_n].iloc[0]
    new = versions[versions.version_number == new_n].iloc[0]
    diff = diffview.version_diff(log.con, old.version_id, new.version_id)
    log.note(diff.query)
    st.caption(plain(diff.origin))
    unchanged = st.checkbox("show unchanged blocks too", value=False)
    html = diffview.diff_html(title, _version_label(old), _version_label(new), diff, unchanged=unchanged)
    st.markdown(html, unsafe_allow_html=True)


def _version_label(version: pd.Series) -> str:
    """Named as `gazette diff` names it: 第N版（first published, first seen in）."""
    published = version.first_published_date
    day = "?" if pd.isna(published) else str(pd.Timestamp(published).date())
    issue = version.first_seen_issue_id if isinstance(version.first_seen_issue_id, str) else ""
    return f"第{version.version_number}版（{day}，{issue}）"


def _relations_section(log: SqlLog, meta: pd.Series) -> None:
    st.subheader("关系 relations")
    outgoing = log.frame(queries.relations_out(meta.document_id))
    incoming = log.frame(queries.relations_in(meta.document_id))
    series = log.frame(queries.series(meta.document_id))
    if outgoing.empty and incoming.empty and series.empty:
        st.caption("no relations stated by or about this document")
        return
    label = f"{meta.doc_number}\n{meta.title[:18]}" if isinstance(meta.doc_number, str) else meta.title[:18]
    st.graphviz_chart(relation_graph(meta.document_id, label, outgoing, incoming))
    c1, c2 = st.columns(2)
    with c1:
        st.markdown("**this document → others** (repeals, amends, implements, cites …)")
        st.dataframe(outgoing, hide_index=True, use_container_width=True)
    with c2:
        st.markdown("**others → this document** (repealed by, amended by, implemented by, cited by …)")
        shown = incoming.assign(
            relation=incoming.relation.map(lambda r: INVERSE_RELATION.get(r, r)),
            link=incoming.source_document_id.map(document_url),
        )
        st.dataframe(
            shown,
            hide_index=True,
            use_container_width=True,
            column_config={"link": st.column_config.LinkColumn("open", display_text="open")},
        )
    if not series.empty:
        st.markdown("**same series**")
        st.dataframe(series, hide_index=True, use_container_width=True)


def render() -> None:
    st.title("文件 Document")
    con = cursor()
    log = SqlLog(con)
    document_id = _pick_document(log)
    if not document_id:
        log.show()
        return
    meta_frame = log.frame(queries.document(document_id))
    if meta_frame.empty:
        st.warning("no document with this id in this snapshot:")
        st.text(document_id)
        log.show()
        return
    meta = meta_frame.iloc[0]
    # stored text: HTML-escaped elements, never Markdown (which would link any address in it)
    st.html(text_html("h2", meta.title))
    st.html(
        text_html("b", meta.doc_number or "(no document number)")
        + text_html("span", f" · {meta.issuer or ''} · {meta.doc_type or ''}")
    )
    st.dataframe(meta_frame.T.rename(columns={0: "value"}).astype(str), use_container_width=True)

    st.subheader("效力 status timeline")
    as_of = as_of_input("status on")
    status = log.frame(queries.status_on(document_id, as_of))
    if not status.empty:
        st.markdown(f"status on {as_of}: **{plain(status.iloc[0].status)}**")
    st.dataframe(
        log.frame(queries.status_timeline(document_id, as_of)), hide_index=True, use_container_width=True
    )

    st.subheader("刊载 sightings")
    st.dataframe(
        log.frame(queries.sightings(document_id)),
        hide_index=True,
        use_container_width=True,
        column_config={"link": st.column_config.LinkColumn("source page", display_text="open")},
    )
    name = f"{meta.title}（{meta.doc_number}）" if isinstance(meta.doc_number, str) else meta.title
    _diff_section(log, log.frame(queries.versions(document_id)), name)
    _relations_section(log, meta)
    log.show()
