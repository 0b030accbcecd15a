"""The page's own label block, read in every markup government CMSs use (issue 13).

Each shape below is the skeleton of a real template family (constructed, not saved pages):
a <table> of cells, ul/li with spans, dl/dt/dd, div/span pairs, one "label：value" line, and
<meta> tags. Whatever the shape, the same record comes out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.html import parse_article
from extractors.model import Document
from extractors.pipeline import extract_file
from extractors.site_metadata import disagreements

BODY = """<div id="zoom"><p>临政办发〔2024〕3号</p><p>各县（区）人民政府，市直各单位：</p>
<p>为做好有关工作，现将有关事项通知如下：一、加强组织领导。二、本通知自印发之日起施行。</p>
<p>临川市人民政府办公室</p><p>2024年1月8日</p></div>"""
EXPECTED = {
    "index_number": "11361000/2024-00001",
    "issuer": "临川市人民政府办公室",
    "doc_number": "临政办发〔2024〕3号",
    "issued_date": "2024-01-08",
    "validity": "有效",
}
SHAPES = {
    "table": """<table><tr><td>索引号：</td><td>11361000/2024-00001</td>
<td>发文机关：</td><td>临川市人民政府办公室</td></tr>
<tr><td>文号：</td><td>临政办发〔2024〕3号</td><td>成文日期：</td><td>2024-01-08</td></tr>
<tr><td>有效性：</td><td>有效</td><td>主题分类：</td><td></td></tr></table>""",
    "ul_li": """<ul class="xxgk"><li><span>索 引 号：</span>11361000/2024-00001</li>
<li><span>发文机关：</span>临川市人民政府办公室</li>
<li><span>发文字号：</span>临政办发〔2024〕3号</li><li><span>成文日期：</span>2024-01-08</li><li><span>有效性：</span>有效</li></ul>""",
    "dl": """<dl><dt>索引号</dt><dd>11361000/2024-00001</dd><dt>制发机关</dt><dd>临川市人民政府办公室</dd>
<dt>发文字号</dt><dd>临政办发〔2024〕3号</dd><dt>成文时间</dt><dd>2024-01-08</dd><dt>效力状态</dt><dd>有效</dd></dl>""",
    "div_span": """<div class="attr"><div><span>索引号</span><span>11361000/2024-00001</span></div>
<div><span>发文单位</span>：<span>临川市人民政府办公室</span></div>
<div><span>文号</span><span>临政办发〔2024〕3号</span></div>
<div><span>成文日期</span><span>2024-01-08</span></div><div><span>是否有效</span><span>有效</span></div></div>""",
    # gov.cn spreads a label over elements for letter-spacing: 索<span>引</span><span>号：</span>.
    "spaced_table": """<table class="bd1"><tr>
<td><b>索<span style="margin-left:1em">引</span><span>号：</span></b></td>
<td>11361000/2024-00001</td><td><b>发文机关：</b></td><td>临川市人民政府办公室</td></tr>
<tr><td><b>发<span>文</span>字<span>号：</span></b></td><td>临政办发〔2024〕3号</td>
<td><b>成文日期：</b></td><td>2024年01月08日</td></tr><tr><td><b>有<i></i>效<i></i>性：</b></td><td>有效</td></tr>
</table>""",
    "one_line": """<div class="info">索引号：11361000/2024-00001　发文机关：临川市人民政府办公室
