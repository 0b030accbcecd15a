"""The rendered sample corpus looks like the real inputs, and its manifest is trustworthy ground truth.

The sample is built once per session (the `sample_build` fixture, cached by replica.build); the
tests open the real PDF and HTML files with the same libraries the extractors use.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from bs4 import BeautifulSoup

from replica.build import Manifest, build_sample
from replica.catalogue import Catalogue, load_catalogue
from replica.paragraphs import join_width, paragraphs
from replica.redraw_pdf import RedrawError, read_glyphs, redraw_glyph_by_glyph
from replica.render_pdf import RenderError, render_publication_pdf
from replica.typeset import COLUMN_GAP, PAGE_WIDTH, pdf_measure, wrap

A4_POINTS = (595.28, 841.89)
ISSUE = "nx-2024-02"
COMPILATION = "guide-2023-ningxia"


@pytest.fixture(scope="session")
def manifest(sample_build: Path) -> Manifest:
    return Manifest.load(sample_build)


def _pdf(manifest: Manifest, publication: str, kind: str = "pdf") -> Path:
    entry = manifest.publication(publication)
    return manifest.out_dir / entry["glyphs_pdf" if kind == "glyphs" else "pdf"]


def _page_index(manifest: Manifest, publication: str, printed: int) -> int:
    """0-based PDF page index of a printed page number."""
    for page in manifest.publication(publication)["pages"]:
        if page["printed_number"] == printed:
            return page["index"] - 1
    raise AssertionError(f"{publication} has no printed page {printed}")


def _stream_text(path: Path, index: int) -> str:
    """pypdfium2's text of one page in content-stream order, whitespace removed."""
    document = pdfium.PdfDocument(str(path))
    try:
        return re.sub(r"\s+", "", document[index].get_textpage().get_text_range())
    finally:
        document.close()


# --- the build ---------------------------------------------------------------------------------


