"""PDF pages in reading order, from pypdfium2 glyph boxes, streamed page by page.

Why pypdfium2 and not pdfplumber: the same character boxes come an order of
magnitude faster (a few ms a page against 40-65 ms), which matters when
hundreds of back issues are ingested; pdfplumber stays the tool for tables and
visual debugging. Why glyph boxes and not pdfium's own text: pdfium returns the
text in content-stream order, which is reading order only when the producer
wrote it so; two-column gazettes redrawn line by line or glyph by glyph would
come out interleaved. Reading order is rebuilt from geometry in
`extractors.layout`; page furniture is removed in `extractors.furniture`, fed
with the rows in the top and bottom bands of each page.

Memory stays flat with the page count: each page (and its text page) is loaded,
read and closed before the next, and furniture detection holds only a window of
a few pages of text.

Bad files raise `PdfReadError` when `read_pdf_pages` is called, before any page
is yielded, with a one-line message and a `kind` (empty, not_pdf, truncated,
corrupt, encrypted, too_large, too_many_pages, bomb, missing), so that a caller
ingesting many files logs it and goes on with the next one.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import mmap
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors import layout
from extractors.errors import ExtractionError
from extractors.furniture import FramedPage, strip_stream
from extractors.model import Page

log = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 20_000  # thick compilations run to ~2,000 pages; beyond this a file is suspect
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
# A Flate stream inflating beyond this is a decompression bomb: pdfium inflates content streams
# whole, so a 2 MB file of this kind would take gigabytes and abort the process under a memory cap.
MAX_INFLATED_STREAM = 256 * 1024 * 1024
EDGE_BAND = 0.12  # fraction of the page height at top and bottom where headers and footers sit
EDGE_ROWS = 2  # at most this many rows of each band are furniture candidates
EDGE_GAP = 1.4  # line pitches between the body and a header or footer row
MAX_LEADING = 2.0  # ems: the widest line pitch of body text

_KIND_TEXT = {
    "missing": "no such file",
    "empty": "empty file (0 bytes)",
    "not_pdf": "not a PDF (no %PDF- header)",
    "truncated": "truncated PDF (no %%EOF at the end)",
    "corrupt": "corrupt PDF",
    "encrypted": "encrypted PDF (password required or unsupported security)",
    "too_large": "file too large",
    "too_many_pages": "too many pages",
    "bomb": "decompression bomb (a compressed stream inflates beyond the limit)",
}


class PdfReadError(ExtractionError):
    """A PDF that cannot be read; `kind` says why, the message says it in one line."""

    def __init__(self, path: Path | str, kind: str, detail: str = "") -> None:
        self.path = str(path)
        self.kind = kind
        message = f"{Path(path).name}: {_KIND_TEXT.get(kind, kind)}"
        if detail:
            message += f": {detail}"
        super().__init__(message.replace("\n", " "))


def _check_file(path: Path, max_bytes: int) -> None:
    """Cheap checks on the bytes, so that garbage never reaches pdfium's repair heuristics."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise PdfReadError(path, "missing") from None
    if size == 0:
        raise PdfReadError(path, "empty")
    if size > max_bytes:
        raise PdfReadError(path, "too_large", f"{size} bytes > limit {max_bytes}")
    with path.open("rb") as fh:
        head = fh.read(1024)
        if b"%PDF-" not in head:
            raise PdfReadError(path, "not_pdf", f"starts with {head[:8]!r}")
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise PdfReadError(path, "truncated", f"{size} bytes")
    _check_inflated_sizes(path, MAX_INFLATED_STREAM)


_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_INFLATE_CHUNK = 8 * 1024 * 1024


def _check_inflated_sizes(path: Path, limit: int) -> None:
    """Refuse a file any of whose Flate streams inflates beyond `limit`, inflating each with a bound.

    Output is counted and dropped chunk by chunk, so the check itself needs a few MB
    whatever the stream claims; streams that are not zlib data fail at their first bytes.
    """
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for match in _STREAM_START.finditer(data):
            start = match.end()
            end = data.find(b"endstream", start)
            pending = data[start : end if end >= 0 else len(data)]
            inflater = zlib.decompressobj()
            produced = 0
            try:
                while pending and produced <= limit and not inflater.eof:
                    produced += len(inflater.decompress(pending, _INFLATE_CHUNK))
                    pending = inflater.unconsumed_tail
            except zlib.error:
                continue
            if produced > limit:
                raise PdfReadError(
                    path, "bomb", f"stream at byte {start} inflates beyond {limit // (1024 * 1024)} MiB"
                )


