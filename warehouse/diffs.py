"""Reading the stored diffs: the one place that knows how `diffs` and `diff_hunks` fit together.

Reconcile writes a diff per pair of consecutive versions (and per series step); `gazette diff`,
the dashboard and the digests all read them through here, hunk by hunk in reading order.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# Every hunk of the diff between two versions, in reading order (the dashboard shows this SQL).
HUNKS_SQL = """
SELECT d.diff_id, d.kind AS diff_kind, d.similarity AS overall_similarity, d.algorithm,
       h.hunk_number, h.kind, h.locator, h.old_position, h.new_position, h.old_text, h.new_text,
       h.similarity
FROM diffs d
JOIN diff_hunks h ON h.diff_id = d.diff_id
WHERE d.old_version_id = ? AND d.new_version_id = ?
ORDER BY h.hunk_number"""


@dataclass(frozen=True)
class StoredHunk:
    hunk_number: int
    kind: str  # core.vocabulary.HunkKind
    locator: str
    old_position: int | None
    new_position: int | None
    old_text: str | None
    new_text: str | None
    similarity: float | None


@dataclass(frozen=True)
class StoredDiff:
    diff_id: str
    kind: str  # core.vocabulary.DiffKind
    similarity: float | None
    hunks: list[StoredHunk]

    @property
    def changes(self) -> list[StoredHunk]:
        return [hunk for hunk in self.hunks if hunk.kind != "unchanged"]


def stored_diff(
    con: duckdb.DuckDBPyConnection, old_version_id: str, new_version_id: str
) -> StoredDiff | None:
    """The diff stored between two versions, or None when reconcile has not computed it."""
    rows = con.execute(HUNKS_SQL, [old_version_id, new_version_id]).fetchall()
    if not rows:
        header = con.execute(
            "SELECT diff_id, kind, similarity FROM diffs WHERE old_version_id = ? AND new_version_id = ?",
            [old_version_id, new_version_id],
        ).fetchone()
        return StoredDiff(header[0], header[1], header[2], []) if header else None
    diff_id, kind, similarity = rows[0][0], rows[0][1], rows[0][2]
    hunks = [
        StoredHunk(row[4], row[5], row[6] or "", row[7], row[8], row[9], row[10], row[11]) for row in rows
    ]
    return StoredDiff(diff_id, kind, similarity, hunks)


def revision_diff_of(con: duckdb.DuckDBPyConnection, new_version_id: str) -> StoredDiff | None:
    """The latest revision diff that leads to `new_version_id` (what a digest shows for a new version)."""
    row = con.execute(
        "SELECT old_version_id FROM diffs WHERE new_version_id = ? AND kind = 'revision' "
        "ORDER BY computed_at DESC LIMIT 1",
        [new_version_id],
    ).fetchone()
    return stored_diff(con, row[0], new_version_id) if row else None
