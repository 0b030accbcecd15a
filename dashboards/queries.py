"""The SQL behind every dashboard page, as plain functions over a DuckDB connection.

Each function returns a `Query`: the exact SQL text and its bound parameters.
The page runs it and shows it in its "show SQL" box, so what an analyst copies
is what produced the table on screen. User input only ever travels as a bound
parameter (`?`), never inside the SQL text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from warehouse.fts import load_fts
from warehouse.search import INDEX_SCHEMA, highlight, tokenize

STATUSES = ("in_force", "amended", "not_yet_in_force", "expired", "repealed")
EVENT_KINDS = (
    "new_document",
    "new_version",
    "reverted",
    "repealed",
    "amended",
    "expiring_soon",
    "expired",
    "extraction_problem",
)
# relation as stated by the source → how the target side reads it
INVERSE_RELATION = {
    "repeals": "repealed by",
    "supersedes": "superseded by",
    "amends": "amended by",
    "implements": "implemented by",
    "cites": "cited by",
    "same_series": "same series as",
    "corrects": "corrected by",
}


@dataclass(frozen=True)
class Query:
    """One statement as the page ran it: SQL text with `?` placeholders and the values bound to them."""

    title: str
    sql: str
    params: tuple = field(default_factory=tuple)

    def display(self) -> str:
        """The SQL as shown in "show SQL": the statement, then its parameter values in order."""
        text = self.sql.strip()
        if self.params:
            values = ", ".join(f"${i} = {value!r}" for i, value in enumerate(self.params, start=1))
            text += f"\n-- parameters (bound in order to each ?): {values}"
        return text


def run(con: duckdb.DuckDBPyConnection, query: Query) -> pd.DataFrame:
    return con.execute(query.sql, list(query.params)).df()


# ---------------------------------------------------------------- Overview


def totals() -> Query:
    return Query(
        "totals",
        """
SELECT (SELECT count(*) FROM documents) AS documents,
       (SELECT count(*) FROM versions) AS versions,
       (SELECT count(*) FROM sightings) AS sightings,
       (SELECT count(*) FROM issues) AS publications,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM documents WHERE status = 'in_force') AS in_force,
       (SELECT count(*) FROM documents
         WHERE first_loaded_at >= date_trunc('week', current_date)) AS arrived_this_week""",
    )


def documents_per_week() -> Query:
    return Query(
        "documents per week of first publication",
        """
SELECT CAST(date_trunc('week', first_published_date) AS DATE) AS week, count(*) AS documents
FROM documents
WHERE first_published_date IS NOT NULL
GROUP BY ALL
ORDER BY week""",
    )


def documents_per_issuer(limit: int = 15) -> Query:
    return Query(
        "documents per issuer",
        """
SELECT coalesce(issuer, '(issuer unknown)') AS issuer, count(*) AS documents,
       count(*) FILTER (WHERE status = 'in_force') AS in_force
FROM documents
GROUP BY ALL
ORDER BY documents DESC, issuer
LIMIT ?""",
        (limit,),
    )


def latest_issues(limit: int = 10) -> Query:
    return Query(
        "latest publications ingested",
        """
SELECT i.issue_id, i.kind, i.title, i.published_date, i.page_count, i.loaded_at,
       count(DISTINCT s.document_id) AS documents,
       (SELECT count(*) FROM pages p WHERE p.issue_id = i.issue_id AND NOT p.has_text) AS pages_without_text
FROM issues i
LEFT JOIN sightings s ON s.issue_id = i.issue_id
GROUP BY ALL
ORDER BY i.loaded_at DESC, i.issue_id
LIMIT ?""",
        (limit,),
    )


def last_run() -> Query:
    return Query(
        "last flow run",
        """
SELECT flow_run_id, flow_name, status, started_at, finished_at, issues_seen, issues_loaded,
       issues_unchanged, documents_new, versions_new, events_new, error_count, errors
FROM flow_runs
ORDER BY started_at DESC
LIMIT 1""",
    )


def recent_problems(days: int = 7) -> Query:
    return Query(
        "extraction problems of the last days",
        """
SELECT event_id, recorded_at, issue_id, summary
FROM events
WHERE kind = 'extraction_problem'
  AND recorded_at >= (SELECT max(recorded_at) FROM events) - to_days(CAST(? AS INTEGER))
