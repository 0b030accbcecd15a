"""Segmentation: an issue or a compilation becomes exactly its official documents.

The seeds are checked against the hand-made ground truth of the catalogue; the
made-up texts below are other publishers' shapes of the same genre (another
province's gazette, a compilation with wrapped entries and section heads), so
that nothing here depends on strings of the Ningxia gazette.
"""

from __future__ import annotations

import pytest

from extractors.model import Page
from extractors.segment import infer_printed_numbers, segment_pages
from extractors.textfile import split_pages
from replica.catalogue import load_catalogue

CATALOGUE = load_catalogue()
SEEDS = [pub for pub in CATALOGUE if not pub.constructed]


def _segment_text(text: str):
    return segment_pages(split_pages(text))


@pytest.mark.parametrize("pub", SEEDS, ids=lambda pub: pub.id)
def test_every_seed_splits_into_exactly_its_ground_truth_documents(pub) -> None:
    text = "\n".join(pub.text_lines())
    documents = _segment_text(text).documents
    assert [doc.title for doc in documents] == [doc.title for doc in pub.documents]
    for found, truth in zip(documents, pub.documents, strict=True):
        if truth.start_page is not None:
            assert found.start_page == truth.start_page, truth.title
        if truth.end_page is not None:
            assert found.end_page == truth.end_page, truth.title


def test_order_and_the_rules_it_promulgates_are_one_document_titled_by_the_rules() -> None:
    text = "\n".join(CATALOGUE.publication("nx-2024-02").text_lines())
    order = _segment_text(text).documents[0]
    assert order.title == "宁夏回族自治区实施《残疾预防和残疾人康复条例》办法"
    assert order.text.startswith("宁夏回族自治区人民政府令\n第130号\n")
    assert "第三十五条 本办法自2024年2月1日起施行。" in order.text


def test_a_notice_keeps_the_plan_it_issues_and_the_plans_table() -> None:
    text = "\n".join(CATALOGUE.publication("nx-2024-02").text_lines())
    notice = _segment_text(text).documents[1]
    assert "\n建立政务服务效能提升常态化工作机制实施方案\n" in notice.text
    table_rows = [line for line in notice.text.splitlines() if "\t" in line]
    assert len(table_rows) > 40  # the 主要任务清单 stays inside, row by row


def test_unpaginated_issue_takes_start_pages_from_its_table_of_contents() -> None:
    text = "\n".join(CATALOGUE.publication("nx-2024-02").text_lines())
    segmentation = _segment_text(text)
    assert [entry.page for entry in segmentation.toc] == [3, 6, 19, 22]
    assert [doc.start_page for doc in segmentation.documents] == [3, 6, 19, 22]


OTHER_PROVINCE_ISSUE = """\
浙江省人民政府公报
2024年第5期（总第1420期）
目　录
【省政府规章】
浙江省公共数据条例实施
办法（浙江省人民政府令第401号）……………………（2）
【省政府文件】
浙江省人民政府关于同意设立杭州临平
经济开发区的批复（浙政函〔2024〕12号）………（9）
浙江省人民政府办公厅关于印发浙江省
数字经济发展三年行动计划的通知
（浙政办发〔2024〕7号）…………………………（10）
浙江省人民政府令
第 401 号
《浙江省公共数据条例实施办法》已经省人民政府第20次常务会议审议通过，现予公布，自2024年5月1日起施行。
省长　王浩
2024 年 3 月 8 日
浙江省公共数据条例实施办法
第一章　总　则
第一条　为了规范公共数据管理，根据《浙江省公共数据条例》，制定本办法。
第二条　本办法自2024年5月1日起施行。
浙江省人民政府关于同意设立
杭州临平经济开发区的批复
浙政函［2024］12
号
杭州市人民政府：
你市《关于要求设立杭州临平经济开发区的请示》（杭政〔2024〕3号）收悉。经研究，现批复如下：
一、同意设立杭州临平经济开发区。
浙江省人民政府
2024年2月1日
浙江省人民政府办公厅关于印发浙江省
数字经济发展三年行动计划的通知
浙政办发〔2024〕7号
各市、县（市、区）人民政府，省政府直属各单位：
《浙江省数字经济发展三年行动计划》已经省政府同意，现印发给你们，请认真贯彻执行。
浙江省人民政府办公厅
2024年1月30日
（此件公开发布）
浙江省数字经济发展三年行动计划
为加快数字经济发展，制定本计划。
一、主要目标
到2026年，数字经济核心产业增加值达到1.5万亿元。
序号\t任务\t责任单位
1\t建设算力网络\t省发展改革委
抄送：省委各部门。
浙江省人民政府办公厅　　　　　2024年1月31日印发
"""


def test_another_provinces_issue_splits_by_anatomy_and_contents() -> None:
    segmentation = _segment_text(OTHER_PROVINCE_ISSUE)
    assert [doc.title for doc in segmentation.documents] == [
        "浙江省公共数据条例实施办法",
        "浙江省人民政府关于同意设立杭州临平经济开发区的批复",
        "浙江省人民政府办公厅关于印发浙江省数字经济发展三年行动计划的通知",
    ]
    assert [doc.start_page for doc in segmentation.documents] == [2, 9, 10]
    assert segmentation.problems == []
    plan = segmentation.documents[2]
    assert "1\t建设算力网络\t省发展改革委" in plan.text.splitlines()
    assert plan.text.endswith("浙江省人民政府办公厅 2024年1月31日印发")


def test_document_number_with_its_号_on_the_next_line_still_marks_a_start() -> None:
    approval = _segment_text(OTHER_PROVINCE_ISSUE).documents[1]
    assert approval.text.splitlines()[1:3] == ["浙政函［2024］12号", "杭州市人民政府："]