def open_pdf(
    path: Path | str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    password: str | None = None,
) -> pdfium.PdfDocument:
    """Open a PDF after checking it; the caller closes it."""
    path = Path(path)
    _check_file(path, max_bytes)
    try:
        pdf = pdfium.PdfDocument(str(path), password=password)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise PdfReadError(path, "encrypted") from None
        raise PdfReadError(path, "corrupt", str(exc)) from None
    n_pages = len(pdf)
    if n_pages == 0:
        pdf.close()
        raise PdfReadError(path, "corrupt", "no pages")
    if n_pages > max_pages:
        pdf.close()
        raise PdfReadError(path, "too_many_pages", f"{n_pages} > limit {max_pages}")
    return pdf


_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_A_CHAR = "\ufffe"


def _page_chars(raw: object, n: int) -> str | list[str]:
    """All n characters of the text page, in one pdfium call when the text allows it.

    FPDFText_GetText yields one UTF-16 unit per character unless a character lies outside
    the BMP (a surrogate pair); then the units no longer line up and each character is
    asked for separately.
    """
    buffer = ctypes.create_string_buffer(2 * (n + 1))
    units = pdfium_c.FPDFText_GetText(raw, 0, n, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    text = buffer.raw[: 2 * max(units - 1, 0)].decode("utf-16-le", errors="surrogatepass")
    if len(text) == n and not _SURROGATE.search(text):
        return text
    get_unicode = pdfium_c.FPDFText_GetUnicode
    codes = (get_unicode(raw, i) for i in range(n))
    return [chr(code) if code <= 0x10FFFF else _NOT_A_CHAR for code in codes]


# Invisible or layout-only characters; spaces are re-derived from glyph gaps instead.
_SKIP = frozenset("\ufffe\uffff\u3000\xa0\ufeff\u2002\u2003\u2009\u200b")


def page_glyphs(textpage: pdfium.PdfTextPage) -> list[layout.Glyph]:
    """Every visible character with its box; spaces and pdfium's generated line breaks dropped.

    Spaces are re-derived from gaps in `extractors.layout`, which is what removes the
    spurious spaces of justified CJK text and keeps real word spaces in Latin text. The
    loose box (font ascent to descent, advance width) is the same for every glyph of a
    line set in one size, so its bottom serves as the baseline; it costs one pdfium
    call per character, which keeps this within a small factor of bare text extraction.
    """
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    if n <= 0:
        return []
    chars = _page_chars(raw, n)
    get_box = pdfium_c.FPDFText_GetLooseCharBox
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    glyphs: list[layout.Glyph] = []
    append = glyphs.append
    for i, ch in enumerate(chars):
        if ch <= " " or ch in _SKIP or ch.isspace() or not get_box(raw, i, rect_ref):
            continue
        bottom = rect.bottom
        size = rect.top - bottom
        append((rect.left, rect.right, bottom, size if size > 0.1 else 1.0, ch))
    return glyphs


def _has_images(page: pdfium.PdfPage) -> bool:
    raw = page.raw
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        kind = pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw, i))
        if kind in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_FORM):
            return True
    return False