ORDER BY event_id DESC""",
        (days,),
    )


def pages_without_text() -> Query:
    return Query(
        "pages without a text layer",
        """
SELECT p.issue_id, i.title, p.page_index + 1 AS page, p.printed_number
FROM pages p
LEFT JOIN issues i USING (issue_id)
WHERE NOT p.has_text
ORDER BY p.issue_id, p.page_index""",
    )


# ---------------------------------------------------------------- filters


def issuers() -> Query:
    return Query("issuers", "SELECT DISTINCT issuer FROM documents WHERE issuer IS NOT NULL ORDER BY issuer")


def doc_types() -> Query:
    return Query(
        "types", "SELECT DISTINCT doc_type FROM documents WHERE doc_type IS NOT NULL ORDER BY doc_type"
    )


def options(con: duckdb.DuckDBPyConnection, query: Query) -> list[str]:
    return [row[0] for row in con.execute(query.sql, list(query.params)).fetchall()]


# ---------------------------------------------------------------- Search


@dataclass(frozen=True)
class SearchFilters:
    issuer: str | None = None
    doc_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    as_of: date | None = None  # the date the status is computed for (default: today)


class SearchInputError(ValueError):
    """The search cannot run as asked (nothing searchable in the words given)."""


def search_query(text: str, filters: SearchFilters = SearchFilters(), limit: int = 50) -> Query:
    """BM25 over the jieba tokens (warehouse.search), joined with the status on `filters.as_of`."""
    terms = tokenize(text)
    if not terms:
        raise SearchInputError(f"nothing to search for in {text!r}")
    issued = "coalesce(d.issued_date, d.first_published_date)"
    chosen = [
        (condition, value)
        for condition, value in (
            ("d.issuer = ?", filters.issuer),
            ("d.doc_type = ?", filters.doc_type),
            (f"{issued} >= ?", filters.date_from),
            (f"{issued} <= ?", filters.date_to),
            ("st.status = ?", filters.status),
        )
        if value
    ]
    where = ["s.score IS NOT NULL", *(condition for condition, _ in chosen)]
    params: list = [" ".join(terms), filters.as_of or date.today(), *(value for _, value in chosen), limit]
    sql = f"""
SELECT d.document_id, d.doc_number, d.title, d.issuer, d.doc_type, d.issued_date,
       st.status, st.as_of AS status_on, s.score, v.text
FROM (SELECT document_id, {INDEX_SCHEMA}.match_bm25(document_id, ?) AS score
      FROM search_documents) s
JOIN documents d ON d.document_id = s.document_id
JOIN versions v ON v.version_id = d.latest_version_id
JOIN document_status(CAST(? AS DATE)) st ON st.document_id = d.document_id
WHERE {" AND ".join(where)}
ORDER BY s.score DESC, d.document_id
LIMIT ?"""
    return Query("search", sql, tuple(params))


def run_search(con: duckdb.DuckDBPyConnection, text: str, query: Query) -> pd.DataFrame:
    """Run a search query and replace the full text by a snippet with the matches marked.

    The marks are private-use characters, so that the page can escape the
    snippet as HTML first and turn the marks into <mark> tags afterwards.
    """
    load_fts(con)
    frame = run(con, query)
    words = [w for w in text.lower().split() if w] + tokenize(text)
    frame["snippet"] = [highlight(t, words, width=120, marks=MARKS) for t in frame.pop("text")]
    return frame


MARKS = ("\ue000", "\ue001")


# ---------------------------------------------------------------- Document


def find_documents(text: str, limit: int = 30) -> Query:
    """Documents whose number, title or id contains the text: the Document page's picker."""
    return Query(
        "find a document",
        """
SELECT document_id, doc_number, title, issued_date
FROM documents
WHERE ? = '' OR contains(coalesce(doc_number, ''), ?) OR contains(title, ?) OR document_id = ?
ORDER BY issued_date DESC NULLS LAST, document_id
LIMIT ?""",
        (text, text, text, text, limit),
    )


def document(document_id: str) -> Query:
    return Query(
        "metadata",
        """
SELECT document_id, doc_number, title, issuer, doc_type, issued_date, effective_date, effective_on_issue,
       expiry_date, status, status_as_of, publication_note, addressees, attachments,
       first_published_date, first_seen_issue_id, version_count, series_key, identity_key
FROM documents
WHERE document_id = ?""",
        (document_id,),
    )