def test_manifest_lists_every_file_with_its_hash_and_page_count(manifest: Manifest) -> None:
    kinds = Counter(f.kind for f in manifest.files)
    assert kinds["pdf"] >= 3 and kinds["glyphs_pdf"] >= 1 and kinds["html"] >= 5
    assert not manifest.errors
    for built in manifest.files:
        data = (manifest.out_dir / built.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == built.sha256
        if built.kind != "html":
            with pdfplumber.open(manifest.out_dir / built.path) as pdf:
                assert len(pdf.pages) == built.pages


def test_building_twice_gives_identical_bytes_and_the_second_build_is_a_cache_hit(
    manifest: Manifest, tmp_path: Path
) -> None:
    fresh = build_sample(tmp_path, force=True)
    assert fresh.built
    assert {f.path: f.sha256 for f in fresh.files} == {f.path: f.sha256 for f in manifest.files}
    assert (tmp_path / "manifest.json").read_bytes() == (manifest.out_dir / "manifest.json").read_bytes()
    assert not build_sample(tmp_path).built


def test_a_damaged_output_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    full = load_catalogue()
    one_issue = Catalogue(publications=(full.publication(ISSUE),), path=full.path)
    first = build_sample(tmp_path, force=True, catalogue=one_issue)
    assert not build_sample(tmp_path, catalogue=one_issue).built
    (tmp_path / "pdf" / f"{ISSUE}.pdf").write_bytes(b"truncated")
    rebuilt = build_sample(tmp_path, catalogue=one_issue)
    assert rebuilt.built
    assert rebuilt.file(f"pdf/{ISSUE}.pdf").sha256 == first.file(f"pdf/{ISSUE}.pdf").sha256


# --- PDFs --------------------------------------------------------------------------------------


def test_pdfs_open_in_pdfplumber_and_pypdfium2_on_a4_pages(manifest: Manifest) -> None:
    for built in manifest.files:
        if built.kind == "html":
            continue
        path = manifest.out_dir / built.path
        document = pdfium.PdfDocument(str(path))
        try:
            assert len(document) == built.pages
            for i in range(len(document)):
                width, height = document[i].get_size()
                assert (round(width, 2), round(height, 2)) == A4_POINTS
        finally:
            document.close()
        with pdfplumber.open(path) as pdf:
            assert pdf.pages[0].width == pytest.approx(A4_POINTS[0], abs=0.01)


def test_text_is_extractable_cjk_in_an_embedded_font(manifest: Manifest) -> None:
    with pdfplumber.open(_pdf(manifest, ISSUE)) as pdf:
        page = pdf.pages[_page_index(manifest, ISSUE, 3)]
        text = page.extract_text()
        fonts = {c["fontname"] for c in page.chars}
    assert "宁夏回族自治区人民政府令" in text
    assert all("WenQuanYiZenHei" in f for f in fonts)


def test_gazette_body_pages_set_text_in_two_columns_under_full_width_titles(manifest: Manifest) -> None:
    middle = PAGE_WIDTH / 2
    with pdfplumber.open(_pdf(manifest, ISSUE)) as pdf:
        first_page = pdf.pages[_page_index(manifest, ISSUE, 3)]  # the order's first page: title + columns
        titles = [c for c in first_page.chars if c["size"] >= 13]
        body_page = pdf.pages[_page_index(manifest, ISSUE, 4)]  # inside the order: columns only
        body = [c for c in body_page.chars if 70 < c["top"] < 780]
    left = [c for c in body if c["x1"] <= middle - COLUMN_GAP / 2 + 0.01]
    right = [c for c in body if c["x0"] >= middle + COLUMN_GAP / 2 - 0.01]
    assert len(left) > 500 and len(right) > 500
    assert len(left) + len(right) == len(body)  # two bands, nothing in the gutter
    assert any(c["x0"] < middle - 50 for c in titles) and any(c["x1"] > middle + 50 for c in titles)
    pages = manifest.publication(ISSUE)["pages"]
    assert pages[_page_index(manifest, ISSUE, 3)]["columns"] == 2


def test_the_masthead_and_contents_are_one_column_on_the_first_pages(manifest: Manifest) -> None:
    pages = manifest.publication(ISSUE)["pages"]
    assert [p["kind"] for p in pages[:2]] == ["front", "front"]
    assert all(p["columns"] == 1 for p in pages[:2])
    text = _stream_text(_pdf(manifest, ISSUE), 0)
    assert "人民政府公报" in text and "目录" in text and "2024年第2期" in text


def test_image_only_pages_have_an_image_and_no_text_layer(manifest: Manifest) -> None:
    for publication, printed in ((ISSUE, None), (COMPILATION, 1565)):
        pages = manifest.publication(publication)["pages"]
        scans = [p for p in pages if not p["has_text"]]
        assert len(scans) == 1
        if printed is not None:
            assert scans[0]["printed_number"] == printed
        with pdfplumber.open(_pdf(manifest, publication)) as pdf:
            page = pdf.pages[scans[0]["index"] - 1]
            assert page.chars == []
            assert len(page.images) == 1
        assert _stream_text(_pdf(manifest, publication), scans[0]["index"] - 1) == ""


def _footers(path: Path) -> list[str]:
    """The text in the bottom margin of every page (below the body), whitespace removed."""
    document = pdfium.PdfDocument(str(path))
    try:
        footers = []
        for i in range(len(document)):
            text = document[i].get_textpage().get_text_bounded(left=0, bottom=0, right=PAGE_WIDTH, top=50)
            footers.append(re.sub(r"\s", "", text))
        return footers
    finally:
        document.close()


def test_compilation_has_one_page_per_marker_footed_1558_to_1599(manifest: Manifest) -> None:
    footers = _footers(_pdf(manifest, COMPILATION))
    assert len(footers) == 1599 - 1558 + 1
    for printed, footer in zip(range(1558, 1600), footers, strict=True):
        assert footer == ("" if printed == 1565 else f"—{printed}—")


def test_gazette_footers_count_from_the_first_printed_page(manifest: Manifest) -> None:
    footers = _footers(_pdf(manifest, ISSUE))
    scans = {p["index"] - 1 for p in manifest.publication(ISSUE)["pages"] if not p["has_text"]}
    for index, footer in enumerate(footers):
        assert footer == ("" if index in scans else f"—{index + 1}—")
    header = _stream_text(_pdf(manifest, ISSUE), 5)
    assert header.startswith("宁夏回族自治区人民政府公报·2024年第2期")


def test_documents_start_on_the_pages_their_contents_list_prints(manifest: Manifest) -> None:
    catalogue = load_catalogue()
    for publication in (ISSUE, COMPILATION, "nx-2020-11"):
        expected = [d.start_page for d in catalogue.publication(publication).documents]
        rendered = manifest.publication(publication)["documents"]
        for want, got in zip(expected, rendered, strict=True):
            if want is not None:
                assert got["start_page"] == want, got["title"]
            assert got["start_index"] <= got["end_index"]
    assert [d["start_page"] for d in manifest.publication(ISSUE)["documents"]] == [3, 6, 19, 22]


# --- the redrawn PDF ---------------------------------------------------------------------------


def _glyphs(path: Path, index: int) -> list[tuple[str, float, float, float]]:
    document = pdfium.PdfDocument(str(path))
    try:
        glyphs = read_glyphs(document[index])
    finally:
        document.close()
    return sorted((g.char, round(g.y, 1), g.x, g.size) for g in glyphs if not g.char.isspace())


def _same_glyphs(a: list[tuple[str, float, float, float]], b: list[tuple[str, float, float, float]]) -> bool:
    """Same characters at the same places and sizes (within PDF number precision)."""
    return len(a) == len(b) and all(
        ga[0] == gb[0]
        and abs(ga[1] - gb[1]) < 0.05
        and abs(ga[2] - gb[2]) < 0.05
        and abs(ga[3] - gb[3]) < 0.05
        for ga, gb in zip(a, b, strict=True)
    )


def _column_lines(chars: list[dict]) -> list[str]:
    """The text lines of one column, top to bottom, whitespace removed."""
    rows: dict[float, list[dict]] = {}
    for c in chars:
        rows.setdefault(round(c["bottom"], 1), []).append(c)
    return [
        "".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])).replace(" ", "")
        for _, row in sorted(rows.items())
    ]


