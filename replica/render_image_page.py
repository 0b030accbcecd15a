"""Pages with no text layer: text and tables drawn into a greyscale bitmap, as a scanner would deliver them.

Real gazettes and compilations carry scanned attachments; an extractor must flag such pages
(has_text=false) instead of returning them silently empty. The bitmap is drawn with the same font
as the PDF text so that optional OCR can read it, and every step is deterministic (no noise source,
a fixed slight rotation) so the PDF bytes are the same on every build.
"""

from __future__ import annotations

import math
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from replica.paragraphs import Paragraph
from replica.typeset import (
    CONTENT_BOTTOM,
    CONTENT_TOP,
    CONTENT_WIDTH,
    FONT_PATH,
    FOOTER_BASELINE,
    HEADER_BASELINE,
    LEADING,
    MARGIN_X,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    FontError,
    table_widths,
    wrap,
)

DPI = 120
SCALE = DPI / 72.0
PAPER = 236  # a scanned page is never white
INK = 35
SKEW_DEGREES = 0.35


@lru_cache(maxsize=16)
def _font(size_px: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(FONT_PATH), size_px, index=0)
    except OSError as exc:
        raise FontError(f"cannot load {FONT_PATH}: {exc}") from exc


class _Sheet:
    """A blank page bitmap with a pen that works in PDF points (origin bottom left)."""

    def __init__(self) -> None:
        self.image = Image.new("L", (round(PAGE_WIDTH * SCALE), round(PAGE_HEIGHT * SCALE)), PAPER)
        self.draw = ImageDraw.Draw(self.image)

    def text(self, x: float, baseline: float, text: str, size: float) -> None:
        font = _font(round(size * SCALE))
        self.draw.text((x * SCALE, (PAGE_HEIGHT - baseline) * SCALE), text, font=font, fill=INK, anchor="ls")

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.draw.line(
            [(x0 * SCALE, (PAGE_HEIGHT - y0) * SCALE), (x1 * SCALE, (PAGE_HEIGHT - y1) * SCALE)],
            fill=INK,
            width=max(1, round(0.6 * SCALE)),
        )

    def measure(self, size: float):
        font = _font(round(size * SCALE))
        return lambda s: font.getlength(s) / SCALE

    def centered(self, baseline: float, text: str, size: float) -> None:
        width = self.measure(size)(text)
        self.text((PAGE_WIDTH - width) / 2, baseline, text, size)

    def finish(self) -> Image.Image:
        """Rotate slightly, as a sheet fed into a scanner never lies straight."""
        return self.image.rotate(SKEW_DEGREES, resample=Image.Resampling.BICUBIC, fillcolor=PAPER)


def _frame(sheet: _Sheet, header: str, footer: str) -> None:
    if header:
        sheet.centered(HEADER_BASELINE, header, 9)
        sheet.line(MARGIN_X, HEADER_BASELINE - 6, PAGE_WIDTH - MARGIN_X, HEADER_BASELINE - 6)
    sheet.centered(FOOTER_BASELINE, footer, 10)


def scanned_text_page(
    header: str, footer: str, paragraphs: list[Paragraph], size: float = 9.0
) -> Image.Image:
    """A scan of a page holding `paragraphs`: table rows as a bordered grid, other text wrapped full width."""
    sheet = _Sheet()
    _frame(sheet, header, footer)
    measure = sheet.measure(size)
    y = CONTENT_TOP
    for para in paragraphs:
        if para.cells is not None:
            widths = table_widths(len(para.cells))
            pad = 3.0
            leading = size * 1.35
            cells = [wrap(c, w - 2 * pad, measure) or [""] for c, w in zip(para.cells, widths, strict=False)]
            height = max(len(c) for c in cells) * leading + 2 * pad
            if y - height < CONTENT_BOTTOM:
                break  # a scan shows one sheet; the catalogue keeps image blocks to one page
            x = MARGIN_X
            for lines, w in zip(cells, widths, strict=False):
                for n, line in enumerate(lines):
                    sheet.text(x + pad, y - pad - n * leading - size, line, size)
                sheet.line(x, y, x, y - height)
                x += w
            sheet.line(x, y, x, y - height)
            sheet.line(MARGIN_X, y, x, y)
            sheet.line(MARGIN_X, y - height, x, y - height)
            y -= height
        else:
            for line in wrap(para.text, CONTENT_WIDTH, measure, first_indent=2 * size):
                if y - size * LEADING < CONTENT_BOTTOM:
                    break
                sheet.text(MARGIN_X, y - size, line, size)
                y -= size * LEADING
    return sheet.finish()


def scanned_figure_page(header: str, footer: str, caption: str) -> Image.Image:
    """A scan of an attachment that is a figure (a form with a seal), as compilations reproduce them."""
    sheet = _Sheet()
    _frame(sheet, header, footer)
    sheet.centered(CONTENT_TOP - 40, caption, 16)
    left, right = MARGIN_X + 40, PAGE_WIDTH - MARGIN_X - 40
    top, bottom = CONTENT_TOP - 80, CONTENT_TOP - 520
    for i in range(12):
        y = top - i * (top - bottom) / 11
        sheet.line(left, y, right, y)
    columns = [left, left + 60, left + 230, left + 340, right]
    for x in columns:
        sheet.line(x, top, x, bottom)
    for x, label in zip(columns, ["序号", "事项名称", "办理情况", "备注"], strict=False):
        sheet.text(x + 8, top - 26, label, 12)
    # the issuing organ's round seal, drawn as a ring with a star
    cx, cy, r = (PAGE_WIDTH * 0.7) * SCALE, (PAGE_HEIGHT - bottom + 90) * SCALE, 55 * SCALE
    sheet.draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=90, width=round(3 * SCALE))
    star = []
    for i, degrees in enumerate(range(90, 450, 36)):
        reach = 0.45 * r if i % 2 == 0 else 0.18 * r
        star.append(
            (cx + reach * math.cos(math.radians(degrees)), cy - reach * math.sin(math.radians(degrees)))
        )
    sheet.draw.polygon(star, fill=90)
    return sheet.finish()
