"""Render catalogue publications as the PDFs a publisher prints: gazette issues and compilation pages.

A gazette issue (layout two_column) gets a masthead and 目录 in one column, documents in two
columns under full-width titles, tables across the full width, a running header and "— N —"
footers, and its `image_only_lines` block as a scanned page without a text layer. Where the
catalogue gives a document's start_page (the page its 目录 prints), the type size of the documents
before it is chosen so that it really starts there, as the printer's make-up would.

A compilation (layout single_column, "# Page N:" markers) gets one PDF page per marker, footed with
the printed number N; a marker page without text becomes a scanned figure page.

The PDFs are byte-for-byte reproducible: reportlab's invariant mode fixes dates and IDs, and the
layout has no source of randomness.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from core.errors import GazetteError
from replica.catalogue import CatalogueDocument, Publication
from replica.paragraphs import Paragraph, join_width, paragraphs
from replica.render_image_page import scanned_figure_page, scanned_text_page
from replica.typeset import (
    CONTENT_TOP,
    CONTENT_WIDTH,
    FOOTER_BASELINE,
    HEADER_BASELINE,
    LEADING,
    MARGIN_X,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Flow,
    PageLayout,
    TextRun,
    register_font,
    table_widths,
    text_width,
    wrap,
)

BODY_SIZE = 10.5
# Type sizes the make-up may use so that a document starts on the page its 目录 promises.
FIT_SIZES = [12.0 - 0.25 * i for i in range(17)]  # 12.0 … 8.0
TITLE_SIZE = 16.0
SUBTITLE_SIZE = 13.0
PAGE_MARKER = re.compile(r"^# Page (\d+):\s*$")
_DOC_NUMBER = re.compile(r"(〔|\[|［)\s*\d{4}\s*(〕|\]|］)\s*\d+\s*号|^第\s*\d+\s*号$")
_CN_DIGIT = "[〇○零一二三四五六七八九十]"
_DATE_LINE = re.compile(
    rf"^(\d{{4}}\s*年\s*\d{{1,2}}\s*月\s*\d{{1,2}}\s*日|{_CN_DIGIT}{{4}}年{_CN_DIGIT}{{1,3}}月{_CN_DIGIT}{{1,3}}日)$"
)
_PUBLICATION_NOTE = re.compile(r"^[（(]此件.{2,8}[）)]$")
_CHAPTER = re.compile(r"^第[一二三四五六七八九十百]+章")
_SENTENCE_END = "。；，：:;,"


class RenderError(GazetteError, ValueError):
    """A publication cannot be rendered as asked (wrong layout, bad line ranges, missing text)."""


@dataclass(frozen=True)
class RenderedPage:
    """Ground truth for one PDF page: 1-based index, printed number, and whether it has a text layer."""

    index: int
    printed_number: int
    has_text: bool
    columns: int
    kind: str


@dataclass(frozen=True)
class RenderedDocument:
    """Where a catalogue document landed: printed start/end page and 1-based PDF page indexes."""

    number: int
    title: str
    doc_number: str | None
    lines: tuple[int, int]
    start_page: int
    end_page: int
    start_index: int
    end_index: int


@dataclass(frozen=True)
class RenderedPdf:
    path: Path
    pages: tuple[RenderedPage, ...]
    documents: tuple[RenderedDocument, ...]
    problems: tuple[str, ...] = ()


def render_publication_pdf(pub: Publication, out_path: Path) -> RenderedPdf:
    """Render `pub` by its layout; html_only publications have no PDF and raise RenderError."""
    if pub.layout == "two_column":
        return render_gazette_issue(pub, out_path)
    if pub.layout == "single_column":
        return render_compilation(pub, out_path)
    raise RenderError(f"{pub.id}: layout {pub.layout!r} has no PDF rendering")


# ---------------------------------------------------------------------------------------------
# gazette issues
# ---------------------------------------------------------------------------------------------


def issue_header(pub: Publication) -> str:
    """Running header, e.g. 宁夏回族自治区人民政府公报 · 2024年第2期."""
    if pub.year and pub.number:
        return f"{pub.title} · {pub.year}年第{pub.number}期"
    return pub.title


def render_gazette_issue(pub: Publication, out_path: Path) -> RenderedPdf:
    lines = pub.text_lines()
    _check_ranges(pub, len(lines))
    width = join_width(lines)
    header = issue_header(pub)
    problems: list[str] = []
    pages: list[PageLayout] = []
    doc_pages: dict[int, list[int]] = {}

    runs = _runs(pub)
    if pub.front_matter:
        first_target = runs[0][0] if runs and runs[0][0] is not None else None
        allowed = None if first_target is None else first_target - pub.first_printed_page
        front = _fit(
            lambda scale: _front_matter_flow(pub, lines, scale), allowed, [1.0 - 0.05 * i for i in range(9)]
        )
        pages.extend(front.pages)
        pages[0].header = False  # the masthead takes the header's place on the cover
        for page in pages:
            page.kind = "front"

    for r, (target, docs) in enumerate(runs):
        start = len(pages) if target is None else target - pub.first_printed_page
        if start < len(pages):
            problems.append(
                f"document {docs[0] + 1} should start on page {target}, "
                f"but page {pages[-1].printed_number} is already taken"
            )
            start = len(pages)
        while len(pages) < start:
            pages.append(PageLayout(printed_number=pub.first_printed_page + len(pages)))
        next_target = runs[r + 1][0] if r + 1 < len(runs) else None
        allowed = None if next_target is None else next_target - pub.first_printed_page - start
        first_printed = pub.first_printed_page + start
        flow = _fit(
            lambda size, docs=docs, first_printed=first_printed: _documents_flow(
                pub, lines, docs, width, size, first_printed, header
            ),
            allowed,
            FIT_SIZES,
            default=BODY_SIZE,
        )
        if allowed is not None and len(flow.pages) > allowed:
            problems.append(
                f"documents {[d + 1 for d in docs]} need {len(flow.pages)} pages, {allowed} available"
            )
        for doc, indexes in flow.doc_pages.items():
            doc_pages.setdefault(doc, []).extend(start + i for i in indexes)
        pages.extend(flow.pages)

    _paint(pages, out_path, header, pub.title)
    return _rendered(pub, out_path, pages, doc_pages, problems)


def _runs(pub: Publication) -> list[tuple[int | None, list[int]]]:
    """Documents grouped by the page the 目录 fixes: each run starts where its first document must."""
    runs: list[tuple[int | None, list[int]]] = []
    for i, doc in enumerate(pub.documents):
        if doc.start_page is not None or not runs:
            runs.append((doc.start_page, [i]))
        else:
            runs[-1][1].append(i)
    return runs


def _fit(build, allowed: int | None, candidates: Sequence[float], default: float | None = None) -> Flow:
    """The first (largest) candidate whose layout fits in `allowed` pages, else the smallest."""
    if allowed is None:
        return build(default if default is not None else candidates[0])
    flow = None
    for value in candidates:
        flow = build(value)
        if len(flow.pages) <= allowed:
            return flow
    assert flow is not None
    return flow


def _front_matter_flow(pub: Publication, lines: list[str], scale: float) -> Flow:
    assert pub.front_matter is not None
    first, last = pub.front_matter
    flow = Flow(pub.first_printed_page, BODY_SIZE * scale)
    flow.new_page("front")
    in_contents = False
    for para in paragraphs(lines[first - 1 : last], first):
        text = para.text
        if len(text) >= 4 and text in pub.title:
            flow.full_width(text, 26 * scale)
        elif text.replace(" ", "") == "目录":
            flow.space(6 * scale)
            flow.full_width(text, 18 * scale)
            in_contents = True
        elif text.startswith("【"):
            flow.full_width(text, 12 * scale, align="left")
        elif in_contents or len(text) > 14:
            flow.full_width(text, BODY_SIZE * scale, align="left")
        else:
            flow.full_width(text, BODY_SIZE * scale)
    return flow


def _documents_flow(
    pub: Publication,
    lines: list[str],
    docs: list[int],
    width: int | None,
    size: float,
    first_printed: int,
    header: str,
) -> Flow:
    flow = Flow(first_printed, size)
    flow.new_page()
    for d in docs:
        doc = pub.documents[d]
        first, last = doc.lines
        paras = paragraphs(lines[first - 1 : last], first, width)
        if not flow.page_is_empty():
            flow.close_band()
            flow.space(size * 2)
        _document(flow, pub, d, paras, size, header)
    flow.close_band()
    return flow


def _document(flow: Flow, pub: Publication, d: int, paras: list[Paragraph], size: float, header: str) -> None:
    """Lay out one document: full-width title block, then the body in two columns."""
    i = 0
    while i < len(paras) and i < 4 and _title_like(paras[i], 60) and not _DOC_NUMBER.search(paras[i].text):
        flow.full_width(paras[i].text, TITLE_SIZE, doc=d)
        i += 1
    if i < len(paras) and _DOC_NUMBER.search(paras[i].text) and len(paras[i].text) <= 30:
        flow.space(size * 0.5)
        flow.full_width(paras[i].text, size, doc=d)
        i += 1
    flow.space(size)
    image_range = pub.image_only_lines
    subtitle_budget = 0
    header_cells: tuple[str, ...] | None = None
    while i < len(paras):
        para = paras[i]
        if image_range and image_range[0] <= para.first_line <= image_range[1]:
            block = []
            while i < len(paras) and paras[i].first_line <= image_range[1]:
                block.append(paras[i])
                i += 1
            flow.close_band()
            if not flow.page_is_empty():
                flow.new_page()
            footer = f"— {flow.page.printed_number} —"
            flow.image_page(scanned_text_page(header, footer, block), d)
            continue
        took_subtitle = False
        if para.cells is not None:
            header_cells = header_cells or para.cells
            cells = _fit_cells(para.cells, len(header_cells))
            keep = 80.0 if para.cells == header_cells else 0.0
            flow.table_row(cells, table_widths(len(cells)), size * 0.8, d, keep_with_next=keep)
        elif subtitle_budget and _title_like(para, 40) and not _CHAPTER.match(para.text):
            flow.space(size * 0.5)
            flow.full_width(para.text, SUBTITLE_SIZE, doc=d)
            subtitle_budget -= 1
            took_subtitle = True
            if subtitle_budget == 0 or not (i + 1 < len(paras) and _title_like(paras[i + 1], 40)):
                flow.space(size * 0.5)
                subtitle_budget = 0
        elif _title_like(para, 30) and _precedes_table(paras, i):
            flow.full_width(para.text, SUBTITLE_SIZE, doc=d)
        elif _CHAPTER.match(para.text) and len(para.text) <= 20:
            flow.column_paragraph(para.text, size, align="center", doc=d)
        elif _DATE_LINE.match(para.text) or (
            _title_like(para, 20) and i + 1 < len(paras) and _DATE_LINE.match(paras[i + 1].text)
        ):
            flow.column_paragraph(para.text, size, align="right", doc=d)
        else:
            flow.column_paragraph(para.text, size, doc=d)
        if _PUBLICATION_NOTE.match(para.text):
            subtitle_budget = 3
        elif not took_subtitle:
            subtitle_budget = 0
        i += 1


def _fit_cells(cells: tuple[str, ...], columns: int) -> tuple[str, ...]:
    """Align a flattened table row to the header's columns: drop surplus empty cells, pad short rows."""
    row = list(cells)
    while len(row) > columns and "" in row:
        row.remove("")
    if len(row) > columns:
        row = [*row[: columns - 1], " ".join(row[columns - 1 :])]
    return tuple(row + [""] * (columns - len(row)))


