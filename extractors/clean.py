"""CJK-aware cleaning of extracted text.

PDF text layers break Chinese text anywhere: at the end of every printed line,
inside narrow table cells, and they insert spaces where glyphs were spaced out
("有序 推 进", "2023 年6 月20 日", "24 号"). Chinese joins without spaces, so
the usual "join lines with a blank" of Latin text is wrong here.

Characters that carry no text (control characters, bidi overrides, zero-width
characters) are removed first, by `strip_invisible`, and never reach any view.

Three views of the same text serve three purposes:
- `clean_line` / `to_paragraphs`: what a reader sees (original punctuation kept);
- identifiers (document numbers, titles) are compared by their keys, in `extractors.keys`;
- `normalized_text`: what hashing and duplicate detection compare.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Ideographs, CJK symbols and punctuation, full-width forms, and the general
# punctuation that Chinese typesetting uses (curly quotes, dashes, ellipsis).
_CJK_RANGES = (
    ("\u2e80", "\u2fdf"),  # radicals
    ("\u3000", "\u303f"),  # CJK symbols and punctuation: 、。〔〕《》「」【】
    ("\u3400", "\u4dbf"),  # extension A
    ("\u4e00", "\u9fff"),  # unified ideographs
    ("\uf900", "\ufaff"),  # compatibility ideographs
    ("\ufe30", "\ufe4f"),  # compatibility forms
    ("\uff00", "\uffef"),  # full-width forms: （），：；！？
)
_CJK_EXTRA = set("“”‘’—…·")
_ASCII_PUNCT = set("()[],.:;!?%/-")
_SPACES = " \u3000\u00a0\u2002\u2003\u2009"


def is_cjk(char: str) -> bool:
    """True for a character that Chinese typesetting sets without spaces around it."""
    if char in _CJK_EXTRA:
        return True
    return any(lo <= char <= hi for lo, hi in _CJK_RANGES)


def _space_is_spurious(left: str, right: str) -> bool:
    if is_cjk(left):
        return is_cjk(right) or right.isdigit() or right in _ASCII_PUNCT
    if is_cjk(right):
        return left.isdigit() or left in _ASCII_PUNCT
    return False


_SPACE_RUN = re.compile(f"[{_SPACES}]+")
_ARTICLE_HEAD = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+[条章节编])(?=\S)")


def clean_line(line: str) -> str:
    """Remove the spaces a PDF put between CJK characters; keep spaces between words.

    Tabs are kept: they separate table cells, and a table row must stay a row.
    A space after a leading 第X条 / 第X章 is restored, as typeset.
    """
    line = line.rstrip("\r\n")

    def replace(match: re.Match[str]) -> str:
        start, end = match.span()
        if start == 0 or end == len(line):
            return ""
        if end - start >= 3:
            return " "  # a layout gap (organ … date on one line), not glyph spacing
        return "" if _space_is_spurious(line[start - 1], line[end]) else " "

    cleaned = _SPACE_RUN.sub(replace, line)
    return _ARTICLE_HEAD.sub(r"\1 ", cleaned)


# --- characters that carry no text -------------------------------------------------

# They change how text shows or compares without being text: a zero-width space inside
# 宁政办发〔2023〕24号 hides the number from every parser and key; a right-to-left override makes
# a title display reversed in a digest; an escape character drives the analyst's terminal.
# Tab, line feed, carriage return and form feed are layout (form feed separates the pages
# of a text dump) and stay.
INVISIBLE_CHARACTERS: dict[str, str] = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u061c": "Arabic letter mark",
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u202d": "left-to-right override",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first strong isolate",
    "\u2069": "pop directional isolate",
}
_LAYOUT_CONTROLS = "\t\n\r\f"
_CONTROL_CHARACTERS = [
    chr(code) for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)] if chr(code) not in _LAYOUT_CONTROLS
]
_INVISIBLE = re.compile("[" + re.escape("".join([*INVISIBLE_CHARACTERS, *_CONTROL_CHARACTERS])) + "]")


def _character_name(char: str) -> str:
    return INVISIBLE_CHARACTERS.get(char) or f"control character U+{ord(char):04X}"


def strip_invisible(text: str) -> tuple[str, Counter[str]]:
    """The text without control, bidi and zero-width characters, and what was removed (by name)."""
    removed = Counter(_character_name(char) for char in _INVISIBLE.findall(text))
    return (_INVISIBLE.sub("", text) if removed else text), removed


def describe_removed(removed: Counter[str]) -> str:
    """One line for a document's problems: "removed 3 invisible characters (zero-width space ×2, …)"."""
    total = sum(removed.values())
    kinds = ", ".join(f"{name} ×{count}" for name, count in removed.most_common())
    return f"removed {total} invisible or control character{'s' if total > 1 else ''} ({kinds})"


