"""Versions: the stored diff between consecutive versions of a document (and from the version left to
the one served again, when a publisher reverts).

Whether a text is a new version at all is decided earlier, by the loader's noise
rule (warehouse.copies): by the time reconcile runs, every version is a real revision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from reconcile.diff import ALGORITHM, Diff, diff_texts
from warehouse import derived
from warehouse.copies import GAP_REASON
from warehouse.transactions import transaction


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def best_text(con: duckdb.DuckDBPyConnection, version_id: str) -> str:
    """The most complete text of a version: its own, or a copy that has the text of a page the first lacked.

    Only copies that filled a scan gap qualify: a web article that merely
    repeats the title above the body is longer, not more complete.
    """
    row = con.execute(
        """
        SELECT text FROM (
            SELECT text, length(text) AS n, 0 AS preference FROM versions WHERE version_id = $v
            UNION ALL
            SELECT text, char_count, 1 FROM version_copies
            WHERE version_id = $v AND reason = $gap_reason
        ) ORDER BY n DESC, preference LIMIT 1
        """,
        {"v": version_id, "gap_reason": f"older copy {GAP_REASON}"},
    ).fetchone()
    if row is None:
        raise KeyError(version_id)
    return row[0]


def store_diff(
    con: duckdb.DuckDBPyConnection,
    document_id: str,
    old_version_id: str,
    new_version_id: str,
    diff: Diff,
    kind: str = "revision",
) -> str:
    """Store one diff through the warehouse's writer; returns the diff_id."""
    hunks = [
        (h.kind, h.locator, h.old_position, h.new_position, h.old_text, h.new_text, h.similarity)
        for h in diff.hunks
    ]
    return derived.store_diff(
        con, document_id, old_version_id, new_version_id,
        hunks=hunks, similarity=diff.similarity, algorithm=ALGORITHM, kind=kind,
    )  # fmt: skip


@dataclass
class DiffReport:
    computed: int = 0
    errors: list[str] = field(default_factory=list)


def compute_revision_diffs(con: duckdb.DuckDBPyConnection) -> DiffReport:
    """A diff for every pair of consecutive versions, and for every revert (the version left -> the
    version served again), that has none yet (or one from an older algorithm)."""
    pairs = con.execute(
        """
        WITH ordered AS (
            SELECT document_id, version_id,
                   lag(version_id) OVER (PARTITION BY document_id ORDER BY version_number) AS previous
            FROM versions
        ), wanted AS (
            SELECT document_id, previous, version_id FROM ordered WHERE previous IS NOT NULL
            UNION
            SELECT document_id, json_extract_string(details, '$.from_version_id'), version_id FROM events
            WHERE kind = 'reverted' AND json_extract_string(details, '$.from_version_id') IS NOT NULL
        )
        SELECT o.document_id, o.previous, o.version_id FROM wanted o
        LEFT JOIN diffs f ON f.old_version_id = o.previous AND f.new_version_id = o.version_id
        WHERE f.diff_id IS NULL OR f.algorithm IS DISTINCT FROM ?
        ORDER BY o.document_id, o.version_id
        """,
        [ALGORITHM],
    ).fetchall()
    report = DiffReport()
    for document_id, old_id, new_id in pairs:
        try:
            diff = diff_texts(best_text(con, old_id), best_text(con, new_id))
            with transaction(con):
                store_diff(con, document_id, old_id, new_id, diff)
            report.computed += 1
        except Exception as exc:  # one document's trouble never stops the others
            report.errors.append(
                f"diff {old_id} -> {new_id}: {str(exc).splitlines()[0] if str(exc) else exc!r}"
            )
    return report
