"""Cleaning extracted Chinese text: what a reader sees, what keys compare, what hashes compare."""

from __future__ import annotations

import pytest

from extractors.clean import (
    clean_line,
    is_date_line,
    is_doc_number_line,
    is_toc_entry_line,
    normalized_text,
    to_paragraphs,
)
from extractors.keys import doc_number_key, title_match_key


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # glyph spacing from justified two-column text
        ("2.有序 推 进 “证 照 分 离”改 革。", "2.有序推进“证照分离”改革。"),
        # spaces inside dates and document numbers
        ("2023 年6 月20 日", "2023年6月20日"),
        ("宁政办发〔2023〕24 号", "宁政办发〔2023〕24号"),
        ("宁政函 〔2020〕36号", "宁政函〔2020〕36号"),
        ("第 130 号", "第130号"),
        # a space before a title mark or a half-width bracket next to CJK
        ("根据 《中华人民共和国公路法》", "根据《中华人民共和国公路法》"),
        ("各市、县 (区)人民政府", "各市、县(区)人民政府"),
        # spaces that separate Latin words and numbers stay
        ("ISSN 1008-0783", "ISSN 1008-0783"),
        ("国际标准连续出版物号:ISSN 1008-0783", "国际标准连续出版物号:ISSN 1008-0783"),
        ("CN 64-1062/D", "CN 64-1062/D"),
        ("国家 and 自治区", "国家 and 自治区"),
        # the typeset space after an article number is kept, once
        ("第一条  为了贯彻落实", "第一条 为了贯彻落实"),
        ("第一章 总 则", "第一章 总则"),
        # a wide layout gap (organ … date on one printed row) keeps one space
        (
            "彭阳县人民政府办公室                     2020年8月31日印发",
            "彭阳县人民政府办公室 2020年8月31日印发",
        ),
        # table cells stay separated by tabs
        ("主要任务\t主要措施\t责任单位", "主要任务\t主要措施\t责任单位"),
    ],
)
def test_clean_line_removes_spurious_spaces_only(raw: str, clean: str) -> None:
    assert clean_line(raw) == clean


def test_narrow_column_lines_join_into_one_paragraph_without_spaces() -> None:
    lines = [
        "自治区十二届人大三次会议和自治区政协十",
        "",
        "一届三次会议以来,交由自治区政府系统办理全",
        " 国人大代表建议2件、自治区人大代表建议207",
        "件、政协提案417件。",
    ]
    assert to_paragraphs(lines) == [
        "自治区十二届人大三次会议和自治区政协十一届三次会议以来,"
        "交由自治区政府系统办理全国人大代表建议2件、自治区人大代表建议207件、政协提案417件。"
    ]


def test_paragraphs_end_at_sentence_ends_and_structural_starts() -> None:
    lines = [
        "现就有关事项通知如下:",
        "一、进一步提高政治站位",
        "建议提案是宪法、法律和政协章程赋予人大",
        "代表和政协委员的重要形式。",
        "（一）及时受领分办。自治区政府系统承办",
        "的建议提案,已由督查室分办。",
        "第一条 为了贯彻落实国务院《条例》，",
        "制定本办法。",
        "附件：主要任务清单",
    ]
    assert to_paragraphs(lines) == [
        "现就有关事项通知如下:",
        "一、进一步提高政治站位",
        "建议提案是宪法、法律和政协章程赋予人大代表和政协委员的重要形式。",
        "（一）及时受领分办。自治区政府系统承办的建议提案,已由督查室分办。",
        "第一条 为了贯彻落实国务院《条例》，制定本办法。",
        "附件：主要任务清单",
    ]


def test_signature_date_and_publication_note_are_paragraphs_of_their_own() -> None:
    lines = ["请认真贯彻执行。", "宁夏回族自治区人民政府", "2020 年4 月30 日", "(此件公开发布)"]
    assert to_paragraphs(lines) == [
        "请认真贯彻执行。",
        "宁夏回族自治区人民政府",
        "2020年4月30日",
        "(此件公开发布)",
    ]


def test_signature_is_not_glued_to_an_unpunctuated_line_above() -> None:
    lines = ["7.提案办理情况征询意见表(略)", "宁夏回族自治区人民政府办公厅", "2020年5月22日"]
    assert to_paragraphs(lines) == [
        "7.提案办理情况征询意见表(略)",
        "宁夏回族自治区人民政府办公厅",
        "2020年5月22日",
    ]


def test_table_rows_are_never_joined() -> None:
    lines = ["主要任务清单", "主要任务\t主要措施\t完成时限", "(一)坚持问题导向\t1.健全机制\t长期"]
    assert to_paragraphs(lines) == [
        "主要任务清单",
        "主要任务\t主要措施\t完成时限",
        "(一)坚持问题导向\t1.健全机制\t长期",
    ]


def test_latin_words_broken_over_lines_get_their_space_back() -> None:
    assert to_paragraphs(["see the", "appendix."]) == ["see the appendix."]


# Keys moved to extractors.keys (one key module); the spellings stay tested here and in test_keys.py.
@pytest.mark.parametrize(
    "raw",
    ["宁政办发[2023]24号", "宁政办发［2023］24 号", "宁政办发【2023】24号", "宁政办发〔２０２３〕２４号"],
)
def test_document_number_keys_fold_bracket_widths_digits_and_whitespace(raw: str) -> None:
    assert doc_number_key(raw) == "宁政办发〔2023〕24号"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("各市、县 (区)人民政府", "各市、县（区）人民政府"),
        (
            "《宁夏回族自治区实施〈残疾预防和残疾人康复条例〉办法》",
            "宁夏回族自治区实施《残疾预防和残疾人康复条例》办法",
        ),
    ],
)
def test_title_match_keys_fold_bracket_widths_and_whitespace(one: str, other: str) -> None:
    assert title_match_key(one) == title_match_key(other)


def test_normalized_text_is_equal_across_layouts_of_the_same_text() -> None:
    from_pdf = "各市、县 (区)人民政府,\n自治区政府各部门：\n宁政办发［2023］24 号"
    from_html = "各市、县（区）人民政府，自治区政府各部门：宁政办发〔2023〕24号"
    assert normalized_text(from_pdf) == normalized_text(from_html)


def test_normalized_text_keeps_every_meaningful_character() -> None:
    assert normalized_text("“证照分离”改革。") == '"证照分离"改革。'


@pytest.mark.parametrize(
    ("line", "date", "number", "toc"),
    [
        ("2023年11月27日", True, False, False),
        ("二〇二三年十一月二十七日", True, False, False),
        ("宁政办发〔2023〕50号", False, True, False),
        ("宁政办发[2023]50号", False, True, False),
        ("(宁政办发〔2023〕53号)……………(19)", False, False, True),
        ("(宁夏回族自治区人民政府令第130号) (3)", False, False, True),
        ("自2024年2月1日起施行。", False, False, False),
    ],
)
def test_line_kinds(line: str, date: bool, number: bool, toc: bool) -> None:
    assert (is_date_line(line), is_doc_number_line(line), is_toc_entry_line(line)) == (date, number, toc)