def _title_like(para: Paragraph, max_chars: int) -> bool:
    text = para.text
    return (
        para.cells is None
        and len(text) <= max_chars
        and text[-1] not in _SENTENCE_END
        and not text.endswith("。")
        and not _PUBLICATION_NOTE.match(text)
    )


def _precedes_table(paras: list[Paragraph], i: int) -> bool:
    """Short lines right before a table (附件 / its title) are set full width above it."""
    for j in range(i + 1, min(i + 4, len(paras))):
        if paras[j].cells is not None:
            return True
        if not _title_like(paras[j], 30):
            return False
    return False


# ---------------------------------------------------------------------------------------------
# compilations
# ---------------------------------------------------------------------------------------------


def render_compilation(pub: Publication, out_path: Path) -> RenderedPdf:
    """One page per "# Page N:" marker, each source line a printed line, footer "— N —"."""
    lines = pub.text_lines()
    _check_ranges(pub, len(lines))
    markers = [(i + 1, int(m.group(1))) for i, line in enumerate(lines) if (m := PAGE_MARKER.match(line))]
    if not markers:
        markers = [(0, pub.first_printed_page)]
    header = compilation_header(pub)
    pages: list[PageLayout] = []
    line_page: dict[int, int] = {}
    for k, (marker_line, printed) in enumerate(markers):
        end = markers[k + 1][0] - 1 if k + 1 < len(markers) else len(lines)
        body = [(n, lines[n - 1]) for n in range(marker_line + 1, end + 1) if lines[n - 1].strip()]
        page = PageLayout(printed_number=printed, kind="body")
        pages.append(page)
        if not body:
            page.kind = "image"
            page.header = False
            page.image = scanned_figure_page(header, f"— {printed} —", "附件")
            for n in range(marker_line, end + 1):
                line_page[n] = len(pages) - 1
            continue
        _compilation_page(page, body)
        for n in range(marker_line, end + 1):
            line_page[n] = len(pages) - 1
    doc_pages = {
        d: [
            line_page[n]
            for n in range(doc.lines[0], doc.lines[1] + 1)
            if n in line_page and lines[n - 1].strip()
        ]
        for d, doc in enumerate(pub.documents)
    }
    _paint(pages, out_path, header, pub.title)
    return _rendered(pub, out_path, pages, doc_pages, [])


