"""Reading gazette PDFs: column order from geometry, furniture, no-text pages, bad files.

The two-column PDFs are drawn by tests/fixtures/pdf/synth.py, which knows the
correct reading order of every page and can write the same page to the content
stream column by column, line by line across both columns, or glyph by glyph in
random order. The reader must not care which.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pdfplumber
import pytest
from rapidfuzz.distance import Levenshtein

from extractors.errors import ExtractionError
from extractors.pdf import PdfReadError, read_pdf_pages
from replica.catalogue import load_catalogue

FIXTURES = Path(__file__).parent / "fixtures" / "pdf"


def _load_synth():
    spec = importlib.util.spec_from_file_location("pdf_synth", FIXTURES / "synth.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["pdf_synth"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


synth = _load_synth()

LEFT_MARK = "左栏开头文字"
CELL_GAP = " " * 6  # 1.8 em in WQY: cells of a table row, unlike a stray space between characters
RIGHT_MARK = "右栏开头文字"


def _two_column_page() -> synth.PageSpec:
    """A title, a two-column band, a full-width table row, a second band: the gazette pattern."""
    filler = "各市、县（区）人民政府要高度重视，切实加强组织领导，明确责任分工，确保各项任务落到实处。"
    return synth.PageSpec(
        blocks=[
            synth.Full(["自治区人民政府办公厅关于印发实施方案的通知"], size=16, centered=True),
            synth.Columns([LEFT_MARK + filler * 2, "第二段" + filler, RIGHT_MARK + filler * 2]),
            synth.Full([f"附表：责任分工表{CELL_GAP}序号 工作 任务{CELL_GAP}责任单位{CELL_GAP}全宽的表格行"]),
            synth.Columns(["第二个双栏区" + filler * 3]),
        ],
        header="宁夏回族自治区人民政府公报",
        footer="— 7 —",
    )


@pytest.fixture(scope="module")
def two_column(tmp_path_factory) -> dict[str, Path]:
    """The same two pages written in the three content-stream orders."""
    out = tmp_path_factory.mktemp("two_column")
    pages = [synth.lay_out(_two_column_page()), synth.lay_out(_two_column_page())]
    return {order: synth.write_pdf(out / f"{order}.pdf", pages, order) for order in synth.ORDERS}


def _as_read(line: str) -> str:
    """What a reader should make of a drawn line: wide gaps become one space, stray spaces go."""
    return re.sub(r" +", lambda m: " " if len(m.group()) >= len(CELL_GAP) else "", line)


@pytest.fixture(scope="module")
def expected_text() -> str:
    return "\n".join(_as_read(line) for line in synth.lay_out(_two_column_page()).reading_order)


def test_two_column_page_is_read_column_by_column(two_column, expected_text):
    page = next(read_pdf_pages(two_column["natural"]))
    assert page.text == expected_text
    assert page.text.index(LEFT_MARK) < page.text.index("第二段") < page.text.index(RIGHT_MARK)


@pytest.mark.parametrize("order", ["lines", "random"])
def test_stream_order_does_not_change_the_text(two_column, expected_text, order):
    """A PDF redrawn line by line across both columns, or glyph by glyph, reads identically."""
    pages = list(read_pdf_pages(two_column[order]))
    assert [p.text for p in pages] == [expected_text, expected_text]


def test_pdfplumber_interleaves_the_columns_of_a_line_by_line_pdf(two_column):
    """Why column detection exists: plain extract_text mixes left and right column lines."""
    with pdfplumber.open(two_column["lines"]) as pdf:
        plumber = pdf.pages[0].extract_text()
    mixed = next(line for line in plumber.splitlines() if LEFT_MARK in line).replace(" ", "")
    ours_lines = next(read_pdf_pages(two_column["lines"])).text.splitlines()
    ours = next(line for line in ours_lines if LEFT_MARK in line)
    assert mixed.startswith(ours)
    assert len(mixed) > len(ours)  # the rest of pdfplumber's line is the right column's line


def test_full_width_rows_are_read_in_place(two_column):
    lines = next(read_pdf_pages(two_column["random"])).text.splitlines()
    title = lines.index("自治区人民政府办公厅关于印发实施方案的通知")
    table = next(i for i, line in enumerate(lines) if line.startswith("附表"))
    right = next(i for i, line in enumerate(lines) if line.startswith(RIGHT_MARK))
    second_band = next(i for i, line in enumerate(lines) if line.startswith("第二个双栏区"))
    assert title == 0
    assert right < table < second_band


def test_table_row_keeps_a_space_only_where_cells_are_apart(two_column):
    lines = next(read_pdf_pages(two_column["natural"])).text.splitlines()
    assert "附表：责任分工表 序号工作任务 责任单位 全宽的表格行" in lines


def test_running_header_and_footer_are_removed_and_page_number_kept(two_column):
    pages = list(read_pdf_pages(two_column["lines"]))
    assert [p.printed_number for p in pages] == [7, 7]
    for page in pages:
        assert "宁夏回族自治区人民政府公报" not in page.text
        assert "— 7 —" not in page.text


def test_strip_false_keeps_the_furniture(two_column):
    page = next(read_pdf_pages(two_column["natural"], strip=False))
    lines = page.text.splitlines()
    assert lines[0] == "宁夏回族自治区人民政府公报"
    assert lines[-1] == "—7—"  # dashes are CJK punctuation: set without spaces
    assert page.printed_number is None


def test_gazette_pages_number_themselves_from_their_footers(tmp_path):
    specs = synth.gazette_pages(6, first_number=41)
    path = synth.write_pdf(tmp_path / "issue.pdf", [synth.lay_out(s) for s in specs], "random")
    pages = list(read_pdf_pages(path))
    assert [p.printed_number for p in pages] == [41, 42, 43, 44, 45, 46]
    assert [p.index for p in pages] == [0, 1, 2, 3, 4, 5]
    assert not any("2024年第" in p.text or "人民政府公报" in p.text for p in pages)


def test_spaces_between_cjk_glyphs_go_and_latin_word_spaces_stay(tmp_path):
    spec = synth.PageSpec(
        blocks=[synth.Full(["Ningxia Gazette 2024 年 第 2 期 ISSN 1008-0783", "有序 推 进 政 务 公 开"])]
    )
    path = synth.write_pdf(tmp_path / "spaces.pdf", [synth.lay_out(spec)], "random")
    text = next(read_pdf_pages(path)).text
    assert text.splitlines() == ["Ningxia Gazette 2024年第2期 ISSN 1008-0783", "有序推进政务公开"]


def test_image_only_page_is_flagged_not_silently_empty(tmp_path):
    page = next(read_pdf_pages(synth.write_image_page(tmp_path / "scan.pdf")))
    assert page.has_text is False
    assert page.has_images is True
    assert page.text == ""


def test_pages_are_streamed_lazily(tmp_path):
    specs = synth.gazette_pages(3)
    path = synth.write_pdf(tmp_path / "three.pdf", [synth.lay_out(s) for s in specs])
    pages = read_pdf_pages(path)
    assert not isinstance(pages, list)
    assert next(pages).index == 0


# --- column edges on pages that are not plain running text -------------------------------------
#
# Gazettes set tables that an earlier extraction flattened (one narrow cell a line) as column
# text: a column of short indented one-line paragraphs, or a column of ragged cells none of which
# reaches the gutter. The gutter must still be found where the columns really are.

SIZE = 10.5
PITCH = SIZE * 1.6
FULL_LINE = 21  # CJK characters in a full column line (the column is 21.5 ems wide)
COLUMN_WIDTH = (synth.PAGE_W - 2 * synth.MARGIN_X - synth.GUTTER) / 2
RIGHT_X = synth.MARGIN_X + COLUMN_WIDTH + synth.GUTTER
BODY = "各市县区人民政府要高度重视切实加强组织领导明确责任分工确保各项任务落到实处" * 8


def _line(x: float, y: float, text: str) -> list[synth.Run]:
    """A line of CJK text (each glyph one em wide), one run per glyph."""
    return [synth.Run(x + i * SIZE, y, ch, SIZE) for i, ch in enumerate(text)]


def _page(rows: list[list[tuple[float, str]]], reading_order: list[str]) -> synth.LaidOutPage:
    """Rows of (x, text) pieces from the top down; the reading order is given, not derived."""
    page = synth.LaidOutPage(reading_order=reading_order)
    y = synth.PAGE_H - synth.MARGIN_TOP
    for pieces in rows:
        y -= PITCH
        page.lines.append([run for x, text in pieces for run in _line(x, y, text)])
    page.natural = [run for line in page.lines for run in line]
    return page


def _columns(left: list[tuple[float, str]], right: list[tuple[float, str]]) -> list[list[tuple[float, str]]]:
    """Side by side: (indent in ems, text) lines of the left and of the right column."""
    rows = []
    for k in range(max(len(left), len(right))):
        row = []
        if k < len(left):
            row.append((synth.MARGIN_X + left[k][0] * SIZE, left[k][1]))
        if k < len(right):
            row.append((RIGHT_X + right[k][0] * SIZE, right[k][1]))
        rows.append(row)
    return rows


def _read(tmp_path: Path, page: synth.LaidOutPage) -> list[str]:
    path = synth.write_pdf(tmp_path / "page.pdf", [page], "random")
    return next(read_pdf_pages(path)).text.splitlines()


def test_a_column_of_indented_one_line_paragraphs_keeps_its_continuation_line(tmp_path):
    """Every row where both columns reach the gutter has an indented item on the right; the one
    continuation line, beside a short left line, shows where the right column really starts."""
    left = [(0, BODY[k * FULL_LINE : (k + 1) * FULL_LINE]) for k in range(5)] + [(0, "确保落实。")]
    left += [(0, BODY[k * FULL_LINE : (k + 1) * FULL_LINE]) for k in range(5, 10)]
    right = [(2, "自治区商务厅"), (2, "宁夏税务局"), (2, "银川海关"), (2, "（完成时限：长期）")]
    right += [(2, "（二）增强综合服务功能实现报关"), (0, "信息舱单运抵报告状态订阅推送。")]
    right += [(2, "自治区商务厅"), (2, "宁夏税务局"), (2, "银川海关"), (2, "自然资源厅"), (2, "财政厅")]
    lines = [text for _, text in left + right]
    assert _read(tmp_path, _page(_columns(left, right), lines)) == lines


def test_a_ragged_column_of_table_cells_is_still_a_column(tmp_path):
    """No cell of the left column reaches the gutter and its longest cell is alone: all of them
    are left-column text, not full-width rows."""
    cells = [
        "主要指标",
        "一、持续深化",
        "商事制度改革",
        "自治区市场监管",
        "厅牵头",
        "目标任务",
        "不断提升企业开办效率",
        "深化一窗一网通办",
        "推进电子证照",
        "企业开办时间压缩",
    ]
    left = [(0, cell) for cell in cells]
    right = [(0, BODY[k * FULL_LINE : (k + 1) * FULL_LINE]) for k in range(len(cells))]
    lines = [text for _, text in left + right]
    assert _read(tmp_path, _page(_columns(left, right), lines)) == lines


def test_a_table_row_reaching_into_the_gutter_is_read_in_place(tmp_path):
    """A two-cell row whose second cell starts inside the gutter is a full-width row between two
    bands of columns, not a left and a right column line."""
    full = [(0, BODY[k * FULL_LINE : (k + 1) * FULL_LINE]) for k in range(12)]
    band1, band2 = _columns(full[:3], full[3:6]), _columns(full[6:9], full[9:12])
    cell_x = RIGHT_X - synth.GUTTER * 0.6
    row = [(synth.MARGIN_X, "序号一"), (cell_x, "责任单位自治区商务厅")]
    texts = [text for _, text in full]
    lines = [*texts[:6], "序号一 责任单位自治区商务厅", *texts[6:]]
    assert _read(tmp_path, _page([*band1, row, *band2], lines)) == lines


def test_the_last_page_of_a_compilation_with_one_line_keeps_only_that_line(tmp_path):
    """A page holding the last line of a document between the running header and the page
    number: header and footer are still told from the body, though the body has no line pitch."""
    header = "优化营商环境与政务公开政策文件汇编"
    specs = [
        synth.PageSpec(blocks=[synth.Full([BODY[:60], BODY[60:120]])], header=header, footer="— 1597 —"),
        synth.PageSpec(blocks=[synth.Full([BODY[:60], BODY[60:120]])], header=header, footer="— 1598 —"),
        synth.PageSpec(blocks=[synth.Full(["成，取得成效。"])], header=header, footer="— 1599 —"),
    ]
    path = synth.write_pdf(tmp_path / "end.pdf", [synth.lay_out(s) for s in specs], "random")
    pages = list(read_pdf_pages(path))
    assert [p.printed_number for p in pages] == [1597, 1598, 1599]
    assert pages[-1].text == "成，取得成效。"


# --- bad input: every kind is a PdfReadError (a ValueError) with a one-line message -------------


def _bad(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _good_pdf_bytes(tmp_path: Path) -> bytes:
    specs = synth.gazette_pages(2)
    return synth.write_pdf(tmp_path / "good.pdf", [synth.lay_out(s) for s in specs]).read_bytes()


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("zero.pdf", lambda tmp: b"", "empty"),
        ("page.pdf", lambda tmp: b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "not_pdf"),
        ("cut.pdf", lambda tmp: _good_pdf_bytes(tmp)[:3000], "truncated"),
        ("garbled.pdf", lambda tmp: b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n", "corrupt"),
    ],
)
def test_bad_bytes_give_a_clear_error(tmp_path, name, make, kind):
    path = _bad(tmp_path, name, make(tmp_path))
    with pytest.raises(PdfReadError) as info:
        read_pdf_pages(path)
    assert info.value.kind == kind
    assert name in str(info.value)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ExtractionError)
    assert isinstance(info.value, ValueError)


def test_encrypted_pdf_needs_its_password(tmp_path):
    path = synth.write_encrypted(tmp_path / "locked.pdf", password="secret")
    with pytest.raises(PdfReadError, match="encrypted") as info:
        read_pdf_pages(path)
    assert info.value.kind == "encrypted"
    assert next(read_pdf_pages(path, password="secret")).text == "加密的公报页面"


def test_missing_file(tmp_path):
    with pytest.raises(PdfReadError) as info:
        read_pdf_pages(tmp_path / "nowhere.pdf")
    assert info.value.kind == "missing"


def test_limits_on_pages_and_bytes(tmp_path):
    path = synth.write_empty_pages(tmp_path / "many.pdf", 50)
    with pytest.raises(PdfReadError, match="too many pages") as info:
        read_pdf_pages(path, max_pages=49)
    assert info.value.kind == "too_many_pages"
    with pytest.raises(PdfReadError) as info:
        read_pdf_pages(path, max_bytes=1000)
    assert info.value.kind == "too_large"


def test_five_thousand_empty_pages_are_each_flagged(tmp_path):
    """Streaming and a cheap skip of pages without glyphs keep this to well under a second."""
    path = synth.write_empty_pages(tmp_path / "empty5000.pdf", 5000)
    flagged = sum(1 for page in read_pdf_pages(path) if not page.has_text and not page.has_images)
    assert flagged == 5000


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    good = synth.write_pdf(tmp_path / "ok.pdf", [synth.lay_out(_two_column_page())])
    files = [_bad(tmp_path, "zero.pdf", b""), good, _bad(tmp_path, "x.pdf", b"PK\x03\x04zip")]
    read, errors = {}, []
    for path in files:
        try:
            read[path.name] = list(read_pdf_pages(path))
        except ValueError as exc:
            errors.append(str(exc))
    assert list(read) == ["ok.pdf"]
    assert errors == [
        "zero.pdf: empty file (0 bytes)",
        "x.pdf: not a PDF (no %PDF- header): starts with b'PK\\x03\\x04zip'",
    ]


# --- the generated sample (replica/generated, built by the `sample_build` fixture) --------------
#
# Issue 3: text read from the generated PDFs, the glyph-by-glyph twins included, matches the seed
# text it was rendered from with character-level similarity >= 0.995 (rapidfuzz's normalized
# Levenshtein similarity, 1 - distance / length, on the texts with all whitespace removed).

SIMILARITY_TARGET = 0.995
PAGE_MARKER = re.compile(r"^# Page \d+:\s*$")
PDF_PUBLICATIONS = [pub.id for pub in load_catalogue() if pub.layout != "html_only"]


def squash(text: str) -> str:
    """Whitespace carries no reading order: line breaks and spaces differ between dump and PDF."""
    return re.sub(r"\s+", "", text)


def printed_seed_text(publication: str) -> str:
    """The seed text the PDF was rendered from, less the lines the renderer does not print as text.

    Two exclusions, both narrow and both checked another way by the test below:
    - the `image_only_lines` block, drawn as a scanned page without a text layer (its page must
      come out flagged has_text=False);
    - a compilation dump's "# Page N:" markers: page separators of the dump, not printed text;
      the renderer turns each into a page break and the footer "— N —", which the reader keeps
      as the page's printed_number (compared page by page with the build's ground truth).
    Everything else counts, including a running header or footer that the seed itself holds as
    body text (nx-2020-11's "—74—"): the renderer prints it inside a column, so it is text.
    """
    pub = load_catalogue().publication(publication)
    lo, hi = pub.image_only_lines or (0, -1)
    return "\n".join(
        line
        for n, line in enumerate(pub.text_lines(), start=1)
        if not lo <= n <= hi and not PAGE_MARKER.match(line)
    )


def reading_similarity(pages_text: str, publication: str) -> float:
    return Levenshtein.normalized_similarity(squash(pages_text), squash(printed_seed_text(publication)))


@pytest.mark.parametrize("publication", PDF_PUBLICATIONS)
def test_sample_pdfs_read_like_the_seed_they_were_rendered_from(sample_build, publication):
    """Each rendered PDF, and for two-column issues its twin redrawn glyph by glyph across the
    page: pages flagged and numbered as printed, text in reading order as the seed has it."""
    manifest = json.loads((sample_build / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["publications"] if e["id"] == publication)
    truth = [(p["has_text"], p["printed_number"] if p["has_text"] else None) for p in entry["pages"]]
    paths = [entry["pdf"]] + ([entry["glyphs_pdf"]] if entry["layout"] == "two_column" else [])
    texts = []
    for relative in paths:
        pages = list(read_pdf_pages(sample_build / relative))
        assert [(p.has_text, p.printed_number if p.has_text else None) for p in pages] == truth, relative
        text = "\n".join(p.text for p in pages)
        similarity = reading_similarity(text, publication)
        assert similarity >= SIMILARITY_TARGET, f"{relative}: similarity {similarity:.4f}"
        texts.append(text)
    assert all(text == texts[0] for text in texts[1:])  # the redrawn twin reads exactly the same


# --- optional OCR of pages without a text layer ---------------------------------------------------


def test_ocr_output_loses_the_spaces_tesseract_puts_between_cjk_characters():
    from extractors.ocr import tidy

    assert tidy("宁 夏 回 族 自 治 区 ISSN 1008-0783\n 第 2 期 ") == "宁夏回族自治区ISSN 1008-0783\n第2期"


def test_ocr_requested_without_tesseract_leaves_the_page_flagged(tmp_path, monkeypatch):
    from extractors import ocr

    monkeypatch.setattr(ocr, "available", lambda lang=ocr.LANG: False)
    page = next(read_pdf_pages(synth.write_image_page(tmp_path / "scan.pdf"), ocr=True))
    assert (page.has_text, page.has_images, page.ocr, page.text) == (False, True, False, "")


@pytest.mark.slow
def test_ocr_reads_a_scanned_page_when_tesseract_is_installed(tmp_path):
    from extractors import ocr

    assert ocr.available(), "tesseract + chi_sim absent: `make` installs them (scripts/setup-system.sh)"
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.pdfgen import canvas

    # A scan at body-text size (about 12 pt): tesseract reads oversized type poorly.
    lines = ["宁夏回族自治区人民政府公报", "自治区人民政府办公厅关于印发实施方案的通知"]
    img = Image.new("L", (1700, 300), 255)
    font = ImageFont.truetype(synth.FONT_PATH, 40)
    for i, line in enumerate(lines):
        ImageDraw.Draw(img).text((60, 60 + i * 80), line, font=font, fill=0)
    img_path = tmp_path / "scan.png"
    img.save(img_path)
    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path), pagesize=(synth.PAGE_W, synth.PAGE_H))
    c.drawImage(str(img_path), 40, 500, width=500, height=500 * 300 / 1700)
    c.showPage()
    c.save()
    page = next(read_pdf_pages(path, ocr=True))
    assert page.ocr and page.has_text
    assert page.text.splitlines() == lines
