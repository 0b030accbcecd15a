"""OCR of pages without a text layer (scanned pages), with tesseract and chi_sim.

On by default in extraction (`extractors.pipeline` asks for it) wherever the machine has it:
`make` installs Debian's tesseract-ocr and tesseract-ocr-chi-sim (scripts/setup-system.sh);
nothing downloads a model at run time. Without them, scanned pages stay flagged has_text=False.

The tesseract binary is called as a subprocess (no Python wrapper needed), fed a grayscale PNG
rendering of the page on stdin, with a timeout so that one bad page cannot hang a run, and
with OMP_THREAD_LIMIT=1: tesseract's OpenMP threads only contend on a busy machine (measured
here: 9 s a page instead of 16 s). Four guards keep the cost bounded: a page whose images
claim more than `MAX_IMAGE_PIXELS` is not rendered (an image bomb); a blank scan, found on a
thumbnail, is not sent to tesseract; at most `MAX_PAGES_PER_FILE` pages of a file are tried;
and results are cached by the hash of the rendered page, so re-extracting a file (a backfill,
a re-poll, the test suite) reads each scan once.
Pages read this way carry `Page.ocr=True`.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from core.errors import ExtractionError
from extractors.furniture import FramedPage, frame_text_page
from extractors.layout import is_cjk
from extractors.model import Page

LANG = "chi_sim"
DPI = 300
TIMEOUT_S = 120.0
# An A4 scan at 600 dpi is 35 million pixels; an image claiming more is not decoded to be read.
MAX_IMAGE_PIXELS = 64_000_000
# Pages of one file sent to OCR at most (blank ones included: telling them costs ~0.25 s each).
# The compilation's 23 scanned pages fit; a 300-page scanned issue is read up to here and the
# rest stays flagged, so one file cannot hold a run for an hour.
MAX_PAGES_PER_FILE = 50
BLANK_DPI = 24  # thumbnail resolution for the blank-page test
BLANK_CONTRAST = 48  # grey levels between the darkest and lightest pixel of a page that has ink
CACHE_ENV = "GAZETTE_OCR_CACHE"


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


def cache_dir() -> Path:
    """Where OCR results are kept: $GAZETTE_OCR_CACHE, else the XDG cache (a cache: safe to delete)."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gazette-monitor" / "ocr"


@functools.cache
def engine_version() -> str:
    """tesseract's version line: part of the cache key, so an upgrade reads every page again."""
    exe = shutil.which("tesseract")
    if exe is None:
        return ""
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20, check=False)
    return (out.stdout + out.stderr).splitlines()[0] if (out.stdout + out.stderr) else ""


def largest_image_pixels(page: pdfium.PdfPage) -> int:
    """Pixels of the largest image the page shows, from the image headers (nothing decoded)."""
    largest = 0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]):
        try:
            width, height = image.get_px_size()
        except pdfium.PdfiumError:
            continue
        largest = max(largest, width * height)
    return largest


def looks_blank(page: pdfium.PdfPage) -> bool:
    """True for a page with no ink: a thumbnail's grey levels hardly vary (an empty scanned sheet)."""
    bitmap = page.render(scale=BLANK_DPI / 72, grayscale=True)
    try:
        low, high = bitmap.to_pil().convert("L").getextrema()
    finally:
        bitmap.close()
    return high - low < BLANK_CONTRAST


def ocr_page(
    page: pdfium.PdfPage,
    *,
    lang: str = LANG,
    dpi: int = DPI,
    timeout: float = TIMEOUT_S,
    cache: bool = True,
) -> str:
    """Text of a rendered page as tesseract reads it ("" for a blank page)."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrError("tesseract is not installed")
    pixels = largest_image_pixels(page)
    if pixels > MAX_IMAGE_PIXELS:
        raise OcrError(f"an image of {pixels:,} pixels is over the {MAX_IMAGE_PIXELS:,}-pixel OCR limit")
    if looks_blank(page):
        return ""
    bitmap = page.render(scale=dpi / 72, grayscale=True)
    try:
        buffer = io.BytesIO()
        bitmap.to_pil().save(buffer, format="PNG")
    finally:
        bitmap.close()
    png = buffer.getvalue()
    key = hashlib.sha256(f"{engine_version()}|{lang}|{dpi}|".encode() + png).hexdigest()
    cached = cache_dir() / key[:2] / f"{key}.txt"
    if cache and cached.is_file():
        return cached.read_text(encoding="utf-8")
    try:
        proc = subprocess.run(
            [exe, "stdin", "stdout", "-l", lang, "--psm", "3", "--dpi", str(dpi)],
            input=png,
            capture_output=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except subprocess.TimeoutExpired:
        raise OcrError(f"tesseract took longer than {timeout:.0f} s") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrError(f"tesseract failed: {message[-1] if message else proc.returncode}")
    text = tidy(proc.stdout.decode("utf-8", "replace"))
    if cache:
        _store(cached, text)
    return text


def _store(path: Path, text: str) -> None:
    """Write a cache entry atomically; a cache that cannot be written only costs time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:
        return


def frame_ocr_text(page: Page, text: str) -> FramedPage:
    """OCR text has no usable geometry here: its first and last lines are the furniture candidates."""
    page.text = text
    return frame_text_page(page)