def sightings(document_id: str) -> Query:
    """Where the document was seen, with a link to the page in the source file (#page= is 1-based)."""
    return Query(
        "sightings",
        """
SELECT s.issue_id, i.title AS issue_title, i.published_date, v.version_number, s.start_page, s.end_page,
       s.title_as_printed, f.url AS source_url,
       CASE WHEN f.url IS NULL THEN NULL
            WHEN coalesce(f.content_type, '') LIKE '%pdf%' OR f.url ILIKE '%.pdf'
                THEN f.url || '#page=' || coalesce(
                    (SELECT min(p.page_index) + 1 FROM pages p
                      WHERE p.file_sha256 = s.file_sha256 AND p.printed_number = s.start_page),
                    s.start_page, 1)
            ELSE f.url END AS link
FROM sightings s
JOIN versions v ON v.version_id = s.version_id
LEFT JOIN issues i ON i.issue_id = s.issue_id
LEFT JOIN fetched_files f ON f.sha256 = s.file_sha256
WHERE s.document_id = ?
ORDER BY i.published_date, s.issue_id, s.position""",
        (document_id,),
    )


def versions(document_id: str) -> Query:
    return Query(
        "versions",
        """
SELECT version_id, version_number, first_published_date, first_seen_issue_id, char_count, content_sha256, text
FROM versions
WHERE document_id = ?
ORDER BY version_number""",
        (document_id,),
    )


def stored_diff(old_version_id: str, new_version_id: str) -> Query:
    return Query(
        "stored diff",
        """
SELECT d.diff_id, d.kind AS diff_kind, d.similarity AS overall_similarity, d.algorithm,
       h.hunk_number, h.kind, h.locator, h.old_position, h.new_position, h.old_text, h.new_text,
       h.similarity
FROM diffs d
JOIN diff_hunks h ON h.diff_id = d.diff_id
WHERE d.old_version_id = ? AND d.new_version_id = ?
ORDER BY h.hunk_number""",
        (old_version_id, new_version_id),
    )


def relations_out(document_id: str) -> Query:
    """What this document states about others (one row per relation and target, however many versions)."""
    return Query(
        "relations stated by this document",
        """
SELECT r.relation, r.target_document_id,
       coalesce(t.doc_number, r.target_doc_number) AS target_doc_number,
       coalesce(t.title, r.target_title) AS target_title,
       r.target_document_id IS NOT NULL AS resolved,
       min(r.evidence) AS evidence
FROM document_references r
LEFT JOIN documents t ON t.document_id = r.target_document_id
WHERE r.source_document_id = ?
GROUP BY r.relation, r.target_document_id, r.target_doc_number, r.target_title, t.doc_number, t.title
ORDER BY r.relation, target_doc_number NULLS LAST, target_title""",
        (document_id,),
    )


def relations_in(document_id: str) -> Query:
    """What other documents state about this one (repealed by, implemented by, cited by …)."""
    return Query(
        "relations stated about this document",
        """
SELECT r.relation, r.source_document_id, s.doc_number AS source_doc_number, s.title AS source_title,
       coalesce(s.effective_date, s.issued_date, s.first_published_date) AS source_date,
       min(r.evidence) AS evidence
FROM document_references r
JOIN documents s ON s.document_id = r.source_document_id
WHERE r.target_document_id = ? AND r.source_document_id <> r.target_document_id
GROUP BY ALL
ORDER BY r.relation, source_date""",
        (document_id,),
    )


def series(document_id: str) -> Query:
    return Query(
        "same series",
        """
SELECT o.document_id, o.doc_number, o.title, o.issued_date
FROM documents d
JOIN documents o ON o.series_key = d.series_key AND o.document_id <> d.document_id
WHERE d.document_id = ? AND d.series_key IS NOT NULL
ORDER BY o.issued_date""",
        (document_id,),
    )


def status_timeline(document_id: str, as_of: date) -> Query:
    """The dates at which the document's status changes, as far as the warehouse knows them."""
    return Query(
        "status timeline",
        """
WITH s AS (SELECT * FROM document_status(CAST(? AS DATE)) WHERE document_id = ?)
SELECT * FROM (
    SELECT issued_date AS on_date, 'issued (成文日期)' AS milestone, NULL AS by_document FROM s
    UNION ALL SELECT in_force_from, 'in force from', NULL FROM s
    UNION ALL SELECT amended_on, 'amended', amended_by FROM s
    UNION ALL SELECT repealed_on, 'repealed', repealed_by FROM s
    UNION ALL SELECT expiry_date, 'validity ends (有效期至)', NULL FROM s
) WHERE on_date IS NOT NULL
ORDER BY on_date, milestone""",
        (as_of, document_id),
    )


