"""The Document page's 新旧对照, taken from reconcile: the diff it stored, else its diff computed now.

There is one diff in this project (reconcile.diff) and one rendering of it
(reconcile.render_diff); the page only picks where the hunks come from. A
snapshot can hold a revision without a stored diff (a warehouse loaded before
reconcile ran): the page then asks reconcile for the same diff `gazette diff`
computes on the fly, from the same best texts, so both read alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dashboards import queries
from reconcile.diff import Hunk, diff_texts
from reconcile.render_diff import DiffHeader, render_html
from reconcile.versions import best_text


@dataclass(frozen=True)
class VersionDiff:
    hunks: list[Hunk]
    similarity: float | None
    origin: str  # one line for the page: the stored diff's id and algorithm, or "computed now"
    query: queries.Query  # the stored-diff lookup it ran, for the page's "show SQL" box


def version_diff(con: duckdb.DuckDBPyConnection, old_version_id: str, new_version_id: str) -> VersionDiff:
    """reconcile's stored hunks for the pair when there are any, else reconcile's diff of the two texts."""
    query = queries.stored_diff(old_version_id, new_version_id)
    rows = con.execute(query.sql, list(query.params)).fetchall()
    if rows:
        diff_id, _, overall, algorithm = rows[0][:4]
        hunks = [
            Hunk(kind, locator or "", old_pos, new_pos, old_text, new_text, similarity or 0.0)
            for *_, kind, locator, old_pos, new_pos, old_text, new_text, similarity in rows
        ]
        return VersionDiff(hunks, overall, f"stored diff {diff_id} ({algorithm})", query)
    computed = diff_texts(best_text(con, old_version_id), best_text(con, new_version_id))
    origin = "no stored diff for this pair: computed now by reconcile, as `gazette diff` does"
    return VersionDiff(list(computed.hunks), computed.similarity, origin, query)


def diff_html(title: str, old_label: str, new_label: str, diff: VersionDiff, *, unchanged: bool) -> str:
    """reconcile's escaped side-by-side table, as a fragment for st.markdown."""
    header = DiffHeader(title, old_label, new_label, diff.similarity)
    return render_html(header, diff.hunks, context=unchanged, standalone=False)
