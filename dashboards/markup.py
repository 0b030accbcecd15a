"""Small HTML pieces the pages show with unsafe_allow_html: every text is escaped first.

Document text comes from the outside world (gazette PDFs and web pages), so it
is never trusted as markup.
"""

from __future__ import annotations

from html import escape

from dashboards.queries import MARKS


def marked_snippet(snippet: str) -> str:
    """Escape a search snippet, then turn the private-use match marks into <mark> tags."""
    return escape(snippet).replace(MARKS[0], "<mark>").replace(MARKS[1], "</mark>")


# reconcile.cascade.cascade_html marks rows by kind and changed figures with <mark>; it brings no style.
CASCADE_STYLE = """
<style>
table.cascade-table {border-collapse: collapse; width: 100%; font-size: 0.9rem;}
table.cascade-table th, table.cascade-table td {border: 1px solid #ddd; padding: 4px 6px;
  vertical-align: top;}
table.cascade-table tr.kept td {color: #777;}
table.cascade-table tr.added td {background: #e6ffec;}
table.cascade-table tr.left_out td {background: #ffebe9;}
</style>
"""
