"""Page furniture: running headers and footers go, printed page numbers stay as metadata.

A gazette prints its name and issue at the top of every page and "— 12 —" at the
bottom. Left in the text they break paragraphs in the middle of sentences and
pollute titles; but the printed number is what analysts cite ("see page 12"),
so it is kept as `Page.printed_number`.

Only the lines at the edge of a page are candidates: for a PDF the rows in the
top and bottom bands of the page (geometry, see `extractors.pdf`), for a text
dump or an HTML page the first and last lines. A candidate is furniture when
- it is a page number in a form printers use ("— 3 —", "- 3 -", "·3·", "第3页",
  "3/10", or a number standing alone), or
- it repeats, digits masked, among the candidates of nearby pages (a running
  header with a varying issue or page number; odd and even pages may alternate
  two headers, hence the window of neighbours rather than only the next page).
Deciding needs a few neighbouring pages, never the whole file: `strip_stream`
holds a small window, so that PDF pages can still be streamed.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from extractors.model import Page

WINDOW = 2  # neighbours on each side whose candidates a running header must repeat among
EDGE_LINES = 2  # first and last lines of a text page that may be furniture
MAX_HEADER_CHARS = 60  # a longer line is body text even if it repeats

_DASH = r"[—–\-－~～―]+"
_DOT = r"[·•・∙]"
_NUM = r"(\d{1,5})"
# Page-number forms that cannot be mistaken for body text, alone or at either end of a header.
_MARKED = (
    rf"{_DASH}\s*{_NUM}\s*{_DASH}",
    rf"{_DOT}\s*{_NUM}\s*{_DOT}",
    rf"第\s*{_NUM}\s*页(?:\s*[,，/]?\s*共\s*\d{{1,5}}\s*页)?",
    rf"{_NUM}\s*/\s*\d{{1,5}}",
    rf"[Pp](?:age|\.)?\s*{_NUM}",
)
_MARKED_ALONE = [re.compile(rf"^\s*{p}\s*$") for p in _MARKED]
_MARKED_AT_START = [re.compile(rf"^\s*{p}\s+(?P<rest>\S.*)$") for p in _MARKED]
_MARKED_AT_END = [re.compile(rf"^(?P<rest>.*\S)\s+{p}\s*$") for p in _MARKED]
_BARE_ALONE = re.compile(rf"^\s*{_NUM}\s*$")
_BARE_AT_START = re.compile(rf"^\s*{_NUM}\s+(?P<rest>\D.*)$")
_BARE_AT_END = re.compile(rf"^(?P<rest>.*\D)\s+{_NUM}\s*$")
_DIGITS = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass
class FramedPage:
    """A page cut into the lines that may be furniture and the body between them."""

    page: Page
    top: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    bottom: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    number: int | None  # page number found in the line
    alone: bool  # the line is nothing but the page number
    key: str  # the rest of the line, digits masked, spaces removed: what repeats across pages


def _analyse(line: str) -> _Candidate:
    for pattern in _MARKED_ALONE:
        m = pattern.match(line)
        if m:
            return _Candidate(int(m.group(1)), True, "")
    m = _BARE_ALONE.match(line)
    if m:
        return _Candidate(int(m.group(1)), True, "")
    for patterns in (_MARKED_AT_START, _MARKED_AT_END):
        for pattern in patterns:
            m = pattern.match(line)
            if m:
                return _Candidate(_number_beside_rest(m), False, _key(m.group("rest")))
    for pattern in (_BARE_AT_START, _BARE_AT_END):
        m = pattern.match(line)
        if m:
            return _Candidate(_number_beside_rest(m), False, _key(m.group("rest")))
    return _Candidate(None, False, _key(line))


def _number_beside_rest(m: re.Match[str]) -> int:
    """The page number of a header match: the group that is not `rest`, whichever side it stands on."""
    rest = m.re.groupindex["rest"]
    return int(next(group for index, group in enumerate(m.groups(), 1) if index != rest and group))


def _key(text: str) -> str:
    """Digits masked, spaces and punctuation dropped: "公报·2024年第2期" and OCR's "公报2024年第3期" agree."""
    return _DIGITS.sub("#", _NOT_WORD.sub("", text))


def page_number_of(line: str) -> int | None:
    """The page number a line consists of ("— 3 —", "·3·", "第3页", "3"), else None."""
    cand = _analyse(line)
    return cand.number if cand.alone else None


def _keys(framed: FramedPage) -> set[str]:
    keys = set()
    for line in (*framed.top, *framed.bottom):
        key = _analyse(line).key
        if 2 <= len(key) <= MAX_HEADER_CHARS:
            keys.add(key)
    return keys


def _resolve(framed: FramedPage, neighbour_keys: set[str]) -> Page:
    number = framed.page.printed_number
    kept_top: list[str] = []
    kept_bottom: list[str] = []
    for lines, kept in ((framed.top, kept_top), (framed.bottom, kept_bottom)):
        for line in lines:
            cand = _analyse(line)
            repeats = cand.key in neighbour_keys
            if cand.alone or repeats:
                if cand.number is not None and (number is None or cand.alone):
                    number = cand.number
                continue
            kept.append(line)
    text = "\n".join([*kept_top, *framed.body, *kept_bottom])
    return replace(framed.page, text=text, printed_number=number)


def strip_stream(framed_pages: Iterable[FramedPage], window: int = WINDOW) -> Iterator[Page]:
    """Resolve furniture page by page, holding only `2 * window + 1` pages at a time."""
    buffer: deque[tuple[FramedPage, set[str]]] = deque()
    index_of_next = 0  # position in `buffer` of the next page to resolve

    def resolve_at(i: int) -> Page:
        framed, _ = buffer[i]
        lo, hi = max(0, i - window), min(len(buffer), i + window + 1)
        neighbours: set[str] = set()
        for j in range(lo, hi):
            if j != i:
                neighbours |= buffer[j][1]
        return _resolve(framed, neighbours)

    for framed in framed_pages:
        buffer.append((framed, _keys(framed)))
        if len(buffer) - 1 - index_of_next >= window:
            yield resolve_at(index_of_next)
            index_of_next += 1
            if index_of_next > window:
                buffer.popleft()
                index_of_next -= 1
    while index_of_next < len(buffer):
        yield resolve_at(index_of_next)
        index_of_next += 1


def frame_text_page(page: Page, edge_lines: int = EDGE_LINES) -> FramedPage:
    """Without geometry, the first and last non-empty lines are the furniture candidates."""
    lines = page.text.splitlines()
    filled = [i for i, line in enumerate(lines) if line.strip()]
    n_top = min(edge_lines, len(filled))
    n_bottom = min(edge_lines, len(filled) - n_top)
    top_idx, bottom_idx = filled[:n_top], filled[len(filled) - n_bottom :]
    body_start = top_idx[-1] + 1 if top_idx else 0
    body_end = bottom_idx[0] if bottom_idx else len(lines)
    # Blank lines between candidates travel with them; being blank, they are always kept.
    return FramedPage(
        page=page, top=lines[:body_start], body=lines[body_start:body_end], bottom=lines[body_end:]
    )


def strip_furniture(pages: list[Page], window: int = WINDOW) -> list[Page]:
    """Remove running headers/footers from any page list (PDF, text dump, HTML) and keep page numbers.

    Pages without text pass through unchanged, so coverage gaps stay visible.
    """
    framed = (
        frame_text_page(p) if p.has_text and p.text.strip() else FramedPage(page=p, body=[p.text])
        for p in pages
    )
    return list(strip_stream(framed, window))
