"""Redraw a generated gazette PDF glyph by glyph, in top-to-bottom order across the whole page.

Many real PDFs store their text line by line across both columns, or one glyph per text object;
an extractor that trusts the content stream then reads the columns interleaved (issue 3, item 1).
This module produces such a file from one of ours: every glyph is drawn where it was, in the same
font and size, but the content stream runs across the page line by line, so only an extractor
that detects columns from positions reads it correctly. Pages without text (scans) are copied as
images.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from core.errors import GazetteError
from replica.typeset import register_font

# Glyphs whose baselines differ by less than this (points) are on one visual line.
SAME_LINE_TOLERANCE = 1.0


class RedrawError(GazetteError, ValueError):
    """The source PDF cannot be read (missing, damaged, encrypted)."""


@dataclass(frozen=True)
class Glyph:
    """One character of the text layer: its baseline origin and font size, in PDF points."""

    char: str
    x: float
    y: float
    size: float


def read_glyphs(page: pdfium.PdfPage) -> list[Glyph]:
    """Every real glyph of a page (pdfium's generated spaces and line breaks left out)."""
    textpage = page.get_textpage()
    try:
        handle = textpage.raw
        glyphs = []
        x, y = ctypes.c_double(), ctypes.c_double()
        for i in range(pdfium_raw.FPDFText_CountChars(handle)):
            if pdfium_raw.FPDFText_IsGenerated(handle, i) == 1:
                continue
            code = pdfium_raw.FPDFText_GetUnicode(handle, i)
            if code in (0, 0xFFFE, 0xFFFF) or chr(code) in "\r\n":
                continue
            pdfium_raw.FPDFText_GetCharOrigin(handle, i, ctypes.byref(x), ctypes.byref(y))
            size = pdfium_raw.FPDFText_GetFontSize(handle, i)
            glyphs.append(Glyph(chr(code), x.value, y.value, size))
        return glyphs
    finally:
        textpage.close()


def across_the_page(glyphs: list[Glyph]) -> list[Glyph]:
    """Order glyphs top to bottom, then left to right across the whole page width (both columns)."""
    ordered: list[Glyph] = []
    line: list[Glyph] = []
    for glyph in sorted(glyphs, key=lambda g: (-g.y, g.x)):
        if line and line[0].y - glyph.y > SAME_LINE_TOLERANCE:
            ordered.extend(sorted(line, key=lambda g: g.x))
            line = []
        line.append(glyph)
    ordered.extend(sorted(line, key=lambda g: g.x))
    return ordered


def redraw_glyph_by_glyph(src_pdf: Path, out_pdf: Path) -> int:
    """Write `out_pdf`: `src_pdf` redrawn one text object per glyph in across-the-page order.

    Returns the number of glyphs drawn. Rules and borders are not copied; scanned pages are.
    """
    try:
        document = pdfium.PdfDocument(str(src_pdf))
    except (pdfium.PdfiumError, OSError) as exc:
        raise RedrawError(f"cannot open {src_pdf}: {exc}") from exc
    font = register_font()
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_pdf.with_suffix(out_pdf.suffix + ".tmp")
    total = 0
    try:
        first_width, first_height = document[0].get_size()
        c = canvas.Canvas(str(tmp), pagesize=(first_width, first_height), invariant=1, pageCompression=1)
        c.setTitle(f"{src_pdf.stem} (redrawn glyph by glyph)")
        c.setCreator("replica.redraw_pdf")
        c.setProducer("reportlab (invariant)")
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            c.setPageSize((width, height))
            glyphs = read_glyphs(page)
            if not glyphs:
                _copy_images(c, page)
            for glyph in across_the_page(glyphs):
                text = c.beginText(glyph.x, glyph.y)
                text.setFont(font, glyph.size)
                text.textOut(glyph.char)
                c.drawText(text)
            total += len(glyphs)
            page.close()
            c.showPage()
        c.save()
    finally:
        document.close()
    tmp.replace(out_pdf)
    return total


def _copy_images(c: canvas.Canvas, page: pdfium.PdfPage) -> None:
    for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = obj.get_bounds()
        bitmap = obj.get_bitmap(render=False)
        c.drawImage(ImageReader(bitmap.to_pil()), left, bottom, right - left, top - bottom)
