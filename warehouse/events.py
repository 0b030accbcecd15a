"""The one writer of `events`, the append-only change log, and the statements that feed it.

Every event is appended by `append_events`: one statement numbers the new events after
the current last one (gap-free: DuckDB has one writer, so a rerun after a crash produces
exactly the ids an uninterrupted run would have) and skips keys already recorded. The
loader, the status pass and failures all hand it candidate rows; the link events
(repealed, amended, corrected) are defined once (`LINK_EVENTS_SQL`), so what a subscriber
reads does not depend on which step noticed the relation first.

A failure is part of the stream of changes like a new document: the digest and the
dashboard show it, so an operator learns that a gazette issue was missed instead of
reading "nothing new".
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import duckdb

from core.clock import utc_now
from core.vocabulary import EventKind
from warehouse.connect import scalar


def record_problem(
    con: duckdb.DuckDBPyConnection,
    *,
    source_id: str | None,
    issue_id: str | None,
    message: str,
    stage: str = "ingest",
    flow_run_id: str | None = None,
    traceback: str | None = None,
) -> bool:
    """Append an `extraction_problem` event unless the same problem is already recorded.

    The key is the problem itself (source, issue, message), so a file that
    keeps failing on every poll is one event, not one per poll; the runs that
    met it are in `flow_runs`. Returns True when a new event was appended.
    """
    fingerprint = hashlib.sha1(f"{source_id}|{issue_id}|{message}".encode()).hexdigest()[:16]
    details = {"stage": stage, "problem": message, **({"traceback": traceback} if traceback else {})}
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _problem_event AS
        SELECT ? AS event_key, '{EventKind.EXTRACTION_PROBLEM}' AS kind, NULL::VARCHAR AS document_id,
               NULL::VARCHAR AS version_id, NULL::VARCHAR AS related_document_id, ? AS issue_id,
               ? AS source_id, current_date AS occurred_on, ? AS summary, ?::JSON AS details,
               1 AS grp, '' AS sort_key
        """,
        [
            f"problem:{stage}:{fingerprint}",
            issue_id,
            source_id,
            f"抓取/提取失败：{message}"[:500],
            json.dumps(details, ensure_ascii=False),
        ],
    )
    appended = append_events(con, "_problem_event", flow_run_id=flow_run_id)
    con.execute("DROP TABLE _problem_event")
    return appended > 0


# Columns of a candidates table handed to `append_events`; `grp` then `sort_key` order the new ids.
CANDIDATE_COLUMNS = (
    "event_key, kind, document_id, version_id, related_document_id, issue_id, source_id, occurred_on, "
    "summary, details, grp, sort_key"
)


def append_events(con: duckdb.DuckDBPyConnection, candidates: str, *, flow_run_id: str | None = None) -> int:
    """Append the rows of the temp table `candidates` whose event_key is new; return how many.

    The table has CANDIDATE_COLUMNS; duplicates of one key within it keep the first by (grp, sort_key).
    """
    row = con.execute(
        f"""
        INSERT INTO events (event_id, event_key, kind, document_id, version_id, related_document_id, issue_id,
                            source_id, occurred_on, summary, details, flow_run_id, recorded_at)
        SELECT (SELECT coalesce(max(event_id), 0) FROM events)
                   + row_number() OVER (ORDER BY grp, sort_key, event_key),
               event_key, kind, document_id, version_id, related_document_id, issue_id, source_id,
               occurred_on, summary, details, $flow_run_id, $now
        FROM (
            SELECT {CANDIDATE_COLUMNS} FROM {candidates}
            QUALIFY row_number() OVER (PARTITION BY event_key ORDER BY grp, sort_key) = 1
        ) c
        WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.event_key = c.event_key)
        """,
        {"flow_run_id": flow_run_id, "now": utc_now()},
    ).fetchone()
    return int(row[0]) if row else 0


def link_events_sql(scope: str) -> str:
    """The candidate events of stated relations (repealed, amended, corrected) for references in `scope`.

    `scope` is a predicate on `r` (document_references); the one definition of what a subscriber
    reads when a document is repealed, superseded, amended or corrected, whoever writes it. The
    kinds are EventKind values (the events table's CHECK constraint refuses any other word).
    """
    return f"""
    WITH stated AS (
        SELECT r.*, CASE WHEN r.relation IN ('repeals', 'supersedes') THEN 'repealed'
                         WHEN r.relation = 'amends' THEN 'amended' ELSE 'corrected' END AS kind
        FROM document_references r
        WHERE r.relation IN ('repeals', 'supersedes', 'amends', 'corrects')
          AND r.target_document_id <> r.source_document_id
          AND ({scope})
    )
    SELECT r.kind || ':' || r.target_document_id || ':' || r.source_document_id AS event_key, r.kind,
           r.target_document_id AS document_id, NULL AS version_id,
           r.source_document_id AS related_document_id, NULL AS issue_id, NULL AS source_id,
           coalesce(src.effective_date, src.issued_date, src.first_published_date) AS occurred_on,
           CASE r.relation WHEN 'repeals' THEN '被废止：' WHEN 'supersedes' THEN '被替代：'
                           WHEN 'amends' THEN '被修改：' ELSE '被更正：' END
               || tgt.title || coalesce('（' || tgt.doc_number || '）', '') || '，依据 ' || src.title
               || coalesce('（' || src.doc_number || '）', '') AS summary,
           json_object('relation', r.relation, 'evidence', r.evidence, 'reference_id', r.reference_id,
                       'resolution_method', r.resolution_method,
                       'resolution_score', r.resolution_score) AS details,
           coalesce(CAST(coalesce(src.effective_date, src.issued_date, src.first_published_date) AS VARCHAR),
                    '9999') || r.reference_id AS sort_key
    FROM stated r
    JOIN documents src ON src.document_id = r.source_document_id
    JOIN documents tgt ON tgt.document_id = r.target_document_id
    """


def last_event_id(con: duckdb.DuckDBPyConnection) -> int:
    """The newest event's id: what a run remembers at its start to count what it added."""
    return int(scalar(con, "SELECT coalesce(max(event_id), 0) FROM events"))


def events_since(con: duckdb.DuckDBPyConnection, after_event_id: int) -> Counter[str]:
    """Events recorded after `after_event_id`, counted by kind (new_document, new_version, repealed ...)."""
    rows = con.execute(
        "SELECT kind, count(*) FROM events WHERE event_id > ? GROUP BY kind", [after_event_id]
    ).fetchall()
    return Counter(dict(rows))
