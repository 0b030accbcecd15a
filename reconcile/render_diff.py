"""Showing a diff to people: side-by-side 新旧对照 HTML (dashboard, emails) and plain text (terminal).

Both take the stored hunks, so what a reader sees is exactly what the
warehouse holds. Every piece of document text goes through html.escape: the
texts come from the web and a "<script>" in a gazette article must stay text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from reconcile.diff import Hunk, Span, inline_diff

KIND_LABELS = {"changed": "修改", "added": "新增", "removed": "删除", "moved": "移动", "unchanged": "未变"}


@dataclass(frozen=True)
class DiffHeader:
    """What the diff compares, in words: shown above the table and the text."""

    title: str
    old_label: str  # e.g. 第1版（2024-01-31，replica-2024-02）
    new_label: str
    similarity: float | None = None


def _spans_html(spans: Sequence[Span]) -> str:
    out = []
    for span in spans:
        text = escape(span.text)
        if span.tag == "delete":
            out.append(f'<del class="d">{text}</del>')
        elif span.tag == "insert":
            out.append(f'<ins class="i">{text}</ins>')
        else:
            out.append(text)
    return "".join(out)


def _cells(hunk: Hunk) -> tuple[str, str]:
    if hunk.kind in ("changed", "moved") and hunk.old_text is not None and hunk.new_text is not None:
        old_spans, new_spans = inline_diff(hunk.old_text, hunk.new_text)
        return _spans_html(old_spans), _spans_html(new_spans)
    old, new = escape(hunk.old_text or ""), escape(hunk.new_text or "")
    if hunk.kind == "removed":
        old = f'<del class="d">{old}</del>'
    if hunk.kind == "added":
        new = f'<ins class="i">{new}</ins>'
    return old, new


_STYLE = """
table.xinjiu{border-collapse:collapse;width:100%;font-size:14px;line-height:1.6}
table.xinjiu th,table.xinjiu td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
table.xinjiu th{background:#f3f3f3}
table.xinjiu td.loc{white-space:nowrap;color:#555}
table.xinjiu tr.unchanged td{color:#777}
del.d{background:#fdd;color:#a00}
ins.i{background:#dfd;color:#060;text-decoration:none}
"""


def render_html(
    header: DiffHeader, hunks: Sequence[Hunk], *, context: bool = False, standalone: bool = True
) -> str:
    """A 新旧对照 table: location, old text, new text, one row per block.

    Unchanged blocks are left out unless `context` is true (emails show only
    changes; the dashboard can show the whole document). Inline styles in a
    <style> element work in the dashboard and in most mail clients.
    """
    rows = []
    for hunk in hunks:
        if hunk.kind == "unchanged" and not context:
            continue
        old, new = _cells(hunk)
        label = KIND_LABELS.get(hunk.kind, hunk.kind)
        rows.append(
            f'<tr class="{escape(hunk.kind)}"><td class="loc">{escape(hunk.locator or "")}<br>'
            f"<small>{escape(label)}</small></td><td>{old}</td><td>{new}</td></tr>"
        )
    if not rows:
        rows.append('<tr><td colspan="3">两个版本内容一致（仅有提取噪声差异）。</td></tr>')
    similarity = f"，相似度 {header.similarity:.1%}" if header.similarity is not None else ""
    table = (
        f"<h2>{escape(header.title)}</h2>"
        f"<p>新旧对照：{escape(header.old_label)} → {escape(header.new_label)}{escape(similarity)}</p>"
        '<table class="xinjiu"><thead><tr><th>位置</th>'
        f"<th>原文（{escape(header.old_label)}）</th><th>修改后（{escape(header.new_label)}）</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if not standalone:
        return f"<style>{_STYLE}</style>{table}"
    return (
        '<!DOCTYPE html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{escape(header.title)}：新旧对照</title><style>{_STYLE}</style></head>"
        f"<body>{table}</body></html>"
    )


def _spans_text(spans: Sequence[Span]) -> str:
    out = []
    for span in spans:
        if span.tag == "delete":
            out.append(f"[-{span.text}-]")
        elif span.tag == "insert":
            out.append(f"{{+{span.text}+}}")
        else:
            out.append(span.text)
    return "".join(out)


def render_text(header: DiffHeader, hunks: Sequence[Hunk]) -> str:
    """The changes as text for a terminal: one entry per changed block, [-removed-] {+added+} inline."""
    similarity = f" (similarity {header.similarity:.1%})" if header.similarity is not None else ""
    lines = [header.title, f"{header.old_label} → {header.new_label}{similarity}", ""]
    changes = [h for h in hunks if h.kind != "unchanged"]
    if not changes:
        lines.append("no change in content (the texts differ by extraction noise only)")
    for hunk in changes:
        label = KIND_LABELS.get(hunk.kind, hunk.kind)
        lines.append(f"@@ {hunk.locator} · {hunk.kind} {label}")
        if hunk.kind in ("changed", "moved") and hunk.old_text is not None and hunk.new_text is not None:
            old_spans, new_spans = inline_diff(hunk.old_text, hunk.new_text)
            lines.append(f"  - {_spans_text(old_spans)}")
            lines.append(f"  + {_spans_text(new_spans)}")
        elif hunk.kind == "removed":
            lines.append(f"  - {hunk.old_text}")
        else:
            lines.append(f"  + {hunk.new_text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
