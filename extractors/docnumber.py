"""Document numbers (发文字号) and order numbers (令号).

A document number is the key that identifies an official document across republications:
issuer code + year in 〔〕 + serial + 号 (宁政办发〔2023〕24号). Printed text spoils it in
predictable ways: brackets of every width (〔〕 ［］ [] （） ()), spaces inside ("宁政函 〔2020〕36
号"), a line break anywhere. Government orders are numbered differently: the order header
names the government (宁夏回族自治区人民政府令) and a serial follows (第130号), with no year.
Everything here folds those variants into one normalized spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ExtractionError
from extractors.dates import cn_small_number

_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_OPEN = "〔［\\[（(【｛{"
_CLOSE = "〕］\\]）)】｝}"
_S = r"\s*"

# Issuer codes are CJK abbreviations (宁政办发, 国办发, 发改基础, 宁发改法规), never split by a line
# break (a title line must not glue onto the number line below it). In running text the match
# may start a few characters early (根据宁政发…); `_trim_code` removes such lead-ins.
DOC_NUMBER_RE = re.compile(
    rf"(?P<code>[\u4e00-\u9fff](?:[ \t\u3000]*[\u4e00-\u9fff]){{0,11}}){_S}[{_OPEN}]{_S}"
    rf"(?P<year>(?:19|20)\d{_S}\d){_S}[{_CLOSE}]{_S}第?{_S}(?P<serial>\d{{1,5}}(?:{_S}\d){{0,4}}){_S}号"
)
ORDER_NUMBER_RE = re.compile(
    rf"(?P<code>[\u4e00-\u9fff]{{1,24}}令){_S}[（(]?{_S}第{_S}"
    rf"(?P<serial>\d(?:{_S}\d){{0,4}}|[一二三四五六七八九十百千零〇两]{{1,8}}){_S}号"
)

# Words that end up glued in front of a code in running text ("根据宁政发〔2020〕5号").
_LEAD_INS = (
    "为认真贯彻落实",
    "为贯彻落实",
    "贯彻落实",
    "为落实",
    "根据",
    "按照",
    "依据",
    "依照",
    "参照",
    "遵照",
    "执行",
    "落实",
    "贯彻",
    "印发",
    "转发",
    "详见",
    "文件",
    "以及",
    "并",
    "和",
    "及",
    "与",
    "或",
    "见",
    "即",
    "的",
    "将",
    "对",
    "由",
    "经",
    "在",
    "号",
    "等",
    "了",
    "是",
    "之",
    "其",
)

_TYPE_LEAD_RE = re.compile(
    r"^(?:通知|批复|意见|决定|办法|方案|函|报告|请示|通报|公告|通告|规定|细则|措施|要点)(?=..)"
)


class DocNumberError(ExtractionError):
    """A string offered as a document number that is not one."""


@dataclass(frozen=True)
class DocNumber:
    """A document number in its normalized spelling, with its parts.

    `year` is None for government orders, which carry a serial only
    (宁夏回族自治区人民政府令第130号).
    """

    normalized: str
    issuer_code: str
    year: int | None
    serial: int

    @property
    def is_order(self) -> bool:
        return self.year is None


@dataclass(frozen=True)
class FoundDocNumber:
    """A document number found in a text, with its position in that text."""

    number: DocNumber
    start: int
    end: int


def _squeeze(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _trim_code(code: str) -> str:
    code = _squeeze(code)
    if "的" in code:  # a title glued in front: …的批复宁政函 → 宁政函
        code = code[code.rindex("的") + 1 :]
        code = _TYPE_LEAD_RE.sub("", code) or code
    changed = True
    while changed and len(code) > 2:
        changed = False
        for word in _LEAD_INS:
            if code.startswith(word) and len(code) - len(word) >= 2:
                code = code[len(word) :]
                changed = True
                break
    return code


def _from_match(m: re.Match[str], *, order: bool) -> DocNumber | None:
    code = _trim_code(m["code"])
    serial = cn_small_number(m["serial"])
    if not serial:
        return None
    if order:
        return DocNumber(f"{code}第{serial}号", code, None, serial)
    year = int(_squeeze(m["year"]))
    return DocNumber(f"{code}〔{year}〕{serial}号", code, year, serial)


def parse_doc_number(s: str) -> DocNumber | None:
    """The document number that `s` spells as a whole (surrounding brackets aside), else None.

    "宁政办发[2023]50 号" → 宁政办发〔2023〕50号; "宁夏回族自治区人民政府令 第130号" →
    宁夏回族自治区人民政府令第130号. A leading label (发文字号：) is accepted.
    """
    t = s.translate(_FULLWIDTH_DIGITS).strip()
    t = re.sub(r"^(?:发文字号|文号)\s*[:：]\s*", "", t)
    t = t.strip(" \t\r\n（）()")
    m = DOC_NUMBER_RE.fullmatch(t)
    if m:
        return _from_match(m, order=False)
    m = ORDER_NUMBER_RE.fullmatch(t)
    if m:
        return _from_match(m, order=True)
    return None


def require_doc_number(s: str) -> DocNumber:
    """Like `parse_doc_number`, for callers that treat a bad number as an error."""
    number = parse_doc_number(s)
    if number is None:
        raise DocNumberError(f"not a document number: {s.strip()[:60]!r}")
    return number


# Anchors for searching long texts: a bracketed year, and 令 before 第. Trying the full
# patterns at every CJK character would cost a dozen steps per character of a document.
_YEAR_ANCHOR_RE = re.compile(rf"[{_OPEN}]{_S}(?:19|20)\d{_S}\d{_S}[{_CLOSE}]")
_ORDER_ANCHOR_RE = re.compile(rf"令{_S}[（(]?{_S}第")
_LOOKBACK = 48


def _scan(t: str, anchor: re.Pattern[str], regex: re.Pattern[str], order: bool) -> list[FoundDocNumber]:
    found: list[FoundDocNumber] = []
    resume = 0
    for a in anchor.finditer(t):
        if a.start() < resume:
            continue
        lo = max(resume, a.start() - _LOOKBACK)
        # The earliest start from which the full pattern reaches this anchor's number.
        for start in range(lo, a.start() + 1):
            m = regex.match(t, start)
            if m and m.start() <= a.start() < m.end():
                number = _from_match(m, order=order)
                if number is not None:
                    found.append(FoundDocNumber(number, m.start(), m.end()))
                    resume = m.end()
                break
    return found


def find_doc_numbers(text: str) -> list[FoundDocNumber]:
    """Every document or order number in `text`, in order of position.

    Positions refer to `text` as given; the matched span may include a few lead-in characters
    that the normalized number leaves out.
    """
    t = text.translate(_FULLWIDTH_DIGITS)
    found = _scan(t, _YEAR_ANCHOR_RE, DOC_NUMBER_RE, False) + _scan(
        t, _ORDER_ANCHOR_RE, ORDER_NUMBER_RE, True
    )
    found.sort(key=lambda f: f.start)
    return found
