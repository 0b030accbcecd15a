"""Line breaking and page layout for the sample PDFs: where every line of text goes, before any drawing.

Layout is computed as plain data (pages of positioned text runs, rules and images) and only then
painted by reportlab. Keeping the two apart lets the renderer try several type sizes to make a
document start on the page its table of contents prints, and lets the manifest say exactly on which
pages each catalogue document landed, without re-reading the PDF.

Geometry follows a Chinese gazette on A4: a running header, a page-number footer "— N —", body text
in two columns with 2-character paragraph indents, titles across the full width.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from core.errors import GazetteError

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_NAME = "WenQuanYiZenHei"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 56.0
CONTENT_TOP = PAGE_HEIGHT - 72.0
CONTENT_BOTTOM = 64.0
HEADER_BASELINE = PAGE_HEIGHT - 46.0
FOOTER_BASELINE = 34.0
COLUMN_GAP = 18.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
COLUMN_WIDTH = (CONTENT_WIDTH - COLUMN_GAP) / 2
LEADING = 1.6  # line height as a multiple of the type size

# Kinsoku (禁则): a character that may not begin a line takes the previous character down with it;
# a character that may not end a line moves to the next one. Lines never run into the gutter.
NO_LINE_START = set("，。、；：？！）》」』”’〕］】…—·%,.;:!?)]}")
NO_LINE_END = set("（《「『“‘〔［【([{")
_TOKEN = re.compile(r"[A-Za-z0-9@#%&/:._\-+=?~]+|.", re.S)


class FontError(GazetteError, RuntimeError):
    """The embedded CJK font is missing (install Debian's fonts-wqy-zenhei)."""


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register WenQuanYi Zen Hei (face 0 of the .ttc) with reportlab once; return its name."""
    if not FONT_PATH.is_file():
        raise FontError(f"CJK font not found at {FONT_PATH}: apt-get install fonts-wqy-zenhei")
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
    return FONT_NAME


@lru_cache(maxsize=8192)
def _em_width(char: str) -> float:
    return pdfmetrics.stringWidth(char, register_font(), 1000.0) / 1000.0


def text_width(text: str, size: float) -> float:
    """Advance width of `text` in the embedded font at `size` points."""
    return sum(_em_width(ch) for ch in text) * size


def wrap(text: str, width: float, measure: Callable[[str], float], first_indent: float = 0.0) -> list[str]:
    """Break `text` into lines no wider than `width` (the first line `first_indent` narrower).

    Latin runs (numbers, URLs) stay whole unless longer than a line; CJK breaks between any two
    characters, observing kinsoku (no closing punctuation at a line start, no opening one at an end).
    """
    lines: list[str] = []
    current = ""
    current_width = 0.0
    available = width - first_indent
    tokens = _TOKEN.findall(text)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        token_width = measure(token)
        if current and current_width + token_width > available:
            carry = ""
            if token[0] in NO_LINE_START and len(current) > 1:
                carry, current = current[-1], current[:-1]  # push the last character down with it
                while len(current) > 1 and carry[0] in NO_LINE_START:
                    carry, current = current[-1] + carry, current[:-1]
            while len(current) > 1 and current[-1] in NO_LINE_END:
                carry = current[-1] + carry
                current = current[:-1]
            lines.append(current.rstrip())
            current, current_width, available = carry, measure(carry), width
        if token_width > available and len(token) > 1:
            tokens[i : i + 1] = list(token)  # a Latin run longer than a line breaks anywhere
            continue
        if not current and token == " ":
            i += 1
            continue
        current += token
        current_width += token_width
        i += 1
    if current.strip():
        lines.append(current.rstrip())
    return lines


def pdf_measure(size: float) -> Callable[[str], float]:
    return lambda s: text_width(s, size)


@dataclass
class TextRun:
    """One line of text drawn at baseline (x, y); `char_space` justifies a full line."""

    x: float
    y: float
    text: str
    size: float
    char_space: float = 0.0


@dataclass
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.5


@dataclass
class PageLayout:
    """Everything on one page. `kind`: front, body or image (no text layer at all)."""

    printed_number: int
    kind: str = "body"
    runs: list[TextRun] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    image: Image.Image | None = None
    columns: int = 1
    header: bool = True


@dataclass
class ColumnLine:
    """A line waiting to be placed in a column; x is relative to the column's left edge."""

    dx: float
    text: str
    size: float
    char_space: float
    doc: int | None


class Flow:
    """Pages filled top to bottom: full-width bands and balanced two-column bands in between.

    Column lines are collected until something full-width (a title, a table, the end of the
    document) closes the band; then they are poured into the left column, the right column, and
    onto further pages, and a band that ends mid-page is balanced so both columns end together.
    """

    def __init__(self, first_printed: int, body_size: float) -> None:
        self.pages: list[PageLayout] = []
        self.first_printed = first_printed
        self.body_size = body_size
        self.y = CONTENT_TOP
        self.pending: list[ColumnLine] = []
        self.doc_pages: dict[int, list[int]] = {}

    # -- pages ---------------------------------------------------------------------------------
    def new_page(self, kind: str = "body") -> PageLayout:
        page = PageLayout(printed_number=self.first_printed + len(self.pages), kind=kind)
        self.pages.append(page)
        self.y = CONTENT_TOP
        return page

    @property
    def page(self) -> PageLayout:
        return self.pages[-1] if self.pages else self.new_page()

    def page_is_empty(self) -> bool:
        return not self.pages or (self.y >= CONTENT_TOP and not self.pending and not self.page.runs)

    def _mark(self, doc: int | None) -> None:
        if doc is not None:
            self.doc_pages.setdefault(doc, []).append(len(self.pages) - 1)

    def skip_to(self, index: int) -> None:
        """Continue on the page with 0-based `index` (pages in between stay blank but numbered)."""
        self.close_band()
        while len(self.pages) - 1 < index:
            self.new_page()

    def space(self, points: float) -> None:
        if self.y < CONTENT_TOP:
            self.y -= points

    # -- full width ----------------------------------------------------------------------------
    def full_width(self, text: str, size: float, align: str = "center", doc: int | None = None) -> None:
        """A paragraph across the whole text width (titles, masthead, document numbers)."""
        self.close_band()
        leading = size * LEADING
        for line in wrap(text, CONTENT_WIDTH, pdf_measure(size)):
            if self.y - leading < CONTENT_BOTTOM:
                self.new_page()
            page = self.page
            width = text_width(line, size)
            if align == "center":
                x = MARGIN_X + (CONTENT_WIDTH - width) / 2
            elif align == "right":
                x = MARGIN_X + CONTENT_WIDTH - width
            else:
                x = MARGIN_X
            page.runs.append(TextRun(x, self.y - size, line, size))
            self.y -= leading
            self._mark(doc)

    # -- two columns ---------------------------------------------------------------------------
    def column_paragraph(
        self, text: str, size: float, align: str = "justify", indent_em: float = 2.0, doc: int | None = None
    ) -> None:
        measure = pdf_measure(size)
        indent = indent_em * size if align == "justify" else 0.0
        lines = wrap(text, COLUMN_WIDTH, measure, first_indent=indent)
        for n, line in enumerate(lines):
            width = measure(line)
            dx, char_space = 0.0, 0.0
            if align == "justify":
                dx = indent if n == 0 else 0.0
                slack = COLUMN_WIDTH - dx - width
                if n < len(lines) - 1 and len(line) > 1 and 0 < slack < 2 * size:
                    char_space = slack / (len(line) - 1)
            elif align == "center":
                dx = (COLUMN_WIDTH - width) / 2
            elif align == "right":
                dx = COLUMN_WIDTH - width - size
            self.pending.append(ColumnLine(dx, line, size, char_space, doc))

    def close_band(self) -> None:
        """Pour the pending column lines into columns, page after page, balancing the last band."""
        if not self.pending:
            return
        leading = self.body_size * LEADING
        lines = self.pending
        self.pending = []
        while lines:
            capacity = math.floor((self.y - CONTENT_BOTTOM) / leading)
            if capacity < 1:
                self.new_page()
                continue
            if len(lines) > 2 * capacity:
                left, right, lines = lines[:capacity], lines[capacity : 2 * capacity], lines[2 * capacity :]
            else:
                split = math.ceil(len(lines) / 2)
                left, right, lines = lines[:split], lines[split:], []
            top = self.y
            for column, chunk in ((0, left), (1, right)):
                x0 = MARGIN_X + column * (COLUMN_WIDTH + COLUMN_GAP)
                for row, line in enumerate(chunk):
                    baseline = top - row * leading - line.size
                    self.page.runs.append(
                        TextRun(x0 + line.dx, baseline, line.text, line.size, line.char_space)
                    )
                    self._mark(line.doc)
            self.page.columns = 2
            self.y = top - len(left) * leading
            if lines:
                self.new_page()

    # -- tables and images ---------------------------------------------------------------------
    def table_row(
        self,
        cells: tuple[str, ...],
        widths: list[float],
        size: float,
        doc: int | None,
        keep_with_next: float = 0.0,
    ) -> None:
        """One bordered table row across the full width; a row never splits across pages.

        `keep_with_next` reserves room below the row (a header row is never last on a page).
        """
        self.close_band()
        measure = pdf_measure(size)
        pad = 3.0
        wrapped = [wrap(cell, w - 2 * pad, measure) or [""] for cell, w in zip(cells, widths, strict=False)]
        leading = size * 1.35
        height = max(len(w) for w in wrapped) * leading + 2 * pad
        if self.y - height - keep_with_next < CONTENT_BOTTOM and self.y < CONTENT_TOP:
            self.new_page()
        page = self.page
        top = self.y
        x = MARGIN_X
        for cell_lines, w in zip(wrapped, widths, strict=False):
            for n, line in enumerate(cell_lines):
                if line:
                    page.runs.append(TextRun(x + pad, top - pad - n * leading - size, line, size))
            x += w
        edges = [MARGIN_X]
        for w in widths:
            edges.append(edges[-1] + w)
        page.rules.append(Rule(MARGIN_X, top, edges[-1], top))
        page.rules.append(Rule(MARGIN_X, top - height, edges[-1], top - height))
        page.rules.extend(Rule(e, top, e, top - height) for e in edges)
        self.y = top - height
        self._mark(doc)

    def image_page(self, image: Image.Image, doc: int | None) -> PageLayout:
        """A page that is only an image (a scanned attachment): it has no text layer at all."""
        self.close_band()
        if not self.page_is_empty():
            self.new_page()
        page = self.page
        page.kind = "image"
        page.image = image
        page.header = False
        self._mark(doc)
        self.y = CONTENT_BOTTOM  # nothing else goes on this page
        return page


def table_widths(columns: int) -> list[float]:
    """Column widths of a full-width table: the content column (3rd of 5) gets the most room."""
    shares = [0.19, 0.19, 0.36, 0.15, 0.11] if columns == 5 else [1 / columns] * columns
    return [CONTENT_WIDTH * s for s in shares]