def status_on(document_id: str, as_of: date) -> Query:
    return Query(
        "status on a date",
        "SELECT status, in_force_from, expiry_date, repealed_by, repealed_on, amended_by, amended_on "
        "FROM document_status(CAST(? AS DATE)) WHERE document_id = ?",
        (as_of, document_id),
    )


# ---------------------------------------------------------------- Cascade


def implementing_documents() -> Query:
    """Documents that implement another document the warehouse holds (the cascade's lower levels)."""
    return Query(
        "implementing documents",
        """
SELECT DISTINCT c.document_id, c.doc_number, c.title, c.issuer,
       p.document_id AS parent_document_id, p.doc_number AS parent_doc_number, p.title AS parent_title
FROM document_references r
JOIN documents c ON c.document_id = r.source_document_id
JOIN documents p ON p.document_id = r.target_document_id
WHERE r.relation = 'implements' AND r.source_document_id <> r.target_document_id
ORDER BY c.doc_number NULLS LAST, c.document_id, p.doc_number""",
    )


def cascade_alignment(document_id: str) -> Query:
    """The alignment reconcile stored for the document's current version against each parent's current one."""
    return Query(
        "stored cascade alignment",
        """
SELECT p.doc_number AS parent_doc_number, a.row_number, a.kind, a.parent_locator, a.child_locator,
       a.similarity, a.changes, a.parent_text, a.child_text, a.algorithm
FROM cascade_alignments a
JOIN documents c ON c.document_id = a.child_document_id AND c.latest_version_id = a.child_version_id
JOIN documents p ON p.document_id = a.parent_document_id AND p.latest_version_id = a.parent_version_id
WHERE a.child_document_id = ?
ORDER BY parent_doc_number, a.row_number""",
        (document_id,),
    )


# ---------------------------------------------------------------- Changes


@dataclass(frozen=True)
class EventFilters:
    kinds: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    issuer: str | None = None
    contains: str | None = None


def events(filters: EventFilters = EventFilters(), limit: int = 500) -> Query:
    """The change log as subscribers receive it, newest first."""
    where: list[str] = []
    params: list = []
    if filters.kinds:
        where.append("list_contains(?, e.kind)")
        params.append(list(filters.kinds))
    if filters.since:
        where.append("e.recorded_at >= CAST(? AS TIMESTAMP)")
        params.append(filters.since)
    if filters.until:
        where.append("e.recorded_at < CAST(? AS DATE) + 1")
        params.append(filters.until)
    if filters.issuer:
        where.append("d.issuer = ?")
        params.append(filters.issuer)
    if filters.contains:
        where.append("(contains(e.summary, ?) OR contains(coalesce(d.doc_number, ''), ?))")
        params.extend([filters.contains, filters.contains])
    params.append(limit)
    sql = f"""
SELECT e.event_id, e.kind, e.recorded_at, e.occurred_on, e.summary,
       d.doc_number, d.issuer, e.document_id, e.related_document_id, e.issue_id
FROM events e
LEFT JOIN documents d ON d.document_id = e.document_id
{"WHERE " + " AND ".join(where) if where else ""}
ORDER BY e.event_id DESC
LIMIT ?"""
    return Query("events", sql, tuple(params))


# ---------------------------------------------------------------- Expiring


def expiring(days: int, as_of: date) -> Query:
    return Query(
        "expiring within N days",
        """
SELECT document_id, doc_number, title, issuer, expiry_date, days_left, status
FROM expiring_within(CAST(? AS INTEGER), as_of := CAST(? AS DATE))""",
        (days, as_of),
    )


def recently_expired(days: int, as_of: date) -> Query:
    return Query(
        "expired within the last N days",
        """
SELECT document_id, doc_number, title, issuer, expiry_date,
       CAST(? AS DATE) - expiry_date AS days_ago
FROM document_status(CAST(? AS DATE))
WHERE status = 'expired'
  AND expiry_date >= CAST(? AS DATE) - CAST(? AS INTEGER)
ORDER BY expiry_date DESC, document_id""",
        (as_of, as_of, as_of, days),
    )
