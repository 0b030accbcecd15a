"""Document numbers (发文字号): one normalized spelling whatever the printed noise."""

import pytest

from extractors.docnumber import (
    DocNumber,
    DocNumberError,
    find_doc_numbers,
    parse_doc_number,
    require_doc_number,
)


@pytest.mark.parametrize(
    ("printed", "normalized", "code", "year", "serial"),
    [
        ("宁政办发〔2023〕24号", "宁政办发〔2023〕24号", "宁政办发", 2023, 24),
        ("宁政办发[2023]50 号", "宁政办发〔2023〕50号", "宁政办发", 2023, 50),  # ASCII brackets, space
        ("宁政办发［2023］50号", "宁政办发〔2023〕50号", "宁政办发", 2023, 50),  # full-width square
        ("固政办规发（2020）3号", "固政办规发〔2020〕3号", "固政办规发", 2020, 3),  # round brackets
        ("宁政函 〔2020〕36号", "宁政函〔2020〕36号", "宁政函", 2020, 36),
        ("国办发〔2023〕29号", "国办发〔2023〕29号", "国办发", 2023, 29),
        ("发改基础 〔2017〕120号", "发改基础〔2017〕120号", "发改基础", 2017, 120),
        ("宁政规发〔2020〕5号", "宁政规发〔2020〕5号", "宁政规发", 2020, 5),
        ("彭政办发〔2020〕60号", "彭政办发〔2020〕60号", "彭政办发", 2020, 60),
        ("宁政函 〔2015〕198\n号", "宁政函〔2015〕198号", "宁政函", 2015, 198),  # 号 on the next line
        ("（宁政规发〔2020〕5号）", "宁政规发〔2020〕5号", "宁政规发", 2020, 5),  # as a 目录 prints it
        (
            "发文字号：宁政办发〔2023〕24 号",
            "宁政办发〔2023〕24号",
            "宁政办发",
            2023,
            24,
        ),  # a web page's label
    ],
)
def test_document_numbers_normalize_to_full_width_brackets_without_spaces(
    printed: str, normalized: str, code: str, year: int, serial: int
) -> None:
    assert parse_doc_number(printed) == DocNumber(normalized, code, year, serial)


def test_an_order_number_has_the_government_as_code_and_no_year() -> None:
    number = parse_doc_number("宁夏回族自治区人民政府令 第130号")
    assert number == DocNumber("宁夏回族自治区人民政府令第130号", "宁夏回族自治区人民政府令", None, 130)
    assert number.is_order


def test_an_order_header_spread_over_two_lines_is_one_number() -> None:
    number = parse_doc_number("宁夏回族自治区人民政府令\n\n第 130 号")
    assert number is not None and number.normalized == "宁夏回族自治区人民政府令第130号"


def test_order_serials_written_in_chinese_numerals() -> None:
    number = parse_doc_number("国务院令第一百三十号")
    assert number is not None and number.serial == 130


@pytest.mark.parametrize(
    "printed", ["宁政办发〔2023〕", "〔2023〕24号", "2023年6月20日", "第130号", "宁政办发〔23〕1号"]
)
def test_incomplete_numbers_are_not_numbers(printed: str) -> None:
    assert parse_doc_number(printed) is None


def test_require_doc_number_raises_a_one_line_error() -> None:
    with pytest.raises(DocNumberError, match="not a document number"):
        require_doc_number("各市、县（区）人民政府")


def test_numbers_in_running_text_drop_the_words_glued_in_front() -> None:
    text = "请示》 (宁交发\n\n〔2020〕12号)收悉。根据宁政发〔2020〕5号文件和国务院令第588号办理。"
    found = [f.number.normalized for f in find_doc_numbers(text)]
    assert found == ["宁交发〔2020〕12号", "宁政发〔2020〕5号", "国务院令第588号"]


def test_a_title_line_above_a_number_line_does_not_glue_onto_its_code() -> None:
    found = find_doc_numbers("关于某事的更正\n宁政办函〔2024〕9号")
    assert [f.number.issuer_code for f in found] == ["宁政办函"]
