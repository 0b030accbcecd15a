"""Quarantine: a fetched body that is not plausibly the publication never becomes a version.

The loader asks here before it writes anything. Two kinds of evidence:
- the bytes themselves (`extractors.plausibility`): cut short, or a login/firewall page;
- the last good copy of the same publication: a document whose new text is far shorter
  than the version this publication showed before, with no amendment words that the
  earlier text lacked, is a cut copy rather than a revision (a publisher that shortens a
  document says so: 修订, 删去, 废止 ...).
A quarantined body stays in raw/ and in the WARC; the load fails with a one-line reason,
which the monitor records as a failure event, and the next poll tries again.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from extractors.plausibility import implausible_body

# A new text shorter than this share of the same publication's previous text is suspect.
SHRINK_RATIO = 0.6
# Words with which a publisher announces that it changed or cut a document's text.
AMENDMENT_WORDS: tuple[str, ...] = (
    "修订",
    "修改",
    "修正",
    "删去",
    "删除",
    "废止",
    "废除",
    "更正",
    "勘误",
    "调整为",
    "不再执行",
    "停止执行",
    "暂停执行",
)


def body_problem(storage_path: str | None, content_type: str | None) -> str | None:
    """Why the stored body is not a publication, or None (also None when the file is not there)."""
    if not storage_path:
        return None
    path = Path(storage_path)
    if not path.is_file():
        return None
    return implausible_body(path.read_bytes(), content_type)


def shrink_problem(con: duckdb.DuckDBPyConnection, issue_id: str) -> str | None:
    """A staged document far shorter than this publication's last loaded copy, with no amendment words.

    Reads the loader's `_staged` table, inside its transaction.
    """
    rows = con.execute(
        """
        SELECT s.title, length(s.normalized_text), v.char_count, s.text, v.text
        FROM _staged s
        JOIN issues i ON i.issue_id = ?
        JOIN sightings x ON x.file_sha256 = i.loaded_file_sha256 AND x.document_id = s.document_id
        JOIN versions v ON v.version_id = x.version_id
        WHERE v.version_id <> s.version_id AND length(s.normalized_text) < ? * v.char_count
        ORDER BY s.position
        """,
        [issue_id, SHRINK_RATIO],
    ).fetchall()
    for title, new_chars, old_chars, new_text, old_text in rows:
        announced = [word for word in AMENDMENT_WORDS if word in new_text and word not in old_text]
        if not announced:
            return (
                f"{title}: {new_chars} characters where this publication had {old_chars}, "
                "and no amendment words: a cut copy, not a revision"
            )
    return None
