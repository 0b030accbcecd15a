"""Writers of the tables reconcile derives from the loaded documents.

Reconcile computes (diffs, duplicates, resolved references, cascade alignments, series,
statuses); the warehouse writes. The writers take plain rows, so the warehouse never
imports the stage above it, and each table has one writer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

import duckdb

from core.clock import utc_now

# A diff hunk as stored: (kind, locator, old_position, new_position, old_text, new_text, similarity).
HunkRow = tuple[str, str, int | None, int | None, str | None, str | None, float]


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def store_diff(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    old_version_id: str,
    new_version_id: str,
    *,
    hunks: Sequence[HunkRow],
    similarity: float,
    algorithm: str,
    kind: str = "revision",
) -> str:
    """Write (or rewrite) one diff and its hunks; returns the diff_id."""
    diff_id = f"{old_version_id}->{new_version_id}"
    con.execute("DELETE FROM diff_hunks WHERE diff_id = ?", [diff_id])
    con.execute("DELETE FROM diffs WHERE diff_id = ?", [diff_id])
    changes = sum(1 for hunk in hunks if hunk[0] != "unchanged")
    con.execute(
        "INSERT INTO diffs (diff_id, document_id, old_version_id, new_version_id, kind, similarity, "
        "hunk_count, algorithm, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            diff_id,
            document_id,
            old_version_id,
            new_version_id,
            kind,
            similarity,
            changes,
            algorithm,
            utc_now(),
        ],
    )
    if hunks:
        con.executemany(
            "INSERT INTO diff_hunks (diff_id, hunk_number, kind, locator, old_position, new_position, "
            "old_text, new_text, similarity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[diff_id, n, *hunk] for n, hunk in enumerate(hunks)],
        )
    return diff_id


def store_duplicates(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[str, str, str, float, str]]) -> int:
    """Record (document_id, canonical_document_id, method, similarity, reason) rows; return the new ones."""
    if not rows:
        return 0
    before = _count(con, "document_duplicates")
    now = utc_now()
    con.executemany(
        "INSERT INTO document_duplicates "
        "(document_id, canonical_document_id, method, similarity, reason, found_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [[*row, now] for row in rows],
    )
    return _count(con, "document_duplicates") - before


def store_resolutions(con: duckdb.DuckDBPyConnection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Record what each reference was resolved to.

    Rows are (reference_id, target_document_id, method, score, best_candidate_id,
    best_candidate_score, note); `resolved_at` moves only when the target changes.
    """
    if not rows:
        return
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _relations_found (reference_id VARCHAR, target VARCHAR, "
        "method VARCHAR, score DOUBLE, best_id VARCHAR, best_score DOUBLE, note VARCHAR)"
    )
    con.executemany("INSERT INTO _relations_found VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute(
        """
        UPDATE document_references r
        SET target_document_id = f.target, resolution_method = f.method, resolution_score = f.score,
            best_candidate_id = f.best_id, best_candidate_score = f.best_score,
            resolution_note = f.note, checked_at = $now,
            resolved_at = CASE WHEN f.target IS NULL THEN NULL
                               WHEN f.target IS DISTINCT FROM r.target_document_id THEN $now
                               ELSE r.resolved_at END
        FROM _relations_found f
        WHERE r.reference_id = f.reference_id
        """,
        {"now": utc_now()},
    )
    con.execute("DROP TABLE _relations_found")


# An aligned row: (kind, child_locator, parent_locator, child_text, parent_text, similarity, changes).
AlignmentRow = tuple[str, str | None, str | None, str | None, str | None, float | None, Any]


def store_alignment(
    con: duckdb.DuckDBPyConnection,
    child: tuple[str, str],
    parent: tuple[str, str],
    rows: Sequence[AlignmentRow],
    algorithm: str,
) -> None:
    """Replace the stored alignment of one ((child document, version), (parent document, version)) pair."""
    (child_doc, child_version), (parent_doc, parent_version) = child, parent
    con.execute(
        "DELETE FROM cascade_alignments WHERE child_version_id = ? AND parent_version_id = ?",
        [child_version, parent_version],
    )
    if not rows:
        return
    now = utc_now()
    con.executemany(
        """
        INSERT INTO cascade_alignments (child_version_id, parent_version_id, row_number, child_document_id,
            parent_document_id, kind, child_locator, parent_locator, child_text, parent_text, similarity,
            changes, algorithm, computed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            (
                child_version,
                parent_version,
                n,
                child_doc,
                parent_doc,
                *row[:6],
                json.dumps(row[6], ensure_ascii=False),
                algorithm,
                now,
            )
            for n, row in enumerate(rows)
        ],
    )


def set_series_key(con: duckdb.DuckDBPyConnection, document_id: str, key: str) -> None:
    con.execute(
        "UPDATE documents SET series_key = ? WHERE document_id = ? AND series_key IS DISTINCT FROM ?",
        [key, document_id, key],
    )


def store_series_link(
    con: duckdb.DuckDBPyConnection,
    older: tuple[str, int],
    newer: tuple[str, int],
    series_key: str,
    diff_id: str,
) -> None:
    """Link two consecutive editions ((document_id, year) each) with their year-over-year diff."""
    con.execute(
        "INSERT INTO series_links (older_document_id, newer_document_id, series_key, older_year, "
        "newer_year, diff_id, found_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [older[0], newer[0], series_key, older[1], newer[1], diff_id, utc_now()],
    )


def store_statuses(con: duckdb.DuckDBPyConnection, as_of: date) -> int:
    """Store every document's status on `as_of` (the `document_status` macro); return how many changed."""
    row = con.execute(
        """
        UPDATE documents d
        SET status = s.status, status_as_of = s.as_of, status_by_document_id = s.status_by,
            status_since = s.status_since, updated_at = now() AT TIME ZONE 'UTC'
        FROM document_status(?) s
        WHERE d.document_id = s.document_id
          AND (d.status IS DISTINCT FROM s.status OR d.status_as_of IS DISTINCT FROM s.as_of
               OR d.status_by_document_id IS DISTINCT FROM s.status_by
               OR d.status_since IS DISTINCT FROM s.status_since)
        """,
        [as_of],
    ).fetchone()
    return int(row[0]) if row else 0