def test_redrawn_pdf_keeps_every_glyph_in_place_but_streams_across_the_columns(manifest: Manifest) -> None:
    source, redrawn = _pdf(manifest, ISSUE), _pdf(manifest, ISSUE, "glyphs")
    for page in manifest.publication(ISSUE)["pages"]:
        assert _same_glyphs(_glyphs(source, page["index"] - 1), _glyphs(redrawn, page["index"] - 1))
    index = _page_index(manifest, ISSUE, 4)

    with pdfplumber.open(source) as pdf:
        chars = [c for c in pdf.pages[index].chars if 70 < c["top"] < 780]
    middle = PAGE_WIDTH / 2
    left = _column_lines([c for c in chars if c["x1"] < middle])
    right = _column_lines([c for c in chars if c["x0"] > middle])
    left_first, left_second, right_first = left[0], left[1], right[0]
    # the source streams column by column; the redrawn file line by line across the page
    assert left_first + left_second in _stream_text(source, index)
    assert left_first + right_first in _stream_text(redrawn, index)
    assert left_first + left_second not in _stream_text(redrawn, index)


def test_redrawn_pdf_copies_scanned_pages_as_images(manifest: Manifest) -> None:
    scan = next(p for p in manifest.publication(ISSUE)["pages"] if not p["has_text"])
    with pdfplumber.open(_pdf(manifest, ISSUE, "glyphs")) as pdf:
        page = pdf.pages[scan["index"] - 1]
        assert page.chars == [] and len(page.images) == 1


def test_redrawing_a_file_that_is_not_a_pdf_is_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "issue.pdf"
    fake.write_text("<html>not a pdf</html>")
    with pytest.raises(RedrawError, match="cannot open"):
        redraw_glyph_by_glyph(fake, tmp_path / "out.pdf")


def test_an_html_only_publication_has_no_pdf(tmp_path: Path) -> None:
    article = next(p for p in load_catalogue() if p.layout == "html_only")
    with pytest.raises(RenderError, match="no PDF rendering"):
        render_publication_pdf(article, tmp_path / "x.pdf")


# --- HTML --------------------------------------------------------------------------------------