# --- paragraphs -----------------------------------------------------------------

_TERMINAL = "。；：！？;:!?"
_CLOSERS = "”’）)」』》】"
_NUMERALS = "一二三四五六七八九十百零〇"
_DATE_LINE = re.compile(
    rf"^[（(]?(\d{{4}}|[{_NUMERALS}]{{4}})年[\d{_NUMERALS}]{{1,3}}月[\d{_NUMERALS}]{{1,3}}日[)）]?$"
)
_STRUCTURAL_START = re.compile(
    r"^("
    rf"[{_NUMERALS}]+、"  # 一、
    rf"|[（(][{_NUMERALS}]+[)）]"  # （一）
    r"|\d{1,3}[.．、](?!\d)"  # 1.  2．
    r"|[（(]\d{1,3}[)）]"  # （1）
    rf"|第[{_NUMERALS}\d]+[条章节编]"  # 第一条 第二章
    r"|附件"
    r"|[（(]此件"
    r"|抄送"
    r"|——"
    r"|【"
    r")"
)
_DOC_NUMBER_LINE = re.compile(
    r"^[\u4e00-\u9fff]{1,16}[〔［\[【(（]\s*(19|20)\d{2}\s*[〕］\]】)）]\s*第?\s*\d{1,5}\s*号?$"
)
# An order's head and its serial, each printed alone: 临川市人民政府令 / 第179号.
_ORDER_LINE = re.compile(
    rf"^(?:[\u4e00-\u9fff]{{2,24}}人民政府令|[\u4e00-\u9fff]{{0,12}}国务院令|[（(]?第[\d{_NUMERALS}]{{1,6}}号[)）]?)$"
)
_CONTINUES = "，、（(《“‘〔［[—"
_TOC_ENTRY = re.compile(r"([…．.·]{2,}\s*|号\s*[)）]\s*)[（(]\s*\d{1,4}\s*[)）]$")


def is_date_line(line: str) -> bool:
    """A line holding only a date, as under a signature (2023年6月20日, 二〇二三年六月二十日)."""
    return bool(_DATE_LINE.match(line))


def is_doc_number_line(line: str) -> bool:
    """A line holding only a document number (宁政办发〔2023〕24号), brackets in any width."""
    return bool(_DOC_NUMBER_LINE.match(line))


def is_toc_entry_line(line: str) -> bool:
    """The last line of a table-of-contents entry: "(宁政办发〔2023〕53号)…… (19)"."""
    return bool(_TOC_ENTRY.search(line))


def is_order_line(line: str) -> bool:
    """An order's head (…人民政府令, 国务院令) or its serial (第179号) alone on its line."""
    return bool(_ORDER_LINE.match(line))


def starts_structurally(line: str) -> bool:
    """True when a line opens a new unit: a numbered item, an article, 附件, 抄送, a date line…"""
    return (
        bool(_STRUCTURAL_START.match(line))
        or is_date_line(line)
        or is_doc_number_line(line)
        or is_order_line(line)
    )


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _TERMINAL


