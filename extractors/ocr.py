"""Optional OCR of pages without a text layer (scanned pages), with tesseract and chi_sim.

Off by default: OCR is slow (seconds a page) and its text is less exact than a
text layer, so it runs only when asked (`read_pdf_pages(..., ocr=True)`) and only
when the machine has it. Install it with the Debian packages:

    apt-get install tesseract-ocr tesseract-ocr-chi-sim

The tesseract binary is called as a subprocess (no Python wrapper needed), fed a
grayscale PNG rendering of the page on stdin, with a timeout so that one bad
page cannot hang a run. Pages read this way carry `Page.ocr=True`.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import subprocess

import pypdfium2 as pdfium

from core.errors import ExtractionError
from extractors.furniture import FramedPage, frame_text_page
from extractors.layout import is_cjk
from extractors.model import Page

LANG = "chi_sim"
DPI = 300
TIMEOUT_S = 120.0


class OcrError(ExtractionError):
    """OCR of one page failed; the page stays flagged as having no text."""


@functools.cache
def available(lang: str = LANG) -> bool:
    """True when a tesseract binary with the language's trained data is installed."""
    exe = shutil.which("tesseract")
    if exe is None:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return lang in (out.stdout + out.stderr).split()


_SPACE_RUN = re.compile(r"[ \t]+")


def tidy(text: str) -> str:
    """Tesseract separates CJK characters by spaces; remove those, keep spaces between Latin words."""
    lines = []
    for line in text.splitlines():
        parts = _SPACE_RUN.split(line.strip())
        out = parts[0] if parts else ""
        for part in parts[1:]:
            if out and part and (is_cjk(out[-1]) or is_cjk(part[0])):
                out += part
            else:
                out += " " + part
        lines.append(out)
    return "\n".join(lines).strip()


def ocr_page(page: pdfium.PdfPage, *, lang: str = LANG, dpi: int = DPI, timeout: float = TIMEOUT_S) -> str:
    """Text of a rendered page as tesseract reads it."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrError("tesseract is not installed")
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        buffer = io.BytesIO()
        bitmap.to_pil().save(buffer, format="PNG")
    finally:
        bitmap.close()
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "--psm", "3", "--dpi", str(dpi)],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"tesseract took longer than {timeout:.0f} s") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract failed: {message[-1] if message else proc.returncode}")
    return tidy(proc.stdout.decode("utf-8", "replace"))


def frame_ocr_text(page: Page, text: str) -> FramedPage:
    """OCR text has no usable geometry here: its first and last lines are the furniture candidates."""
    page.text = text
    return frame_text_page(page)
