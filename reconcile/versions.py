"""Versions: a new one only for a real revision, and a stored diff between consecutive ones
(and from the version left to the one served again, when a publisher reverts).

The loader calls `match_known_copies` inside its transaction, after staging an
issue and before it creates versions and events. A staged text whose content
hash is new but which differs from a version of the same document by noise
alone (see `reconcile.dedup.compare_copies`) is pointed at that version: the
sighting is recorded, the copy kept in `version_copies`, and no version or
`new_version` event is ever produced for it. Deciding before the events exist
is the only way to keep the append-only log free of false revisions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from reconcile.dedup import GAP_REASON, Copy, compare_copies
from reconcile.diff import ALGORITHM, Diff, diff_texts

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def span_has_gap(pages: list[tuple[int, int | None, bool]], start: int | None, end: int | None) -> bool:
    """Does a page without text layer fall inside (or right after) a document's page span?

    `pages` are (page_index, printed_number, has_text) of one file; `start`/`end`
    are printed numbers where printed, else 1-based indexes, as in sightings.
    A scanned page prints no number of its own, so the span is found through the
    pages around it.
    """
    if start is None:
        return False
    last = end if end is not None else start
    inside = [i for i, printed, _ in pages if printed is not None and start <= printed <= last]
    if not inside:
        inside = [i for i, _, _ in pages if start <= i + 1 <= last]
    if not inside:
        return False
    low, high = min(inside), max(inside) + 1
    return any(not has_text and low <= i <= high for i, _, has_text in pages)


def _staged_gaps(con: duckdb.DuckDBPyConnection, staged: list[tuple]) -> dict[int, bool]:
    pages = [
        tuple(r)
        for r in con.execute(
            "SELECT page_index, printed_number, has_text FROM _incoming_pages ORDER BY page_index"
        ).fetchall()
    ]
    return {row[0]: span_has_gap(pages, row[6], row[7]) for row in staged}


def _version_gaps(con: duckdb.DuckDBPyConnection, document_ids: list[str]) -> dict[str, bool]:
    rows = con.execute(
        """
        SELECT s.version_id, s.start_page, s.end_page,
               list((p.page_index, p.printed_number, p.has_text) ORDER BY p.page_index)
        FROM sightings s JOIN pages p ON p.file_sha256 = s.file_sha256
        WHERE s.document_id IN (SELECT unnest(?::VARCHAR[]))
        GROUP BY s.version_id, s.file_sha256, s.position, s.start_page, s.end_page
        """,
        [document_ids],
    ).fetchall()
    gaps: dict[str, bool] = {}
    for version_id, start, end, pages in rows:
        flat = [
            (p["page_index"], p["printed_number"], p["has_text"]) if isinstance(p, dict) else tuple(p)
            for p in pages
        ]
        gaps[version_id] = gaps.get(version_id, False) or span_has_gap(flat, start, end)
    return gaps


def match_known_copies(con: duckdb.DuckDBPyConnection, issue_id: str, file_sha256: str) -> int:
    """Point staged texts that are noisy copies of a known version at that version; return how many.

    Runs inside the loader's transaction on its `_staged` table. A failure on
    one document leaves that document to the ordinary rule (a new version) and
    is logged: reconcile never makes a load fail.
    """
    staged = con.execute(
        """
        SELECT s.position, s.document_id, s.version_id, s.content_sha256, s.text, s.title,
               s.start_page, s.end_page
        FROM _staged s
        WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.version_id = s.version_id)
        ORDER BY s.position
        """
    ).fetchall()
    if not staged:
        return 0
    document_ids = sorted({row[1] for row in staged})
    known_copies = {
        (d, h): v
        for d, h, v in con.execute(
            "SELECT document_id, content_sha256, version_id FROM version_copies "
            "WHERE document_id IN (SELECT unnest(?::VARCHAR[]))",
            [document_ids],
        ).fetchall()
    }
    versions: dict[str, list[tuple[str, Copy]]] = {}
    gaps = _version_gaps(con, document_ids)
    for version_id, document_id, text, title in con.execute(
        """
        SELECT v.version_id, v.document_id, v.text, d.title
        FROM versions v JOIN documents d USING (document_id)
        WHERE v.document_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY v.version_number
        """,
        [document_ids],
    ).fetchall():
        versions.setdefault(document_id, []).append(
            (version_id, Copy(text, title, gaps.get(version_id, False)))
        )
    staged_gaps = _staged_gaps(con, staged)
    matched = 0
    for position, document_id, version_id, content_sha256, text, title, _, _ in staged:
        try:
            target, reason, similarity = known_copies.get((document_id, content_sha256)), "known copy", None
            copy = Copy(text, title, staged_gaps[position])
            if target is None:
                for known_id, known in versions.get(document_id, []):
                    verdict = compare_copies(known, copy)
                    if verdict.same:
                        target, reason, similarity = known_id, verdict.reason, verdict.similarity
                        break
            if target is None:
                # a new version; later staged copies of the same document compare against it too
                versions.setdefault(document_id, []).append((version_id, copy))
                continue
            con.execute("UPDATE _staged SET version_id = ? WHERE position = ?", [target, position])
            con.execute(
                """
                INSERT INTO version_copies (document_id, content_sha256, version_id, text, char_count, reason,
                                            similarity, first_seen_issue_id, first_seen_file_sha256,
                                            recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """,
                [
                    document_id,
                    content_sha256,
                    target,
                    text,
                    len(text),
                    reason,
                    similarity,
                    issue_id,
                    file_sha256,
                    _now(),
                ],
            )
            known_copies[(document_id, content_sha256)] = target
            matched += 1
        except Exception as exc:  # one document's trouble never fails the load
            log.warning("reconcile: could not compare copy %s of %s: %s", position, document_id, exc)
    return matched


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
    """Write (or rewrite) one diff and its hunks; returns the diff_id."""
    diff_id = f"{old_version_id}->{new_version_id}"
    con.execute("DELETE FROM diff_hunks WHERE diff_id = ?", [diff_id])
    con.execute("DELETE FROM diffs WHERE diff_id = ?", [diff_id])
    con.execute(
        "INSERT INTO diffs (diff_id, document_id, old_version_id, new_version_id, kind, similarity, "
        "hunk_count, "
        "algorithm, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            diff_id,
            document_id,
            old_version_id,
            new_version_id,
            kind,
            diff.similarity,
            len(diff.changes),
            ALGORITHM,
            _now(),
        ],
    )
    if diff.hunks:
        con.executemany(
            "INSERT INTO diff_hunks (diff_id, hunk_number, kind, locator, old_position, new_position, "
            "old_text, "
            "new_text, similarity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    diff_id,
                    n,
                    h.kind,
                    h.locator,
                    h.old_position,
                    h.new_position,
                    h.old_text,
                    h.new_text,
                    h.similarity,
                ]
                for n, h in enumerate(diff.hunks)
            ],
        )
    return diff_id


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
            con.execute("BEGIN TRANSACTION")
            try:
                store_diff(con, document_id, old_id, new_id, diff)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            report.computed += 1
        except Exception as exc:  # one document's trouble never stops the others
            report.errors.append(
                f"diff {old_id} -> {new_id}: {str(exc).splitlines()[0] if str(exc) else exc!r}"
            )
    return report
