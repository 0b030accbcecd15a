"""Clause alignment of an implementing document with its parent, for the Cascade page.

Reconciliation (`reconcile.cascade.cascade_html`) owns the real analysis and is
used whenever it is installed. Until it is, this module aligns the two latest
texts sentence by sentence with rapidfuzz so that the page answers the
question anyway: what the lower level kept, changed, added and left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html import escape

import duckdb
from rapidfuzz import fuzz, process

from dashboards.diffview import STYLE, _inline, sentences

KEPT_AT = 90.0  # ratio at or above which a clause is the parent's clause, reworded at most trivially
CHANGED_AT = 60.0  # ratio at or above which it is the parent's clause changed (deadline, unit, target)


@dataclass(frozen=True)
class AlignedClause:
    kind: str  # kept | changed | added | dropped
    parent: str | None
    child: str | None
    score: float


def align(parent_text: str, child_text: str) -> list[AlignedClause]:
    """Each child clause with its best parent clause; parent clauses nobody took are `dropped`."""
    parent = sentences(parent_text)
    used: set[int] = set()
    aligned: list[AlignedClause] = []
    for clause in sentences(child_text):
        best = process.extractOne(clause, parent, scorer=fuzz.ratio) if parent else None
        if best and best[1] >= CHANGED_AT:
            used.add(best[2])
            kind = "kept" if best[1] >= KEPT_AT else "changed"
            aligned.append(AlignedClause(kind, best[0], clause, float(best[1])))
        else:
            aligned.append(AlignedClause("added", None, clause, float(best[1]) if best else 0.0))
    aligned.extend(AlignedClause("dropped", p, None, 0.0) for i, p in enumerate(parent) if i not in used)
    return aligned


def summary(aligned: list[AlignedClause]) -> dict[str, int]:
    counts = Counter(c.kind for c in aligned)
    return {kind: counts.get(kind, 0) for kind in ("kept", "changed", "added", "dropped")}


def render(aligned: list[AlignedClause], parent_label: str, child_label: str) -> str:
    labels = {"kept": "保留", "changed": "修改", "added": "新增", "dropped": "未落实"}
    css_kind = {"kept": "unchanged", "changed": "changed", "added": "added", "dropped": "removed"}
    rows = []
    for clause in aligned:
        if clause.kind == "changed" and clause.parent and clause.child:
            left, right = _inline(clause.parent, clause.child)
        else:
            left, right = escape(clause.parent or ""), escape(clause.child or "")
        rows.append(
            f'<tr class="gz-{css_kind[clause.kind]}"><td class="gz-kind">{labels[clause.kind]}</td>'
            f'<td class="gz-old">{left}</td><td class="gz-new">{right}</td></tr>'
        )
    header = (
        f'<tr><th class="gz-kind"></th><th>上级 {escape(parent_label)}</th>'
        f"<th>本级 {escape(child_label)}</th></tr>"
    )
    return STYLE + f'<table class="gz-diff">{header}{"".join(rows)}</table>'


def reconcile_cascade_html(con: duckdb.DuckDBPyConnection, document_id: str) -> str | None:
    """The reconciliation package's own rendering, when it is installed and this snapshot has its tables.

    None otherwise (older snapshot, package absent): the page then aligns the texts itself.
    """
    try:
        from reconcile.cascade import cascade_html
    except ImportError:
        return None
    try:
        return cascade_html(con, document_id)
    except duckdb.Error:
        return None