def _join(left: str, right: str) -> str:
    if (
        left
        and right
        and left[-1].isascii()
        and left[-1].isalnum()
        and right[0].isascii()
        and right[0].isalpha()
    ):
        return f"{left} {right}"
    return left + right


def to_paragraphs(lines: Iterable[str], *, cleaned: bool = False) -> list[str]:
    """Join printed lines into paragraphs the way CJK text joins: with nothing.

    A paragraph ends at a line ending in 。；：！？, before a line that opens a new
    unit (一、 （一） 1. 第X条, a date, 附件, 抄送 …), after a short heading line,
    and around table rows (tab-separated cells), which are never joined.
    Blank lines do not end a paragraph: text layers put them between printed
    lines of one paragraph. Spurious spaces are removed (`clean_line`) unless the
    caller says the lines are `cleaned` already (cleaning twice would close the
    layout gaps that the first pass kept as one space).
    """
    if cleaned:
        kept = [line for line in lines if line.strip()]
    else:
        kept = [clean_line(line) for line in lines if line.strip()]
    cleaned_lines = [line.strip() for line in kept]
    lengths = [len(line) for line in cleaned_lines if "\t" not in line]
    typical = _upper_quartile(lengths)
    paragraphs: list[str] = []
    current = ""
    for i, line in enumerate(cleaned_lines):
        if "\t" in line:
            if current:
                paragraphs.append(current)
                current = ""
            paragraphs.append(line)
            continue
        following = cleaned_lines[i + 1] if i + 1 < len(cleaned_lines) else ""
        if current and (starts_structurally(line) or _is_signature(line, following)):
            paragraphs.append(current)
            current = ""
        current = _join(current, line)
        if (
            _ends_sentence(line)
            or is_date_line(line)
            or is_doc_number_line(line)
            or is_order_line(line)
            or is_toc_entry_line(line)
            or _is_short_heading(line, typical)
            or _is_title_line(current)
            or not following
        ):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _is_signature(line: str, following: str) -> bool:
    """The issuing organ's line over the date line closes the body: never join it to the text above."""
    return is_date_line(following) and len(line) <= 40 and not any(mark in line for mark in "。，；：,;:")


_TITLE_TYPES = re.compile(
    r"(通知|批复|意见|决定|办法|方案|措施|要点|规定|细则|规划|条例|规则|计划|通告|公告|清单)$"
)


def _is_title_line(text: str) -> bool:
    """A heading like 建立…工作机制实施方案 over the text it titles: no punctuation, a document type."""
    return len(text) <= 60 and bool(_TITLE_TYPES.search(text)) and not any(m in text for m in "，。；：,;:、")


def _upper_quartile(values: list[int]) -> float:
    if len(values) < 4:
        return float(max(values, default=0))
    return statistics.quantiles(values, n=4)[2]


def _is_short_heading(line: str, typical: float) -> bool:
    """A heading (一、总体要求) ends its paragraph even without punctuation."""
    if line[-1] in _CONTINUES or not _STRUCTURAL_START.match(line):
        return False
    return len(line) < 0.75 * typical or line.startswith(("（此件", "(此件"))


# --- keys and normalized text -----------------------------------------------------

_WHITESPACE = re.compile(r"\s+")


_TEXT_TABLE = str.maketrans(
    {
        "〔": "[",
        "〕": "]",
        "【": "[",
        "】": "]",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "〈": "<",
        "〉": ">",
        "—": "-",
        "–": "-",
        "－": "-",
    }
)


def normalized_text(text: str) -> str:
    """Text for hashing and duplicate detection: only the characters that carry meaning.

    NFKC folds full-width forms to ASCII; bracket and quote variants are mapped
    to one form; all whitespace (line breaks, spurious spaces) is erased. Two
    extractions of the same document through different layouts hash equal.
    """
    folded = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return _WHITESPACE.sub("", folded).translate(_TEXT_TABLE)
