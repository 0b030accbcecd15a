"""Dates as official documents print them, and the noise PDF extraction adds to them."""

from datetime import date

import pytest

from extractors.dates import add_years, cn_small_number, find_dates, parse_cn_date


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("2023年6月20日", date(2023, 6, 20)),
        ("二〇二三年六月二十日", date(2023, 6, 20)),  # signature blocks spell dates out
        ("二○二○年十二月三十一日", date(2020, 12, 31)),  # ○ (a circle) stands in for 〇
        ("2023 年6 月20 日", date(2023, 6, 20)),  # spaces PDF extraction puts inside
        ("2023\n 年\n5\n 月\n19\n 日", date(2023, 5, 19)),  # a date spread over six lines
        ("２０２３年６月２０日", date(2023, 6, 20)),  # full-width digits
        ("（2023年6月20日）", date(2023, 6, 20)),  # a compilation entry's bracketed date
        ("2023年3月23", date(2023, 3, 23)),  # 日 missing: the day is still read
        ("2023-06-20", date(2023, 6, 20)),  # websites print ISO dates
    ],
)
def test_a_printed_date_is_read_whatever_its_hand(printed: str, expected: date) -> None:
    assert parse_cn_date(printed) == expected


@pytest.mark.parametrize(
    "printed", ["2023年2月30日", "2023年13月1日", "2023年6月", "2023年6月20日前", "", "日期"]
)
def test_what_names_no_single_day_is_not_a_date(printed: str) -> None:
    assert parse_cn_date(printed) is None


def test_find_dates_reports_each_full_date_with_its_position_and_day_marker() -> None:
    text = "请于2023 年3 月31\n日前报送，2023年11月24日完成，落款2023年3月23"
    found = find_dates(text)
    assert [d.value for d in found] == [date(2023, 3, 31), date(2023, 11, 24), date(2023, 3, 23)]
    assert text[found[0].start : found[0].end] == "2023 年3 月31\n日"
    assert [d.has_day_marker for d in found] == [True, True, False]


def test_month_precision_deadlines_are_not_dates() -> None:
    assert find_dates("2020年底前完成，2024年3月底前发布") == []


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("三十一", 31),
        ("两", 2),
        ("二〇二三", 2023),
        ("一百三十", 130),
        ("5", 5),
    ],
)
def test_chinese_numerals_used_in_dates_and_serials(numeral: str, value: int) -> None:
    assert cn_small_number(numeral) == value


def test_add_years_keeps_the_calendar_day_and_folds_29_february() -> None:
    assert add_years(date(2024, 2, 1), 5) == date(2029, 2, 1)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