def compilation_header(pub: Publication) -> str:
    """The compilation's name without a trailing （…） note, as its running header prints it."""
    title = pub.title
    if title.endswith("）") and "（" in title:
        title = title[: title.index("（")]
    return title


def _compilation_page(page: PageLayout, body: list[tuple[int, str]]) -> None:
    """Set the page's lines single-column; shrink type and leading when a page holds many lines."""
    size = BODY_SIZE
    while True:
        wrapped = [
            w for _, text in body for w in wrap(text.strip(), CONTENT_WIDTH, partial(text_width, size=size))
        ]
        leading = size * LEADING
        available = CONTENT_TOP - 64.0
        if len(wrapped) * leading <= available:
            break
        leading = available / len(wrapped)
        if leading >= size * 1.15 or size <= 7:
            break
        size -= 0.5
    y = CONTENT_TOP
    for text in wrapped:
        page.runs.append(TextRun(MARGIN_X, y - size, text, size))
        y -= leading


# ---------------------------------------------------------------------------------------------
# painting and ground truth
# ---------------------------------------------------------------------------------------------


def _paint(pages: list[PageLayout], out_path: Path, header: str, title: str) -> None:
    font = register_font()
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    c = canvas.Canvas(str(tmp), pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor("gazette monitor sample corpus")
    c.setCreator("replica.render_pdf")
    c.setProducer("reportlab (invariant)")
    for page in pages:
        if page.image is not None:
            c.drawImage(ImageReader(page.image), 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
            c.showPage()
            continue
        if page.header:
            c.setFont(font, 9)
            c.drawCentredString(PAGE_WIDTH / 2, HEADER_BASELINE, header)
            c.setLineWidth(0.6)
            c.line(MARGIN_X, HEADER_BASELINE - 6, PAGE_WIDTH - MARGIN_X, HEADER_BASELINE - 6)
        c.setFont(font, 10)
        c.drawCentredString(PAGE_WIDTH / 2, FOOTER_BASELINE, f"— {page.printed_number} —")
        for run in page.runs:
            c.setFont(font, run.size)
            c.drawString(run.x, run.y, run.text, charSpace=run.char_space)
        for rule in page.rules:
            c.setLineWidth(rule.width)
            c.line(rule.x0, rule.y0, rule.x1, rule.y1)
        c.showPage()
    c.save()
    tmp.replace(out_path)


def _rendered(
    pub: Publication,
    out_path: Path,
    pages: list[PageLayout],
    doc_pages: dict[int, list[int]],
    problems: list[str],
) -> RenderedPdf:
    rendered_pages = tuple(
        RenderedPage(
            index=i + 1,
            printed_number=p.printed_number,
            has_text=p.image is None,
            columns=p.columns,
            kind=p.kind if p.runs or p.image is not None else "blank",
        )
        for i, p in enumerate(pages)
    )
    documents = []
    for d, doc in enumerate(pub.documents):
        indexes = doc_pages.get(d)
        if not indexes:
            raise RenderError(f"{pub.id}: document {d + 1} ({doc.title}) was not placed on any page")
        first, last = min(indexes), max(indexes)
        documents.append(_rendered_document(d, doc, pages, first, last))
    return RenderedPdf(out_path, rendered_pages, tuple(documents), tuple(problems))


def _rendered_document(
    d: int, doc: CatalogueDocument, pages: list[PageLayout], first: int, last: int
) -> RenderedDocument:
    return RenderedDocument(
        number=d + 1,
        title=doc.title,
        doc_number=doc.doc_number,
        lines=doc.lines,
        start_page=pages[first].printed_number,
        end_page=pages[last].printed_number,
        start_index=first + 1,
        end_index=last + 1,
    )


def _check_ranges(pub: Publication, n_lines: int) -> None:
    ranges = [("front_matter", pub.front_matter), ("image_only_lines", pub.image_only_lines)]
    ranges += [(f"document {i + 1}", doc.lines) for i, doc in enumerate(pub.documents)]
    for name, span in ranges:
        if span is not None and span[1] > n_lines:
            raise RenderError(
                f"{pub.id}: {name} ends at line {span[1]} but {pub.text_path.name} has {n_lines} lines"
            )
