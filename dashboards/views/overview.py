"""Overview: what arrived, who publishes what, and whether the last run was healthy."""

from __future__ import annotations

import json

import streamlit as st

from dashboards import queries
from dashboards.markup import plain
from dashboards.ui import SqlLog, cursor


def render() -> None:
    st.title("概览 Overview")
    log = SqlLog(cursor())
    totals = log.frame(queries.totals()).iloc[0]
    cols = st.columns(6)
    for col, (label, key) in zip(
        cols,
        [
            ("文件 documents", "documents"),
            ("现行有效 in force", "in_force"),
            ("版本 versions", "versions"),
            ("出版物 publications", "publications"),
            ("事件 events", "events"),
            ("本周新增 this week", "arrived_this_week"),
        ],
        strict=True,
    ):
        col.metric(label, int(totals[key]))

    left, right = st.columns(2)
    with left:
        st.subheader("每周文件数 documents per week")
        weekly = log.frame(queries.documents_per_week())
        if weekly.empty:
            st.info("no documents with a publication date yet")
        else:
            st.bar_chart(weekly, x="week", y="documents")
    with right:
        st.subheader("发文机关 documents per issuer")
        per_issuer = log.frame(queries.documents_per_issuer())
        if not per_issuer.empty:
            st.bar_chart(per_issuer, x="issuer", y="documents", horizontal=True)

    st.subheader("最近入库 latest publications ingested")
    st.dataframe(log.frame(queries.latest_issues()), hide_index=True, use_container_width=True)

    st.subheader("运行状况 last run's health")
    run = log.frame(queries.last_run())
    if run.empty:
        st.caption("no flow run recorded in this snapshot (loaded by `gazette demo` or the monitor directly)")
    else:
        row = run.iloc[0]
        st.write(
            f"**{plain(row.flow_name)}** {plain(row.status)}, started {row.started_at}: "
            f"{row.issues_loaded} issues loaded, "
            f"{row.documents_new} new documents, {row.error_count} errors"
        )
        if row.errors:
            st.json(json.loads(row.errors) if isinstance(row.errors, str) else row.errors)
    problems = log.frame(queries.recent_problems())
    st.markdown(f"**提取问题 extraction problems** (last 7 days of recorded events): {len(problems)}")
    if not problems.empty:
        st.dataframe(problems, hide_index=True, use_container_width=True)
    no_text = log.frame(queries.pages_without_text())
    st.markdown(f"**无文字层页面 pages without text**: {len(no_text)}")
    if not no_text.empty:
        st.dataframe(no_text, hide_index=True, use_container_width=True)
    log.show()
