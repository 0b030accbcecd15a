"""The comparison form of a text: what is left once extraction noise is gone.

Two copies of one document differ in line breaks, spaces inside numbers
(2024 年 2 月), bracket and punctuation widths, running headers and page
footers that slipped through, and a title repeated above an HTML article. None
of that is content. The canonical form keeps only letters and digits (NFKC
folded), so these differences vanish, while a changed word, number or date
still changes it. It is for comparing, never for showing.
"""

from __future__ import annotations

import re
import unicodedata

from extractors.furniture import page_number_of

# Page furniture that may survive extraction, besides page numbers (extractors.furniture owns
# those: "— 12 —", "第 3 页", ...): "# Page 1558:" markers of text dumps, and running headers
# naming the gazette (宁夏回族自治区人民政府公报 2024年第2期 ...).
_FURNITURE_LINE = re.compile(
    r"^(?:#\s*Page\s*\d+\s*:?"
    r"|\S{0,30}公报(?:\s*\d{4}\s*年\s*第\s*\d+\s*期)?(?:\s*[（(]?\s*总第\s*\d+\s*期\s*[)）]?)?"
    r"|《?[^\s《》]{2,30}公报》?\s*\d{4}\s*[.年]\s*(?:No\.?|第)\s*\d+\s*期?[^\d，。,]{0,20})$"
)
_INLINE_FOOTER = re.compile(r"[—–－]{1,2}\s*\d{1,4}\s*[—–－]{1,2}")
# A running header glued into a text line by extraction: 《…公报》 2020.No.11 (the section name after it,
# e.g. 自治区人民政府规范性文件, is left: it cannot be told from body text).
_INLINE_HEADER = re.compile(r"《[^\s《》]{2,30}公报》\s*\d{4}\s*\.\s*No\s*\.\s*\d+")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")  # \w is Unicode-aware: CJK, letters and digits stay
_SPACES_NEAR_WIDE = re.compile(r"(?<=[^\x00-\x7f])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7f])")
_RUNS_OF_SPACE = re.compile(r"[ \t\u3000]+")


def is_furniture(line: str) -> bool:
    """A line that belongs to the page, not to the document (header, footer, page marker)."""
    stripped = unicodedata.normalize("NFKC", line).strip()
    return bool(stripped) and (page_number_of(stripped) is not None or bool(_FURNITURE_LINE.match(stripped)))


def strip_furniture(text: str) -> str:
    """The text without page furniture: lines that are headers or footers, and ones glued into a line."""
    lines = [line for line in _INLINE_HEADER.sub("", text).splitlines() if not is_furniture(line)]
    return _INLINE_FOOTER.sub("", "\n".join(lines))


def canonical(text: str) -> str:
    """Letters and digits only, NFKC-folded, with page furniture dropped."""
    return _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", strip_furniture(text)))


def canonical_body(text: str, title: str | None = None) -> str:
    """`canonical(text)` without the title printed once more above the body (web articles do)."""
    body = canonical(text)
    head = canonical(title) if title else ""
    if head and len(head) < len(body):
        for _ in range(2):  # an article may show the title as page heading and as headline
            if body.startswith(head + head):
                body = body[len(head) :]
        if body.startswith(head) and head in body[len(head) :]:
            body = body[len(head) :]
    return body


def display(text: str) -> str:
    """A block's text for people: one line, no spaces inside Chinese text, ASCII words kept apart."""
    joined = " ".join(part.strip() for part in text.splitlines())
    return _RUNS_OF_SPACE.sub(" ", _SPACES_NEAR_WIDE.sub("", joined)).strip()
