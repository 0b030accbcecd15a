"""The policy cascade: what a lower-level document kept, changed, added and left out of its parent.

A county plan implements a city plan that implements the regional measures (seed 003 →
固政办规发〔2020〕3号 → 宁政规发〔2020〕5号). Analysts ask what the lower level did with each
clause. Both texts are split into clauses at the markers readers use (第X条, 一、, （一）, 1.,
（1）); every child clause is aligned with the parent clause it takes up (rapidfuzz
partial_ratio on the clause bodies, because a county item usually restates *part* of a
broader regional item: it splits it), and the figures that matter are compared: deadlines
(完成时限, 2020年底前), targets (numbers with units: 1个工作日, 90%, 三分之一) and responsible units
(责任部门 / […按职责分工负责]). Parent clauses that no child clause comes close to are left out.

Why partial_ratio ≥ 0.60 aligns: on the seed cascade (56 county items against the regional
measures and their task list) true pairs score 0.65–1.0, while the best score of an unrelated
item stays below 0.55 (shared vocabulary such as 企业, 审批, 政务服务 carries unrelated clauses to
0.4–0.55). `tests/test_cascade.py` pins examples from both sides.

A broad parent item is often taken up by several narrower child items, none of which matches
it alone; so a parent clause counts as left out only when, in addition, less than 65% of its
character bigrams appear anywhere in the child (on the seed: parent clauses taken up score
0.64–1.0, median 0.84; the customs and medical-insurance items a county does not handle,
0.24–0.45).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field

import duckdb
from rapidfuzz import fuzz, process

from extractors.references import join_lines
from warehouse import derived

ALGORITHM = "cascade-align/1 (partial_ratio>=0.60, kept>=0.85, covered>=0.65)"
ALIGN_THRESHOLD = 0.60
KEPT_SIMILARITY = 0.85
COVERED_SHARE = 0.65
_DUPLICATE_SIMILARITY = 0.95
_HEADING_MAX = 40

_CN_NUM = "一二三四五六七八九十百零〇两"
_MARKERS = (
    ("article", re.compile(rf"^第[{_CN_NUM}\d]+条")),
    ("cn", re.compile(rf"^[{_CN_NUM}]+、")),
    ("paren_cn", re.compile(rf"^[（(][{_CN_NUM}]+[）)]")),
    ("num", re.compile(r"^\d{1,3}(?:[.．、](?!\d)|\s)")),
    ("paren_num", re.compile(r"^[（(]\d{1,3}[）)]")),
)
_DATE_RE = re.compile(r"(?:19|20)\d{2}年(?:年|\d{1,2}月)?(?:底|\d{1,2}日)?(?:前|以前)?")
_DEADLINE_RE = re.compile(r"完成时限[:：]\s*([^）)；;]+)")
_FRACTION_RE = re.compile(rf"[{_CN_NUM}]+分之[{_CN_NUM}]+")
_TARGET_RE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(个工作日|工作日|个百分点|%|％|个月|天|小时|分钟|秒|万元|亿元|元|公顷|亩|千伏|户|项|家|人|倍|次)"
)
_UNITS_PATTERNS = (
    re.compile(r"责任(?:部门|单位)[:：]\s*([^；;）)]+)"),
    re.compile(r"[\[［]([^\[\]［］]{2,200}?)(?:按职责分工负责|分别负责|负责)[\]］]"),
    re.compile(r"[（(]([^（）()]{2,200}?)(?:按职责分工负责|分别负责)[)）]"),
    re.compile(r"完成时限[:：][^)）]*[)）]\s*([^。；;]{2,200})$"),
)
_FACTS_SPAN_RE = re.compile(
    r"[（(][^（）()]*(?:责任(?:部门|单位)|完成时限|按职责分工负责|分别负责)[^（）()]*[)）]"
    r"|[\[［][^\[\]［］]*负责[\]］]"
)
_UNIT_NOISE_RE = re.compile(
    r"等相关部门|等有关部门|相关部门|按职责分工|及各市、?县[(（]区[)）]|各市、?县[(（]区[)）]"
)


@dataclass(frozen=True)
class Facts:
    """The figures an analyst compares between levels."""

    deadlines: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Clause:
    """One numbered clause: where it is (its markers and headings), its text, and its figures."""

    position: int
    locator: str
    heading: str
    text: str
    body: str  # without marker and without the responsibility/deadline note: what similarity reads
    facts: Facts
    is_heading: bool = False


@dataclass(frozen=True)
class AlignedRow:
    """A child clause with the parent clause it takes up, or a clause one side does not have."""

    kind: str  # kept, changed, added, left_out
    child: Clause | None
    parent: Clause | None
    similarity: float | None
    changes: list[dict] = field(default_factory=list)


def _marker_text(paragraph: str, level: str) -> str:
    pattern = dict(_MARKERS)[level]
    m = pattern.match(paragraph)
    return m.group(0) if m else ""


def _marker(paragraph: str) -> tuple[str, str] | None:
    for level, pattern in _MARKERS:
        m = pattern.match(paragraph)
        if m:
            return level, m.group(0).strip()
    return None


def _normalize_date(value: str) -> str:
    return value.replace("年年底", "年底").replace("以前", "前")


def extract_facts(text: str) -> Facts:
    """Deadlines, targets and responsible units stated in one clause."""
    deadlines = {_normalize_date(m.group(0)) for m in _DATE_RE.finditer(text)}
    deadlines |= {_normalize_date(m.group(1).strip()) for m in _DEADLINE_RE.finditer(text)}
    without_dates = _DATE_RE.sub(" ", text)
    targets = {m.group(1) + m.group(2).replace("％", "%") for m in _TARGET_RE.finditer(without_dates)}
    targets |= {m.group(0) for m in _FRACTION_RE.finditer(without_dates)}
    units: set[str] = set()
    for pattern in _UNITS_PATTERNS:
        for m in pattern.finditer(text):
            for unit in re.split(r"[、，,；;]", _UNIT_NOISE_RE.sub("", m.group(1))):
                unit = unit.strip(" 。.及和等")
                if 2 <= len(unit) <= 30 and "完成时限" not in unit:
                    units.add(unit)
    return Facts(tuple(sorted(deadlines)), tuple(sorted(targets)), tuple(sorted(units)))


def split_clauses(text: str) -> list[Clause]:
    """Numbered clauses in reading order; text before the first marker (the notice) is left out.

    A paragraph without a marker continues the clause above it (a deadline line, a table cell
    spread over lines). Marker kinds nest in the order they first appear, so 一、/1./（1） and
    第X条 documents both get a locator such as 三、（一）18.
    """
    clauses: list[Clause] = []
    stack: list[tuple[str, str]] = []
    headings: dict[int, str] = {}
    current: list[str] | None = None
    marker_length = [0]
    part = ""

    def close() -> None:
        if current is None:
            return
        whole = "".join(current)
        own = whole[marker_length[0] :].strip()
        is_heading = len(own) <= _HEADING_MAX and "。" not in own and not _DEADLINE_RE.search(own)
        if is_heading:
            headings[len(stack) - 1] = own
        context = " ".join(f"{stack[i][1]}{headings[i]}" for i in range(len(stack) - 1) if i in headings)
        body = _FACTS_SPAN_RE.sub("", own).strip()
        clauses.append(
            Clause(
                position=len(clauses),
                locator=part + "".join(m for _, m in stack),
                heading=context.strip(),
                text=whole,
                body=body,
                facts=extract_facts(whole),
                is_heading=is_heading,
            )
        )

    for paragraph in join_lines(text).split("\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        found = _marker(paragraph)
        if found is None and paragraph.startswith("附件") and len(paragraph) <= 80:
            close()  # the attachment (a task list, a table) restarts the numbering: new part
            current, part = None, "附件 "
            stack.clear()
            headings.clear()
            continue
        if found is None:
            if current is not None:
                current.append(paragraph)
            continue
        close()
        level, mark = found
        marker_length[0] = len(_marker_text(paragraph, level))
        levels = [lv for lv, _ in stack]
        if level in levels:
            depth = levels.index(level)
            del stack[depth:]
            for k in [k for k in headings if k >= depth]:
                del headings[k]
        stack.append((level, mark))
        current = [paragraph]
    close()
    return clauses


def _without_duplicates(clauses: list[Clause]) -> list[Clause]:
    """Parent clauses minus repeats (measures restated in their own task list, page by page)."""
    kept: list[Clause] = []
    for clause in clauses:
        if any(
            abs(len(clause.body) - len(k.body)) <= 0.1 * max(len(k.body), 1)
            and fuzz.ratio(clause.body, k.body) >= _DUPLICATE_SIMILARITY * 100
            for k in kept
        ):
            continue
        kept.append(clause)
    return kept


def _figure_changes(child: Facts, parent: Facts) -> list[dict]:
    changes = []
    new_deadlines = [d for d in child.deadlines if d not in parent.deadlines]
    if new_deadlines:
        changes.append(
            {
                "field": "deadline",
                "parent": list(parent.deadlines),
                "child": list(child.deadlines),
                "new": new_deadlines,
            }
        )
    new_targets = [t for t in child.targets if t not in parent.targets]
    if new_targets:
        changes.append(
            {
                "field": "target",
                "parent": list(parent.targets),
                "child": list(child.targets),
                "new": new_targets,
            }
        )
    if child.units and set(child.units) != set(parent.units):
        changes.append(
            {
                "field": "units",
                "parent": list(parent.units),
                "child": list(child.units),
                "new": [u for u in child.units if u not in parent.units],
            }
        )
    return changes


def align_clauses(child: list[Clause], parent: list[Clause]) -> list[AlignedRow]:
    """Each child clause with its best parent clause (many children may share one parent: a split)."""
    child_items = [c for c in child if not c.is_heading and c.body]
    parent_items = _without_duplicates([p for p in parent if not p.is_heading and p.body])
    rows: list[AlignedRow] = []
    if not child_items and not parent_items:
        return rows
    scores = (
        process.cdist(
            [c.body for c in child_items],
            [p.body for p in parent_items],
            scorer=fuzz.partial_ratio,
            workers=-1,
        )
        if child_items and parent_items
        else None
    )
    taken: set[int] = set()
    for i, clause in enumerate(child_items):
        best_j = int(scores[i].argmax()) if scores is not None else -1
        best = float(scores[i][best_j]) / 100 if scores is not None else 0.0
        if best < ALIGN_THRESHOLD:
            rows.append(AlignedRow("added", clause, None, round(best, 4) if best else None))
            continue
        match = parent_items[best_j]
        taken.add(best_j)
        changes = _figure_changes(clause.facts, match.facts)
        kind = "kept" if not changes and best >= KEPT_SIMILARITY else "changed"
        rows.append(AlignedRow(kind, clause, match, round(best, 4), changes))
    child_bigrams = set().union(*(_bigrams(c.body) for c in child_items)) if child_items else set()
    for j, clause in enumerate(parent_items):
        if j in taken:
            continue
        best = float(scores[:, j].max()) / 100 if scores is not None else 0.0
        own = _bigrams(clause.body)
        coverage = len(own & child_bigrams) / len(own) if own else 0.0
        if best < ALIGN_THRESHOLD and coverage < COVERED_SHARE:
            rows.append(AlignedRow("left_out", None, clause, round(coverage, 4)))
    return rows


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def align_documents(child_text: str, parent_text: str) -> list[AlignedRow]:
    """Clause alignment of two texts (the implementing one first)."""
    return align_clauses(split_clauses(child_text), split_clauses(parent_text))


# --- the warehouse side ---------------------------------------------------------------------


@dataclass(frozen=True)
class ParentLink:
    """One document the child says it implements: found (with its alignment) or only as written."""

    reference_title: str | None
    reference_doc_number: str | None
    parent_document_id: str | None
    parent_title: str | None
    parent_doc_number: str | None
    rows: list[AlignedRow] = field(default_factory=list)


@dataclass(frozen=True)
class CascadeView:
    """A document and every document it implements."""

    document_id: str
    doc_number: str | None
    title: str
    parents: list[ParentLink]


def _latest_text(con: duckdb.DuckDBPyConnection, document_id: str) -> tuple[str, str] | None:
    return con.execute(
        "SELECT v.version_id, v.text FROM documents d JOIN versions v ON v.version_id = d.latest_version_id "
        "WHERE d.document_id = ?",
        [document_id],
    ).fetchone()


def store_alignment(
    con: duckdb.DuckDBPyConnection,
    child: tuple[str, str],
    parent: tuple[str, str],
    rows: list[AlignedRow],
) -> None:
    """Replace the stored alignment of one (child version, parent version) pair (warehouse writer)."""
    derived.store_alignment(
        con,
        child,
        parent,
        [
            (
                row.kind,
                row.child.locator if row.child else None,
                row.parent.locator if row.parent else None,
                row.child.text if row.child else None,
                row.parent.text if row.parent else None,
                row.similarity,
                row.changes,
            )
            for row in rows
        ],
        ALGORITHM,
    )


def refresh_cascades(con: duckdb.DuckDBPyConnection) -> int:
    """Store the alignment of every resolved implements link whose latest versions lack one.

    A new version on either side (or a better algorithm) makes a new pair, so stale alignments
    are never shown for current texts. Returns the number of pairs stored.
    """
    pairs = con.execute(
        f"""
        SELECT DISTINCT c.document_id, c.latest_version_id, p.document_id, p.latest_version_id
        FROM document_references r
        JOIN documents c ON c.document_id = r.source_document_id
        JOIN documents p ON p.document_id = r.target_document_id
        WHERE r.relation = 'implements' AND c.document_id <> p.document_id
          AND c.latest_version_id IS NOT NULL AND p.latest_version_id IS NOT NULL
          AND NOT EXISTS (
              SELECT 1 FROM cascade_alignments a
              WHERE a.child_version_id = c.latest_version_id AND a.parent_version_id = p.latest_version_id
                AND a.algorithm = '{ALGORITHM}')
        ORDER BY 1, 3
        """
    ).fetchall()
    stored = 0
    for child_doc, child_version, parent_doc, parent_version in pairs:
        child_text = _latest_text(con, child_doc)
        parent_text = _latest_text(con, parent_doc)
        if child_text is None or parent_text is None:
            continue
        rows = align_documents(child_text[1], parent_text[1])
        store_alignment(con, (child_doc, child_version), (parent_doc, parent_version), rows)
        stored += bool(rows)
    return stored


def _stored_rows(con: duckdb.DuckDBPyConnection, child_version: str, parent_version: str) -> list[AlignedRow]:
    found = con.execute(
        """
        SELECT kind, child_locator, parent_locator, child_text, parent_text, similarity, changes
        FROM cascade_alignments WHERE child_version_id = ? AND parent_version_id = ? AND algorithm = ?
        ORDER BY row_number
        """,
        [child_version, parent_version, ALGORITHM],
    ).fetchall()
    rows = []
    for kind, c_loc, p_loc, c_text, p_text, similarity, changes in found:

        def clause(locator: str | None, text: str | None) -> Clause | None:
            if text is None:
                return None
            return Clause(0, locator or "", "", text, text, extract_facts(text))

        rows.append(
            AlignedRow(
                kind,
                clause(c_loc, c_text),
                clause(p_loc, p_text),
                similarity,
                json.loads(changes) if changes else [],
            )
        )
    return rows


def cascade_for(con: duckdb.DuckDBPyConnection, document_id: str) -> CascadeView:
    """The document and everything it says it implements, aligned where the parent is known.

    Uses the stored alignment when there is one for the current versions; otherwise computes it
    in memory (a read-only snapshot can still answer).
    """
    head = con.execute(
        "SELECT doc_number, title, latest_version_id FROM documents WHERE document_id = ?", [document_id]
    ).fetchone()
    if head is None:
        raise LookupError(f"no document {document_id!r}")
    doc_number, title, child_version = head
    links = con.execute(
        """
        SELECT r.target_title, r.target_doc_number, p.document_id, p.title, p.doc_number, p.latest_version_id
        FROM document_references r LEFT JOIN documents p ON p.document_id = r.target_document_id
        WHERE r.source_document_id = ? AND r.relation = 'implements'
        ORDER BY p.document_id IS NULL, r.position
        """,
        [document_id],
    ).fetchall()
    parents: list[ParentLink] = []
    seen: set[str] = set()
    for ref_title, ref_number, parent_id, parent_title, parent_number, parent_version in links:
        rows: list[AlignedRow] = []
        if parent_id is not None:
            if parent_id in seen:
                continue
            seen.add(parent_id)
            rows = _stored_rows(con, child_version, parent_version)
            if not rows:
                child_text, parent_text = _latest_text(con, document_id), _latest_text(con, parent_id)
                if child_text and parent_text:
                    rows = align_documents(child_text[1], parent_text[1])
        parents.append(ParentLink(ref_title, ref_number, parent_id, parent_title, parent_number, rows))
    return CascadeView(document_id, doc_number, title, parents)


_KIND_LABEL = {
    "kept": "保留 kept",
    "changed": "调整 changed",
    "added": "新增 added",
    "left_out": "未落实 left out",
}
_FIELD_LABEL = {"deadline": "时限 deadline", "target": "指标 target", "units": "责任单位 units"}


def _short(text: str | None, limit: int = 70) -> str:
    text = re.sub(r"\s+", "", text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parent_name(link: ParentLink) -> str:
    number = link.parent_doc_number or link.reference_doc_number
    name = link.parent_title or link.reference_title or "(untitled)"
    return f"{name}（{number}）" if number else name


def summary_counts(rows: list[AlignedRow]) -> dict[str, int]:
    counts = {"kept": 0, "changed": 0, "added": 0, "left_out": 0}
    for row in rows:
        counts[row.kind] += 1
    return counts


def render_text(view: CascadeView) -> str:
    """The cascade for a terminal: one block per parent, one line per clause, changes below it."""
    lines = [
        f"{view.title}" + (f"（{view.doc_number}）" if view.doc_number else "") + f"  [{view.document_id}]"
    ]
    if not view.parents:
        lines.append("  implements no document (no 贯彻落实/根据 reference found)")
    for link in view.parents:
        lines.append("")
        if link.parent_document_id is None:
            lines.append(f"implements {_parent_name(link)}")
            lines.append(
                "  NOT IN THE WAREHOUSE: the parent has not been published to a monitored source "
                "(or not yet loaded); the link is kept and resolves when it arrives."
            )
            continue
        counts = summary_counts(link.rows)
        lines.append(f"implements {_parent_name(link)}  [{link.parent_document_id}]")
        lines.append("  " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
        for row in link.rows:
            parent, child = row.parent, row.child
            if child is None:  # left out: only the parent has this clause
                where = f"parent {parent.locator:<10} {_short(parent.body)}" if parent else "parent (none)"
                lines.append(f"  - {_KIND_LABEL[row.kind]:<16} {where}")
                continue
            score = f"{row.similarity:.2f}" if row.similarity is not None else "  - "
            target = f"← {parent.locator}" if parent else "← (none)"
            lines.append(
                f"  {child.locator:<10} {_KIND_LABEL[row.kind]:<16} {target:<14} {score}  "
                f"{_short(child.body, 50)}"
            )
            for change in row.changes:
                new = "、".join(change["new"])
                before = "、".join(change["parent"]) or "—"
                lines.append(
                    f"      {_FIELD_LABEL[change['field']]}: »{new}«  (parent: {_short(before, 80)})"
                )
    return "\n".join(lines)


def _mark(text: str, figures: list[str]) -> str:
    """Escaped text with the changed figures wrapped in <mark>."""
    escaped = html.escape(text)
    for figure in sorted({html.escape(f) for f in figures if f}, key=len, reverse=True):
        escaped = escaped.replace(figure, f"<mark>{figure}</mark>")
    return escaped


def render_html(view: CascadeView) -> str:
    """The cascade as an HTML fragment (every text escaped; changed figures in <mark>)."""
    out = [
        '<section class="cascade">',
        f"<h2>{html.escape(view.title)}"
        + (f" <small>{html.escape(view.doc_number)}</small>" if view.doc_number else "")
        + "</h2>",
    ]
    if not view.parents:
        out.append("<p>implements no document (no 贯彻落实/根据 reference found)</p>")
    for link in view.parents:
        name = html.escape(_parent_name(link))
        if link.parent_document_id is None:
            out.append(
                f'<div class="cascade-parent missing"><h3>implements {name}</h3>'
                "<p>Not in the warehouse: this parent has not been loaded; the link is kept and "
                "resolves when it arrives.</p></div>"
            )
            continue
        counts = summary_counts(link.rows)
        out.append(f'<div class="cascade-parent"><h3>implements {name}</h3>')
        out.append(
            "<p>" + ", ".join(f"{html.escape(k.replace('_', ' '))}: {v}" for k, v in counts.items()) + "</p>"
        )
        out.append(
            '<table class="cascade-table"><thead><tr><th>kind</th><th>parent clause</th>'
            "<th>child clause</th><th>similarity</th><th>changes</th></tr></thead><tbody>"
        )
        for row in link.rows:
            new = [f for change in row.changes for f in change["new"]]
            parent_cell = (
                f"<b>{html.escape(row.parent.locator)}</b> {_mark(row.parent.body, [])}" if row.parent else ""
            )
            child_cell = (
                f"<b>{html.escape(row.child.locator)}</b> {_mark(row.child.text, new)}" if row.child else ""
            )
            changes = "<br>".join(
                f"{html.escape(_FIELD_LABEL[c['field']])}: <mark>{html.escape('、'.join(c['new']))}</mark>"
                f" (parent: {html.escape('、'.join(c['parent']) or '—')})"
                for c in row.changes
            )
            score = f"{row.similarity:.2f}" if row.similarity is not None else ""
            out.append(
                f'<tr class="{row.kind}"><td>{html.escape(_KIND_LABEL[row.kind])}</td>'
                f"<td>{parent_cell}</td><td>{child_cell}</td><td>{score}</td><td>{changes}</td></tr>"
            )
        out.append("</tbody></table></div>")
    out.append("</section>")
    return "\n".join(out)


def cascade_html(con: duckdb.DuckDBPyConnection, document_id: str) -> str:
    """The dashboard's entry point: the cascade of one document as an escaped HTML fragment."""
    return render_html(cascade_for(con, document_id))
