"""Dates as Chinese official documents write them.

A document's dates come in several hands: Arabic numerals ("2023年6月20日"), Chinese
numerals on signature blocks ("二〇二三年六月二十日"), PDF-extraction noise ("2023 年6 月20
日", a date spread over several lines), full-width digits, and the occasional missing 日
("2023年3月23"). These helpers turn all of them into `datetime.date` and report where a date
stood, so that the metadata stage can tell the signature date from dates cited in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core.errors import ExtractionError

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "O": 0,
    "0": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_DIGIT_CLASS = "〇○零Ｏ一二三四五六七八九"
_CN_SMALL = "[一二三四五六七八九十两]{1,3}"

# Whitespace may sit between every token: PDF text puts spaces and line breaks there.
_S = r"\s*"
_YEAR = rf"(?P<year>\d{_S}\d{_S}\d{_S}\d|[{_CN_DIGIT_CLASS}]{{4}})"
_MONTH = rf"(?P<month>\d{{1,2}}|{_CN_SMALL})"
_DAY = rf"(?P<day>\d{{1,2}}|{_CN_SMALL})"
# The day marker may be missing; then the day must not run on into more digits.
DATE_PATTERN = rf"{_YEAR}{_S}年{_S}{_MONTH}{_S}月{_S}{_DAY}(?:{_S}(?P<marker>[日号])|(?!\s*\d))"
DATE_RE = re.compile(DATE_PATTERN)
_ISO_RE = re.compile(r"(\d{4})\s*[-./]\s*(\d{1,2})\s*[-./]\s*(\d{1,2})")


class DateError(ExtractionError):
    """A string that looks like a date but names no day of the calendar."""


@dataclass(frozen=True)
class DateMatch:
    """A date found in a text: where it stood and whether its 日 was written."""

    value: date
    start: int
    end: int
    text: str
    has_day_marker: bool


def cn_small_number(s: str) -> int | None:
    """Value of a small Chinese or Arabic numeral (1–9999): 十一 → 11, 二十 → 20, 三十一 → 31.

    Also reads digit-by-digit spellings (二〇二三 → 2023, 一三〇 → 130), which is how years and
    document serials are written.
    """
    s = re.sub(r"\s+", "", s).translate(_FULLWIDTH_DIGITS)
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if all(ch in _CN_DIGITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    units = {"十": 10, "百": 100, "千": 1000}
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
        else:
            return None
    return total + current


def _to_date(year: str, month: str, day: str) -> date | None:
    y, m, d = cn_small_number(year), cn_small_number(month), cn_small_number(day)
    if y is None or m is None or d is None:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_cn_date(s: str) -> date | None:
    """The date a string spells, or None when it spells none (or an impossible day).

    Accepts the whole string only (surrounding brackets and whitespace aside), so that
    "2023年6月20日前" is not mistaken for a date: use `find_dates` to search running text.
    Also accepts ISO-like forms (2023-06-20, 2023.6.20) as government websites print them.
    """
    t = s.strip().translate(_FULLWIDTH_DIGITS).strip("（）()[]〔〕［］【】 \t\r\n")
    m = DATE_RE.fullmatch(t)
    if m:
        return _to_date(m["year"], m["month"], m["day"])
    m = _ISO_RE.fullmatch(t)
    if m:
        return _to_date(*m.groups())
    return None


def find_dates(text: str) -> list[DateMatch]:
    """Every full date (year, month and day) in `text`, in order, with its position."""
    t = text.translate(_FULLWIDTH_DIGITS)  # same length: positions stay valid
    found: list[DateMatch] = []
    for m in DATE_RE.finditer(t):
        value = _to_date(m["year"], m["month"], m["day"])
        if value is not None:
            found.append(DateMatch(value, m.start(), m.end(), text[m.start() : m.end()], bool(m["marker"])))
    return found


def add_years(start: date, years: int) -> date:
    """The same calendar day `years` later; 29 February lands on 28 February in common years."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def first_date(text: str) -> date | None:
    """The first date written anywhere in `text`, Chinese or ISO-like ("2024-03-05 10:20:00").

    For the values of a web page's label block, which wrap the date in times, weekdays or
    brackets; running text should use `find_dates`, which says where each date stood.
    """
    t = (text or "").translate(_FULLWIDTH_DIGITS)
    chinese = DATE_RE.search(t)
    iso = _ISO_RE.search(t)
    candidates = []
    if chinese:
        candidates.append((chinese.start(), _to_date(chinese["year"], chinese["month"], chinese["day"])))
    if iso:
        candidates.append((iso.start(), _to_date(*iso.groups())))
    for _start, value in sorted(candidates, key=lambda c: c[0]):
        if value is not None:
            return value
    return None
