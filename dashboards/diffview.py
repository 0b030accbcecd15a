"""Side-by-side old/new comparison (新旧对照) for the Document page.

Stored diffs (diffs/diff_hunks, computed by reconciliation at the level of
articles and paragraphs) are rendered as they are. When a pair of versions has
no stored diff yet, the page still shows one, computed here at sentence level,
and says so. Every piece of text is escaped before it becomes HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape

_BREAK_BETWEEN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")
_SENTENCE_END = re.compile(r"(?<=[。；！？])")
_KIND_LABEL = {"unchanged": "", "changed": "修改", "added": "新增", "removed": "删除", "moved": "移动"}

STYLE = """
<style>
table.gz-diff {border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 0.9rem;}
table.gz-diff th, table.gz-diff td {border: 1px solid #ddd; padding: 4px 6px; vertical-align: top;
  word-break: break-all;}
table.gz-diff .gz-kind {width: 4.5em; color: #555; font-size: 0.8rem;}
table.gz-diff tr.gz-unchanged td {color: #777;}
table.gz-diff tr.gz-added td.gz-new, table.gz-diff ins {background: #e6ffec; text-decoration: none;}
table.gz-diff tr.gz-removed td.gz-old, table.gz-diff del {background: #ffebe9;}
</style>
"""


@dataclass(frozen=True)
class Hunk:
    kind: str  # unchanged | changed | added | removed | moved
    old_text: str | None
    new_text: str | None
    locator: str | None = None


def sentences(text: str) -> list[str]:
    """Sentences of a text, with the PDF line breaks inside words removed first."""
    flat = _BREAK_BETWEEN_CJK.sub("", text)
    parts = []
    for line in flat.splitlines():
        parts.extend(s.strip() for s in _SENTENCE_END.split(line))
    return [p for p in parts if p]


def compute_hunks(old: str, new: str) -> list[Hunk]:
    """Sentence-level alignment of two texts: what the page shows when no stored diff exists."""
    a, b = sentences(old), sentences(new)
    hunks: list[Hunk] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            hunks.extend(
                Hunk("unchanged", a[i], b[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        elif op == "delete":
            hunks.extend(Hunk("removed", a[i], None) for i in range(i1, i2))
        elif op == "insert":
            hunks.extend(Hunk("added", None, b[j]) for j in range(j1, j2))
        else:
            olds, news = a[i1:i2], b[j1:j2]
            for k in range(max(len(olds), len(news))):
                o = olds[k] if k < len(olds) else None
                n = news[k] if k < len(news) else None
                kind = "changed" if o is not None and n is not None else ("removed" if n is None else "added")
                hunks.append(Hunk(kind, o, n))
    return hunks


def _inline(old: str, new: str) -> tuple[str, str]:
    """Character-level marks inside a changed block: <del> on the old side, <ins> on the new."""
    left, right = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        o, n = escape(old[i1:i2]), escape(new[j1:j2])
        if op == "equal":
            left.append(o)
            right.append(n)
        else:
            if o:
                left.append(f"<del>{o}</del>")
            if n:
                right.append(f"<ins>{n}</ins>")
    return "".join(left), "".join(right)


def _folded(count: int) -> str:
    return f'<tr class="gz-unchanged"><td class="gz-kind"></td><td colspan="2">… {count} 段未改动 …</td></tr>'


def render_hunks(hunks: list[Hunk], old_label: str, new_label: str, context: int = 1) -> str:
    """An HTML table, old on the left, new on the right; long unchanged runs folded to `context` rows."""
    changed_at = [i for i, h in enumerate(hunks) if h.kind != "unchanged"]
    keep = {j for i in changed_at for j in range(i - context, i + context + 1)}
    rows = []
    skipped = 0
    for i, hunk in enumerate(hunks):
        if hunk.kind == "unchanged" and i not in keep:
            skipped += 1
            continue
        if skipped:
            rows.append(_folded(skipped))
            skipped = 0
        if hunk.kind == "changed" and hunk.old_text and hunk.new_text:
            old_html, new_html = _inline(hunk.old_text, hunk.new_text)
        else:
            old_html, new_html = escape(hunk.old_text or ""), escape(hunk.new_text or "")
        label = escape(" ".join(x for x in (_KIND_LABEL.get(hunk.kind, hunk.kind), hunk.locator or "") if x))
        rows.append(
            f'<tr class="gz-{escape(hunk.kind)}"><td class="gz-kind">{label}</td>'
            f'<td class="gz-old">{old_html}</td><td class="gz-new">{new_html}</td></tr>'
        )
    if skipped:
        rows.append(_folded(skipped))
    if not changed_at:
        rows.append('<tr><td class="gz-kind"></td><td colspan="2">两个版本内容相同</td></tr>')
    header = (
        f'<tr><th class="gz-kind"></th><th>旧 {escape(old_label)}</th><th>新 {escape(new_label)}</th></tr>'
    )
    return STYLE + f'<table class="gz-diff">{header}{"".join(rows)}</table>'
