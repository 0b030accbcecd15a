"""The relations of one document as a small Graphviz (DOT) graph.

Labels come from document titles, so they are quoted and escaped for DOT; the
browser renders the graph as SVG text, not as HTML.
"""

from __future__ import annotations

import pandas as pd

MAX_EDGES = 25
_EDGE_STYLE = {
    "repeals": 'color="#c0392b"',
    "supersedes": 'color="#c0392b"',
    "amends": 'color="#d68910"',
    "implements": 'color="#1f618d"',
    "corrects": 'color="#7d3c98"',
    "same_series": 'color="#117a65", style=dashed',
    "cites": 'color="#999999"',
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(number: str | None, title: str | None) -> str:
    title = title or ""
    short = title if len(title) <= 18 else title[:17] + "…"
    return f"{number}\n{short}" if number else short


def relation_graph(center_id: str, center_label: str, outgoing: pd.DataFrame, incoming: pd.DataFrame) -> str:
    """DOT source: this document in the middle, what it acts on to the right, what acts on it to the left."""
    lines = [
        "digraph relations {",
        '  rankdir=LR; node [shape=box, style="rounded", fontname="WenQuanYi Zen Hei", fontsize=10];',
        f'  {_quote(center_id)} [label={_quote(center_label)}, style="rounded,filled", fillcolor="#fdebd0"];',
    ]
    edges = 0
    for row in outgoing.itertuples():
        if edges >= MAX_EDGES:
            break
        resolved = _text(row.target_document_id)
        target = resolved or f"unresolved:{_text(row.target_doc_number) or _text(row.target_title)}"
        style = "" if resolved else ', style="rounded,dashed", fontcolor="#777777"'
        lines.append(
            f"  {_quote(target)} [label={_node_label(row.target_doc_number, row.target_title)}{style}];"
        )
        lines.append(
            f"  {_quote(center_id)} -> {_quote(target)} [label={_quote(row.relation)}, "
            f"{_EDGE_STYLE.get(row.relation, '')}];"
        )
        edges += 1
    for row in incoming.itertuples():
        if edges >= MAX_EDGES:
            break
        lines.append(
            f"  {_quote(row.source_document_id)} "
            f"[label={_node_label(row.source_doc_number, row.source_title)}];"
        )
        lines.append(
            f"  {_quote(row.source_document_id)} -> {_quote(center_id)} [label={_quote(row.relation)}, "
            f"{_EDGE_STYLE.get(row.relation, '')}];"
        )
        edges += 1
    lines.append("}")
    return "\n".join(lines)


def _text(value: object) -> str:
    """A column value as text: "" for NULL, which pandas gives as None or NaN (NaN is truthy)."""
    return value if isinstance(value, str) else ""


def _node_label(number: object, title: object) -> str:
    return _quote(_label(_text(number) or None, _text(title)))
