"""Pages that are not official documents, told by their title and the text's anatomy (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.doc_kind import classify
from extractors.pipeline import extract_file


@pytest.mark.parametrize(
    ("title", "marks", "kind"),
    [
        ("市政府召开第35次常务会议", [], "news"),
        ("市长张某某调研城市供水工作", ["signature"], "news"),
        ("市政府办公室印发《临川市优化营商环境重点任务清单》", [], "news"),
        ("我市出台优化营商环境实施方案", [], "news"),
        ("《临川市城市道路挖掘管理办法》政策解读", ["doc_number"], "interpretation"),
        ("一图读懂2024年政府工作报告", [], "interpretation"),
        ("不动产首次登记办事指南", [], "guide"),
        ("关于住房公积金提取的常见问题解答", [], "faq"),
        ("2024年一季度全市经济运行情况", [], "other_page"),
        # documents, whatever words their titles contain
        ("关于召开2024年全市安全生产工作会议的通知", [], "official_document"),
        ("临川市开展2024年安全生产月活动方案", [], "official_document"),
        ("临川市食品安全监督检查办法", ["articles"], "official_document"),
        ("临川市人民政府令（第180号）", [], "official_document"),
        ("临川市国土空间总体规划纲要", [], "official_document"),
        ("2024年春节放假安排", ["doc_number", "signature"], "official_document"),
    ],
)
def test_kind_of_page(title: str, marks: list[str], kind: str) -> None:
    assert classify(title, marks)[0] == kind


def _page(title: str, body: str) -> str:
    return (
        f"<html><head><meta charset='utf-8'><title>{title}_临川市人民政府</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a></div><h1>{title}</h1>"
        f"<div id='zoom'>{body}</div></body></html>"
    )


def test_title_prefix_number_suffix_and_number_above_the_title(tmp_path: Path) -> None:
    body = (
        "<p>临川市人民政府办公室文件</p><p>临府办发〔2024〕8号</p><p>临川市人民政府办公室关于加强某项工作的通知</p>"
        "<p>各县（区）人民政府，市政府各部门：</p><p>现将有关事项通知如下。一、加强组织领导，压实工作责任。</p>"
        "<p>临川市人民政府办公室</p><p>2024年3月5日</p>"
    )
    path = tmp_path / "a.html"
    path.write_text(
        _page("（转载）临川市人民政府办公室关于加强某项工作的通知（临府办发〔2024〕8号）", body), "utf-8"
    )
    (doc,) = extract_file(path).documents
    assert doc.title == "临川市人民政府办公室关于加强某项工作的通知"
    assert doc.doc_number == "临府办发〔2024〕8号"
    assert doc.addressees == ["各县（区）人民政府", "市政府各部门"]
    assert doc.text.count("关于加强某项工作的通知") == 1


@pytest.mark.parametrize(
    ("title", "marks", "column", "kind"),
    [
        ("《临川市某办法》出台背景和主要内容", [], "政策解读", "interpretation"),
        ("全市一季度重点项目进展顺利推进", [], "工作动态", "news"),
        ("关于做好2024年春节期间安全工作的通知", [], "政策解读", "official_document"),
        ("临川市某管理办法", ["signature"], "新闻动态", "official_document"),
        ("临川市某管理办法", [], "通知公告", "official_document"),
    ],
)
def test_the_sites_column_decides_a_page_without_a_documents_marks(
    title: str, marks: list[str], column: str, kind: str
) -> None:
    assert classify(title, marks, column)[0] == kind


def test_a_tab_naming_only_the_site_does_not_make_the_logo_the_title(tmp_path: Path) -> None:
    html = (
        "<html><head><meta charset='utf-8'><title>临川市人民政府</title></head><body>"
        "<div class='header'><h1>临川市人民政府</h1></div><div class='lm-title'>通知公告</div>"
        "<div class='article'><div class='title'>临川市人民政府关于做好2024年春节期间安全工作的通知</div>"
        "<div id='zoom'><p>临府发〔2024〕1号</p><p>各县（区）人民政府：</p>"
        "<p>现将有关事项通知如下。一、加强领导。</p>"
        "<p>临川市人民政府</p><p>2024年1月20日</p></div></div></body></html>"
    )
    path = tmp_path / "logo.html"
    path.write_text(html, encoding="utf-8")
    assert extract_file(path).documents[0].title == "临川市人民政府关于做好2024年春节期间安全工作的通知"


def test_a_page_ending_with_its_date_alone_is_not_made_a_document(tmp_path: Path) -> None:
    body = "<p>一季度，全市地区生产总值同比增长5.6%。</p><p>规模以上工业增加值同比增长7.1%。</p>"
    body += "<p>2024年4月22日</p>"
    path = tmp_path / "stats.html"
    path.write_text(_page("2024年一季度全市经济运行情况", body), encoding="utf-8")
    assert extract_file(path).documents[0].kind == "other_page"
