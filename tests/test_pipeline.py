"""extract_file: any input file (PDF, article page, text dump) → its documents, or one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.errors import EmptyFileError, ExtractionError, UnsupportedFormatError
from extractors.pipeline import extract_file, sniff_format
from replica.catalogue import load_catalogue

CATALOGUE = load_catalogue()


def test_a_seed_dump_yields_its_documents_with_source_and_normalized_text() -> None:
    pub = CATALOGUE.publication("nx-2024-02")
    result = extract_file(pub.text_path)
    assert result.format == "text"
    assert [doc.title for doc in result.documents] == [doc.title for doc in pub.documents]
    for doc in result.documents:
        assert doc.source_file == str(pub.text_path)
        assert doc.normalized_text and " " not in doc.normalized_text and "\n" not in doc.normalized_text


def test_compilation_dump_flags_its_image_only_page() -> None:
    result = extract_file(CATALOGUE.publication("guide-2023-ningxia").text_path)
    assert result.page_count == 42
    assert result.pages_without_text == [1565]
    assert any("1565" in problem for problem in result.problems)


def test_gb18030_text_is_read_and_the_guess_is_reported(tmp_path: Path) -> None:
    text = "\n".join(
        [
            "某某市人民政府关于加强安全生产的通知",
            "某政发〔2024〕3号",
            "各县区人民政府：",
            "请遵照执行。",
            "某某市人民政府",
            "2024年1月5日",
        ]
    )
    path = tmp_path / "notice.txt"
    path.write_bytes(text.encode("gb18030"))
    result = extract_file(path)
    assert [doc.title for doc in result.documents] == ["某某市人民政府关于加强安全生产的通知"]
    assert any("GB18030" in problem for problem in result.problems)


ARTICLE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>关于印发某某方案的通知_某某省人民政府门户网站</title></head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk">政务公开</a> <a href="/zcwj">政策文件</a></div>
<table class="xxgk">
<tr><td>索 引 号：</td><td>11640000/2024-00012</td><td>主题分类：</td><td>综合政务</td></tr>
<tr><td>发文机关：</td><td>某某省人民政府办公厅</td><td>成文日期：</td><td>2024年01月05日</td></tr>
<tr><td>标　　题：</td><td>某某省人民政府办公厅关于印发某某方案的通知</td></tr>
<tr><td>发文字号：</td><td>某政办发[2024] 2 号</td><td>发布日期：</td><td>2024年01月08日</td></tr>
</table>
<div id="UCAP-CONTENT">
<p>各市、县（区）人民政府，省政府各部门：</p>
<p>《某某方案》已经省人民政府同意，现印发给你们，请认真贯彻执行。</p>
<p>某某省人民政府办公厅</p>
<p>2024年1月5日</p>
<table><tr><td>序号</td><td>任务</td></tr><tr><td>1</td><td>建设平台</td></tr></table>
</div>
<div class="footer">主办：某某省人民政府办公厅 <a href="/about">关于我们</a></div>
</body></html>
"""


def test_article_page_is_one_document_body_without_navigation(tmp_path: Path) -> None:
    path = tmp_path / "content_1.htm"
    path.write_text(ARTICLE.format(charset="utf-8"), encoding="utf-8")
    result = extract_file(path)
    assert result.format == "html"
    (doc,) = result.documents
    assert doc.title == "某某省人民政府办公厅关于印发某某方案的通知"
    assert doc.doc_number == "某政办发〔2024〕2号"
    assert "首页" not in doc.text and "关于我们" not in doc.text
    assert "序号\t任务" in doc.text.splitlines()
    assert "请认真贯彻执行。" in doc.text