def edge_rows(rows: list[layout.Row], bottom: float, top: float) -> tuple[int, int]:
    """How many rows at the top and at the bottom of the page may be headers and footers.

    A row qualifies when it lies in the page's edge band and is set apart from the body by a
    gap wider than the body's line pitch: a body line that merely runs low stays body.
    """
    if len(rows) < 2:
        return 0, 0
    pitches = sorted(a.baseline - b.baseline for a, b in itertools.pairwise(rows))
    sizes = sorted(r.size for r in rows)
    # The median gap between rows is the body's line pitch, except on a page with a line or two
    # of body text (the end of a compilation), where the gaps to the header and footer are the
    # majority; no body is set wider than MAX_LEADING.
    pitch = min(pitches[len(pitches) // 2], MAX_LEADING * sizes[len(sizes) // 2])
    band = EDGE_BAND * (top - bottom)

    def count(ordered: list[layout.Row], in_band) -> int:
        # The outermost row alone if the body keeps its distance, else a two-row block.
        for k in range(1, min(EDGE_ROWS, len(ordered) - 1) + 1):
            if not in_band(ordered[k - 1]):
                return 0
            if abs(ordered[k - 1].baseline - ordered[k].baseline) >= EDGE_GAP * pitch:
                return k
        return 0

    n_top = count(rows, lambda r: r.top >= top - band)
    rest = rows[n_top:]
    n_bottom = count(rest[::-1], lambda r: r.baseline <= bottom + band) if len(rest) > 1 else 0
    return n_top, n_bottom


def frame_pdf_page(
    page: pdfium.PdfPage, index: int, prior: layout.Context | None = None
) -> tuple[FramedPage, layout.Context | None]:
    """One page's rows in reading order, with the rows of its top and bottom bands set apart.

    Also returns what the page showed of the file's layout (gutter, table columns), to serve
    as `prior` for the next page.
    """
    textpage = page.get_textpage()
    try:
        glyphs = page_glyphs(textpage)
    finally:
        textpage.close()
    if not glyphs:
        empty = Page(index=index, text="", has_text=False, has_images=_has_images(page))
        return FramedPage(page=empty), prior
    rows = layout.build_rows(glyphs)
    n_top, n_bottom = edge_rows(rows, *page.get_mediabox()[1::2])
    body, context = layout.order_rows(rows[n_top : len(rows) - n_bottom], prior)
    framed = FramedPage(
        page=Page(index=index, text=""),
        top=[row.text for row in rows[:n_top]],
        body=body,
        bottom=[row.text for row in rows[len(rows) - n_bottom :]],
    )
    return framed, context


def _ocr_framed(framed: FramedPage, page: pdfium.PdfPage) -> FramedPage:
    from extractors import ocr

    try:
        text = ocr.ocr_page(page)
    except ocr.OcrError as exc:
        log.warning("page %d: %s", framed.page.index + 1, exc)
        return framed
    if not text.strip():
        return framed
    framed.page.has_text = True
    framed.page.ocr = True
    return ocr.frame_ocr_text(framed.page, text)


def _ocr_budget() -> int:
    from extractors import ocr

    return ocr.MAX_PAGES_PER_FILE


def _iter_framed(pdf: pdfium.PdfDocument, path: Path, use_ocr: bool) -> Iterator[FramedPage]:
    context: layout.Context | None = None
    ocr_tried, budget = 0, _ocr_budget() if use_ocr else 0
    try:
        for index in range(len(pdf)):
            try:
                page = pdf.get_page(index)
            except pdfium.PdfiumError as exc:
                log.warning(
                    "%s: page %d cannot be loaded (%s); flagged has_text=False", path.name, index + 1, exc
                )
                yield FramedPage(page=Page(index=index, text="", has_text=False))
                continue
            try:
                framed, context = frame_pdf_page(page, index, context)
                if use_ocr and not framed.page.has_text and framed.page.has_images:
                    ocr_tried += 1
                    if ocr_tried <= budget:
                        framed = _ocr_framed(framed, page)
                    elif ocr_tried == budget + 1:
                        log.warning(
                            "%s: OCR budget of %d pages spent; later scans stay flagged", path.name, budget
                        )
            finally:
                page.close()
            yield framed
    finally:
        pdf.close()


def read_pdf_pages(
    path: Path | str,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    strip: bool = True,
    ocr: bool = False,
    password: str | None = None,
) -> Iterator[Page]:
    """Pages of a PDF in reading order, furniture removed and printed page numbers kept.

    The file is checked and opened now (a bad file raises `PdfReadError` here, not in
    the middle of a loop); pages are then read lazily, one at a time. `strip=False`
    keeps headers and footers in the text. `ocr=True` runs tesseract on pages that have
    no text layer but show images, when tesseract with chi_sim is installed
    (see `extractors.ocr`); OCR'd pages carry `ocr=True`.
    """
    path = Path(os.fspath(path))
    pdf = open_pdf(path, max_pages=max_pages, max_bytes=max_bytes, password=password)
    use_ocr = False
    if ocr:
        from extractors import ocr as ocr_mod

        use_ocr = ocr_mod.available()
        if not use_ocr:
            log.warning("OCR requested but tesseract with chi_sim is not installed; image pages stay flagged")
    framed = _iter_framed(pdf, path, use_ocr)
    if strip:
        return strip_stream(framed)
    return (
        Page(
            index=f.page.index,
            text="\n".join([*f.top, *f.body, *f.bottom]),
            has_text=f.page.has_text,
            has_images=f.page.has_images,
            ocr=f.page.ocr,
        )
        for f in framed
    )