def test_html_articles_carry_metadata_breadcrumb_and_the_document_body(manifest: Manifest) -> None:
    catalogue = load_catalogue()
    pub = catalogue.publication(ISSUE)
    entry = manifest.publication(ISSUE)["documents"][1]
    html = (manifest.out_dir / entry["html"]).read_bytes()
    soup = BeautifulSoup(html, "lxml")
    assert soup.find("meta", charset="utf-8") is not None
    crumbs = [a.get_text() for a in soup.select(".breadcrumb a")]
    assert crumbs == ["首页", "政府公报", "2024年第2期"]
    meta = {th.get_text(): th.find_next_sibling("td").get_text() for th in soup.select(".xxgk-meta th")}
    assert meta["发文字号"] == "宁政办发〔2023〕50号"
    assert meta["成文日期"] == "2023年11月27日"
    assert meta["发文机关"] == pub.documents[1].issuer
    assert set(meta) >= {"索引号", "发文机关", "发文字号", "成文日期", "发布日期"}
    assert soup.h1.get_text() == pub.documents[1].title
    body = soup.select_one("div.article-content")
    paragraphs_text = [p.get_text() for p in body.find_all("p")]
    assert "宁政办发〔2023〕50号" in paragraphs_text
    assert any(
        p.startswith("建立政务服务效能提升常态化工作机制") for p in paragraphs_text
    )  # the attached plan
    assert body.find("table") is not None  # its task list
    assert "首页" not in body.get_text()  # navigation stays outside the article


def test_every_html_document_holds_its_whole_text(manifest: Manifest) -> None:
    catalogue = load_catalogue()
    for entry in manifest.publications:
        pub = catalogue.publication(entry["id"])
        lines = pub.text_lines()
        for doc_entry, doc in zip(entry.get("documents", []), pub.documents, strict=True):
            if "html" not in doc_entry:
                assert not doc.html
                continue
            soup = BeautifulSoup((manifest.out_dir / doc_entry["html"]).read_bytes(), "lxml")
            body = re.sub(r"\s", "", soup.select_one("div.article-content").get_text())
            first, last = doc.lines
            source = re.sub(r"\s", "", "".join(lines[first - 1 : last]))
            assert body == source, f"{pub.id} document {doc_entry['number']}"


# --- line breaking and paragraphs --------------------------------------------------------------


def test_narrow_column_fragments_are_joined_into_paragraphs() -> None:
    lines = [
        "二、按照 《国家发展改革委关于宁夏自治区",
        "宁东至甜水堡 (宁甘界)公路项目核准的批复》",
        "该项目设置5个匝道收费站。",
        "宁夏回族自治区人民政府",
        "2020年4月22日",
    ] + ["一二三四五六七八九十一二三四五六七八九十"] * 8
    width = join_width(lines)
    assert width == 20
    paras = paragraphs(lines[:5], 11, width)
    assert [p.text for p in paras[:2]] == [
        "二、按照 《国家发展改革委关于宁夏自治区"
        "宁东至甜水堡 (宁甘界)公路项目核准的批复》该项目设置5个匝道收费站。",
        "宁夏回族自治区人民政府",
    ]
    assert (paras[0].first_line, paras[0].last_line) == (11, 13)


def test_paragraph_lines_of_a_wide_text_stay_paragraphs_and_tabs_make_table_rows() -> None:
    lines = [
        "第一条 为了贯彻落实国务院《残疾预防和残疾人康复条例》，结合自治区实际，制定本办法。" * 2,
        "",
        "任务\t措施\t\t时限",
    ]
    assert join_width(lines) is None
    paras = paragraphs(lines, 1)
    assert len(paras) == 2 and paras[1].cells == ("任务", "措施", "", "时限")


def test_line_breaking_keeps_closing_punctuation_off_the_start_of_a_line() -> None:
    measure = pdf_measure(10)
    text = (
        "为全面贯彻落实国务院办公厅关于依托全国一体化政务服务平台建立政务服务效能提升"
        "常态化工作机制的意见，现制定本方案。（此件公开发布）"
    )
    for width in (100.0, 103.0, 106.0, 109.0):  # every break position meets some punctuation
        lines = wrap(text, width, measure)
        assert "".join(lines) == text
        assert not any(line[0] in "，。、；：）》”" for line in lines)
        assert all(measure(line) <= width for line in lines)
    quoted = "推动政务服务“总客服”。"
    for width in range(60, 130):
        assert not any(line[0] in "”。" for line in wrap(quoted, float(width), measure))