　文号：临政办发〔2024〕3号
　成文日期：2024-01-08　有效性：有效　浏览次数：12</div>""",
}


def page(block: str, head: str = "") -> str:
    return (
        f"<html><head><meta charset='utf-8'>{head}<title>关于做好有关工作的通知_临川市人民政府</title></head>"
        f"<body><div class='nav'><a href='/'>首页</a></div>{block}"
        f"<h1>关于做好有关工作的通知</h1>{BODY}<div class='foot'>主办：临川市人民政府</div></body></html>"
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_every_label_block_shape_gives_the_same_record(shape: str) -> None:
    hints = parse_article(page(SHAPES[shape])).hints
    hints["issued_date"] = hints["issued_date"].replace("年", "-").replace("月", "-").replace("日", "")
    assert {key: hints.get(key) for key in EXPECTED} == EXPECTED
    assert "subject" not in hints  # an empty cell is no value


def test_the_publisher_is_not_the_issuer_unless_nothing_else_names_one(tmp_path: Path) -> None:
    block = SHAPES["ul_li"].replace("发文机关", "发布机构").replace("临川市人民政府办公室", "临川市人民政府")
    hints = parse_article(page(block)).hints
    assert hints["publisher"] == "临川市人民政府" and "issuer" not in hints
    path = tmp_path / "content.html"
    path.write_text(page(block).replace("<p>临川市人民政府办公室</p>", ""), encoding="utf-8")
    (doc,) = extract_file(path).documents
    assert doc.issuer == "临川市人民政府"  # no signature, no organ in the title: the publisher stands in
    titled = (
        page(block).replace("<p>临川市人民政府办公室</p>", "").replace("关于做好", "临川市教育局关于做好")
    )
    path.write_text(titled, encoding="utf-8")
    assert extract_file(path).documents[0].issuer == "临川市教育局"  # the title's organ wins


def test_meta_tags_fill_what_the_label_block_leaves_out() -> None:
    head = (
        '<meta name="ArticleTitle" content="关于做好有关工作的通知">'
        '<meta name="PubDate" content="2024-01-10 09:00">'
        '<meta name="ContentSource" content="临川市人民政府网">'
    )
    hints = parse_article(page("", head)).hints
    assert hints["title"] == "关于做好有关工作的通知"
    assert hints["published_date"] == "2024-01-10 09:00"
    assert hints["source"] == "临川市人民政府网"  # the portal, never the issuer
    assert "issuer" not in hints


def test_the_site_values_are_recorded_and_a_disagreement_is_a_problem(tmp_path: Path) -> None:
    block = SHAPES["ul_li"].replace("2024-01-08", "2024-01-09")
    path = tmp_path / "content.html"
    path.write_text(page(block), encoding="utf-8")
    (doc,) = extract_file(path).documents
    assert doc.issued_date == "2024-01-08"  # the text's date is kept …
    assert doc.site_metadata["issued_date"] == "2024-01-09"  # … beside the page's
    assert any("disagrees on 成文日期" in problem for problem in doc.problems)
    assert doc.effective_date == "2024-01-08" and doc.effective_on_issue


def test_agreeing_values_in_other_spellings_are_no_problem() -> None:
    doc = Document(
        title="临川市养犬管理规定",
        text="",
        doc_number="中华人民共和国国务院令第746号",
        issuer="临川市财政局、临川市教育局",
        issued_date="2021-07-27",
    )
    doc.site_metadata = {
        "doc_number": "国令第746号",
        "issuer": "临川市财政局",
        "issued_date": "2021年07月27日",
    }
    assert disagreements(doc) == []
    doc.site_metadata["issuer"] = "市财政局"  # a short form
    assert disagreements(doc) == []
    doc.site_metadata["doc_number"] = "国令第747号"
    doc.site_metadata["issuer"] = "临川市人力资源和社会保障局"
    assert len(disagreements(doc)) == 2


HIDDEN = {
    "style_attribute": '<div style="display: none">{copy}</div>',
    "hidden_attribute": "<div hidden>{copy}</div>",
    "zero_size_box": '<div style="width:0;height:0;overflow:hidden">{copy}</div>',
    "stylesheet_rule": "<style>#share-text {{ display:none }}</style><div id='share-text'>{copy}</div>",
    "class_hidden": '<div class="fx hidden">{copy}</div>',
}
FLAT_COPY = (
    "关于做好有关工作的通知 各县（区）人民政府，市直各单位：" + "为做好有关工作，现将有关事项通知如下。" * 12
)


@pytest.mark.parametrize("how", HIDDEN)
def test_a_hidden_flattened_copy_is_never_the_body(how: str) -> None:
    hidden = HIDDEN[how].format(copy=FLAT_COPY)
    html = page("").replace('<div id="zoom">', f'{hidden}<div class="wz">').replace("<h1>", "<h2>")
    article = parse_article(html)
    assert "临政办发〔2024〕3号" in article.lines
    assert "2024年1月8日" in article.lines
    assert FLAT_COPY not in "\n".join(article.lines)


def test_a_page_whose_only_text_is_hidden_still_yields_it() -> None:
    html = f"<html><body><div style='display:none'><p>{FLAT_COPY}</p></div></body></html>"
    assert any("现将有关事项通知如下" in line for line in parse_article(html).lines)


def test_print_and_small_screen_rules_hide_nothing_on_the_page_as_read() -> None:
    html = (
        "<html><head><style>@media print { #zoom { display:none } .nav{display:none} } .x{color:red}</style>"
        "</head><body><div id='zoom'>"
        "<p>各县（区）人民政府：现将有关事项通知如下，请认真贯彻执行，确保落实。</p>"
        "<p>临川市人民政府</p><p>2024年1月8日</p></div></body></html>"
    )
    assert parse_article(html).lines[-1] == "2024年1月8日"