COMPILATION = """\
# Page 201:
（三）甘肃
7.
甘肃省人民政府办公厅关于进一步优化营商环境的
实施意见（2023 年4 月2 日）
甘政办发〔2023〕31 号
各市、自治州人民政府，省政府各部门：
为进一步优化营商环境，提出如下意见。
1.持续深化“放管服”改革。压减审批事项。
2.健全政务服务体系（2024 年底前完成）。
甘肃省人民政府办公厅
2023 年4 月2 日
# Page 202:
8. 兰州市人民政府关于印发兰州市优化营商环境
攻坚行动方案的通知（2023 年5 月6 日）
各县区人民政府，市政府各部门：
现将《兰州市优化营商环境攻坚行动方案》印发给你们。
兰州市人民政府
2023 年5 月6 日
兰州市优化营商环境攻坚行动方案
一、工作目标
# Page 203:
# Page 204:
（四）青海
9. 青海省发展改革委关于开展营商环境评价的通知（2023 年6 月1 日）
青发改〔2023〕88 号
各市州发展改革委：
请按要求开展评价。
"""


def test_compilation_entries_number_alone_wrapped_titles_and_section_heads() -> None:
    segmentation = _segment_text(COMPILATION)
    documents = segmentation.documents
    assert [doc.title for doc in documents] == [
        "甘肃省人民政府办公厅关于进一步优化营商环境的实施意见",
        "兰州市人民政府关于印发兰州市优化营商环境攻坚行动方案的通知",
        "青海省发展改革委关于开展营商环境评价的通知",
    ]
    assert [(doc.start_page, doc.end_page) for doc in documents] == [(201, 201), (202, 203), (204, 204)]
    assert "（四）青海" not in documents[1].text  # the section head opens the next section
    assert "兰州市优化营商环境攻坚行动方案\n一、工作目标" in documents[1].text


def test_masthead_and_contents_alone_are_no_document() -> None:
    segmentation = _segment_text(
        "浙江省人民政府公报\n目　录\n【省政府文件】\n某某的通知（浙政发〔2024〕1号）……（3）\n"
    )
    assert segmentation.documents == []


def test_a_body_item_ending_in_a_date_is_not_a_compilation_entry() -> None:
    documents = _segment_text(COMPILATION).documents
    assert len(documents) == 3  # "2.健全政务服务体系（2024 年底前完成）。" stays in entry 7


def test_text_without_any_document_reports_it() -> None:
    segmentation = segment_pages([Page(index=0, text="这是一段没有公文结构的文字。\n只有正文。")])
    assert segmentation.documents == []
    assert segmentation.problems and "no document found" in segmentation.problems[0]


def test_unnumbered_scanned_page_gets_the_number_its_neighbours_imply() -> None:
    pages = [
        Page(index=0, text="a", printed_number=12),
        Page(index=1, text="", has_text=False),
        Page(index=2, text="b", printed_number=14),
    ]
    assert [page.printed_number for page in infer_printed_numbers(pages)] == [12, 13, 14]


def test_compilation_entries_with_news_style_headings_and_dates_without_ri() -> None:
    text = (
        "（三）甘肃\n1. 甘肃省人民政府办公厅关于印发某方案的通知（2023 年2 月14 日）\n甘政办发〔2023〕11 号\n"
        "各市、自治州人民政府：\n现印发给你们。\n甘肃省人民政府办公厅\n2023 年2 月14 日\n"
        "2. 甘肃省人民政府办公厅印发《甘肃省数字政府建设\n实施方案》（2023 年3 月23）\n"
        "近日，甘肃省人民政府办公厅印发《甘肃省数字政府建设实施方案》，提出18项重点任务。\n"
        "3. 甘肃省发展和改革委员会出台《甘肃省某工作要点》（2023年5月8日）\n5月8日，省发展改革委出台要点。\n"
    )
    titles = [doc.title for doc in segment_pages([Page(index=0, text=text)]).documents]
    assert titles == [
        "甘肃省人民政府办公厅关于印发某方案的通知",
        "甘肃省人民政府办公厅印发《甘肃省数字政府建设实施方案》",
        "甘肃省发展和改革委员会出台《甘肃省某工作要点》",
    ]
    # A numbered item inside a document is no entry: it names nothing issued and has no date.
    inside = "关于某事的通知\n临政发〔2023〕1号\n各市：\n1.省发展改革委印发实施方案。\n2.抓好落实。"
    assert len(segment_pages([Page(index=0, text=inside)]).documents) == 1


def test_a_dateless_news_style_entry_counts_when_it_continues_the_numbering() -> None:
    text = (
        "（三）甘肃\n1. 甘肃省人民政府办公厅关于印发某方案的通知（2023年2月14日）\n甘政办发〔2023〕11号\n"
        "各市、自治州人民政府：\n现印发给你们。\n甘肃省人民政府办公厅\n2023年2月14日\n"
        "2. 甘肃省人民政府办公厅印发《甘肃省数字政府建设实施方案》\n"
        "近日，甘肃省人民政府办公厅印发《甘肃省数字政府建设实施方案》，提出18项重点任务。\n"
        "4. 甘肃省商务厅印发《甘肃省某工作要点》\n近日，省商务厅印发要点。\n"
    )
    titles = [doc.title for doc in segment_pages([Page(index=0, text=text)]).documents]
    # Entry 2 continues the numbering; "4." does not (3 would), so it stays in entry 2's text.
    assert titles == [
        "甘肃省人民政府办公厅关于印发某方案的通知",
        "甘肃省人民政府办公厅印发《甘肃省数字政府建设实施方案》",
    ]