def test_article_page_in_gb2312_is_decoded_by_its_declared_charset(tmp_path: Path) -> None:
    path = tmp_path / "old.html"
    path.write_bytes(ARTICLE.format(charset="gb2312").encode("gb18030"))
    (doc,) = extract_file(path).documents
    assert doc.title == "某某省人民政府办公厅关于印发某某方案的通知"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", EmptyFileError),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", UnsupportedFormatError),
    ],
)
def test_unreadable_files_raise_one_line_errors(tmp_path: Path, content: bytes, error: type) -> None:
    path = tmp_path / "input.bin"
    path.write_bytes(content)
    with pytest.raises(error) as caught:
        extract_file(path)
    assert "\n" not in str(caught.value) and "input.bin" in str(caught.value)


def test_an_error_page_saved_as_pdf_is_refused_not_extracted(tmp_path: Path) -> None:
    path = tmp_path / "issue.pdf"
    path.write_text("<html><body>404 Not Found</body></html>", encoding="utf-8")
    assert sniff_format(path) == "pdf"
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract_file(path)


def test_one_bad_file_does_not_stop_the_others(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n1 0 obj")  # truncated
    (tmp_path / "b.txt").write_bytes(CATALOGUE.publication("pengyang-2020-yingshang").text_path.read_bytes())
    extracted, failed = [], []
    for path in sorted(tmp_path.iterdir()):
        try:
            extracted += extract_file(path).documents
        except ExtractionError as exc:
            failed.append(str(exc))
    assert len(extracted) == 1 and len(failed) == 1


@pytest.fixture(scope="module")
def rendered_pdfs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Path, list[tuple[str, int]]]]:
    """The gazette issue, its glyph-by-glyph redrawn twin and the compilation, with page ground truth."""
    from replica.redraw_pdf import redraw_glyph_by_glyph
    from replica.render_pdf import render_publication_pdf

    out = tmp_path_factory.mktemp("rendered")
    cases = []
    for pub_id in ("nx-2024-02", "nx-2020-11", "guide-2023-ningxia"):
        rendered = render_publication_pdf(CATALOGUE.publication(pub_id), out / f"{pub_id}.pdf")
        truth = [(doc.title, doc.start_page) for doc in rendered.documents]
        cases.append((pub_id, rendered.path, truth))
        if pub_id == "nx-2024-02":
            twin = out / f"{pub_id}.redrawn.pdf"
            redraw_glyph_by_glyph(rendered.path, twin)
            cases.append((f"{pub_id} redrawn", twin, truth))
    return cases


def test_rendered_pdfs_split_exactly_at_the_printed_start_pages(rendered_pdfs) -> None:
    for name, path, truth in rendered_pdfs:
        result = extract_file(path)
        assert result.format == "pdf"
        assert [(doc.title, doc.start_page) for doc in result.documents] == truth, name


def test_every_sample_document_as_an_article_page_keeps_its_catalogue_metadata(tmp_path: Path) -> None:
    """The replica's article pages (replica/render_html.py) read as the catalogue says (issue 13:
    the body's own title block must not bring a compilation's "1." and heading date along)."""
    from extractors.keys import title_match_key
    from replica.catalogue import load_catalogue
    from replica.render_html import render_article

    differences = []
    for pub in load_catalogue():
        for i, truth in enumerate(pub.documents):
            page = tmp_path / f"{pub.id}-{i}.html"
            page.write_text(render_article(pub, truth), encoding="utf-8")
            (doc,) = extract_file(page).documents
            expected = {
                "title": title_match_key(truth.title),
                "doc_number": truth.doc_number,
                "issued_date": truth.issued_date.isoformat() if truth.issued_date else None,
                "issuer": title_match_key(truth.issuer) if truth.issuer else None,
                "kind": "official_document",
            }
            got = {
                "title": title_match_key(doc.title),
                "doc_number": doc.doc_number,
                "issued_date": doc.issued_date,
                "issuer": title_match_key(doc.issuer) if doc.issuer else None,
                "kind": doc.kind,
            }
            differences += [(pub.id, i, k, got[k], v) for k, v in expected.items() if got[k] != v]
    assert differences == []
