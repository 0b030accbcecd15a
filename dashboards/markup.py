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


def text_block(text: str | None) -> str:
    return escape(text or "").replace("\n", "<br>")
