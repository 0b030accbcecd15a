"""Stored and URL text made safe for the page: escaped for Markdown elements, and for the
small HTML pieces the pages show with unsafe_allow_html.

Document text comes from the outside world (gazette PDFs and web pages), and the
address bar from whoever sent the link, so neither is ever trusted as markup.
"""

from __future__ import annotations

import re
from html import escape

from dashboards.queries import MARKS

# Every ASCII punctuation character is written as a numeric character reference (&#58; for ":"):
# the Markdown tokenizer then sees no syntax at all (links, images, Streamlit's :red[...] and
# $math$, and GFM autolink literals, which backslash escapes do not stop), and the browser shows
# the character itself.
_MARKDOWN_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Streamlit's Markdown also turns bare addresses into links after parsing (GFM autolink
# literals: http://, https://, www., user@host), which no escape prevents; an invisible word
# joiner (U+2060) inside each such start keeps them text.
_AUTOLINK_START = re.compile(r"(?i)https?(?=:)|www(?=\.)|@")
_WORD_JOINER = "\u2060"


def plain(text: object) -> str:
    """Stored or URL text made inert for any Streamlit element that renders Markdown.

    Messages that carry a document id or a search text from the address bar go through
    here: rendered as Markdown they could load an outside image or show a link to another
    site. Escaped, they read as written (with an invisible word joiner inside any web
    address). Control characters are dropped and line breaks become spaces, so a text
    cannot open a block of its own. A title shown as a heading uses `text_html` instead.
    """
    flat = _CONTROL.sub("", str(text)).replace("\r", " ").replace("\n", " ")
    unlinked = _AUTOLINK_START.sub(lambda match: match.group() + _WORD_JOINER, flat)
    return _MARKDOWN_SPECIAL.sub(lambda match: f"&#{ord(match.group())};", unlinked)


def text_html(tag: str, text: object) -> str:
    """Stored text as the content of one HTML element, for `st.html`: escaped, never Markdown."""
    return f"<{tag}>{escape(_CONTROL.sub('', str(text)))}</{tag}>"


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
