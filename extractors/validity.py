"""When a document takes effect and when it expires, as its own text states it.

The clauses are formulaic: 自2024年2月1日起施行; 自印发之日起施行 (effective on the date of
issue); 有效期至2025年6月17日; 有效期5年 / 有效期为五年 / 试行两年 (a period from the effective
date). A validity status "as of" any date is computed downstream from these three facts.

Convention for periods: a document valid for N years from its effective date E stays in
force through the day before the N-th anniversary of E, so expiry = E + N years − 1 day
(自2024年2月1日起施行，有效期5年 → expires 2029-01-31). When the text gives no effective date,
the issued date (成文日期) is the start. A period that would end on 29 February of a common
year ends on 28 February (自2024年3月1日起，有效期1年 → 2025-02-28).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from extractors.dates import DATE_PATTERN, add_years, cn_small_number, parse_cn_date

_DATE = DATE_PATTERN.replace("?P<year>", "?:").replace("?P<month>", "?:").replace("?P<day>", "?:")
_DATE = _DATE.replace("?P<marker>", "?:")
_TAKES_EFFECT = r"(?:施行|实施|执行|生效|试行)"
_ON_ISSUE_WORDS = r"(?:印发|发布|公布|下发|签发|颁布|发文)"

# 起 may be left out before the verb ("自2019年2月1日实施"), never elsewhere.
# 自印发之日起30日后施行: a delay after the event (the day of the event plus N days).
_EFFECTIVE_RE = re.compile(
    rf"[自从于](?:(?P<date>{_DATE})|(?P<event>{_ON_ISSUE_WORDS})之日)(?:起|(?={_TAKES_EFFECT}))"
    r"(?:满?(?P<delay>\d{1,3}|[一二三四五六七八九十百]{1,4})(?:日|天)(?:后|以后|之后))?"
    rf"(?:至(?P<until>{_DATE})止?)?(?P<verb>{_TAKES_EFFECT})?"
)
# Events dated by the 版记's print line (…办公室 2024年3月5日印发) when the text has one.
_PRINT_EVENTS = ("印发", "下发", "发文")
_EXPIRY_RE = re.compile(
    rf"有效期(?:限)?(?:至|到|截至|截止到?|截止至)(?P<date>{_DATE})"
    # 有效期自2024年1月1日至2028年12月31日 / 有效期为2024年1月1日至2028年12月31日
    rf"|有效期(?:限)?(?:为|是)?[自从]?(?P<start>{_DATE})起?(?:至|到)(?P<date2>{_DATE})止?"
    # …施行，至2028年12月31日废止 / 到2028年12月31日自动失效
    rf"|(?:至|到)(?P<date3>{_DATE})(?:止|废止|自动废止|失效|自动失效)(?!前)"
)
_PERIOD_RE = re.compile(r"(?:有效期(?:限)?|试行期?)(?:为|是)?(?P<n>\d{1,2}|[一二三四五六七八九十两]{1,2})年")
_SENTENCE_END = "。；;！？\n"
_SCOPE_RE = re.compile(rf"^本|{_TAKES_EFFECT}")


@dataclass
class Validity:
    """The validity facts a text states, and what could not be settled."""

    effective_date: date | None = None
    effective_on_issue: bool = False
    expiry_date: date | None = None
    problems: list[str] = field(default_factory=list)


def _sentence_at(text: str, start: int, end: int) -> str:
    lo = max((text.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    hi_candidates = [i for i in (text.find(ch, end) for ch in _SENTENCE_END) if i != -1]
    hi = min(hi_candidates) if hi_candidates else len(text)
    return text[lo:hi]


def _about_document(sentence: str) -> bool:
    """Only clauses about the document itself count (本办法…施行), not a licence's validity."""
    return bool(_SCOPE_RE.search(sentence))


def period_expiry(start: date, years: int) -> date:
    """Last day in force of a period of `years` years starting on `start` (see module doc)."""
    return add_years(start - timedelta(days=1), years)


def find_validity(text: str, issued: date | None = None, *, printed: date | None = None) -> Validity:
    """Effective date, effective-on-issue flag and expiry date stated by `text`.

    `issued` is the document's 成文日期; it starts a period when no effective date is written.
    `printed` is the date of the 版记's print line (…2024年3月5日印发): 自印发之日起施行 means
    that day, which is often days after the signature; without a print line the 成文日期
    stands in. The first clause that states each fact wins; a later clause that states a
    different effective date is reported as a problem.
    """
    flat = re.sub(r"[ \t\u3000\u00a0\r]+", "", text)
    flat = re.sub(r"\n+", "", flat)
    result = Validity()
    effective_seen: set[date] = set()
    for m in _EFFECTIVE_RE.finditer(flat):
        if not (m["verb"] or m["until"]):
            continue
        delay = timedelta(days=cn_small_number(m["delay"]) or 0) if m["delay"] else None
        if m["date"]:
            value = parse_cn_date(m["date"])
            if value is None:
                continue
            value = value + delay if delay else value
            effective_seen.add(value)
            if result.effective_date is None and not result.effective_on_issue:
                result.effective_date = value
        elif not result.effective_on_issue and result.effective_date is None:
            on = printed if printed is not None and m["event"] in _PRINT_EVENTS else issued
            result.effective_on_issue = delay is None
            result.effective_date = on + delay if on is not None and delay else on
            if on is None:
                result.problems.append(f"effective on {m['event']} but issued date unknown")
        if m["until"] and result.expiry_date is None:
            result.expiry_date = parse_cn_date(m["until"])
    if len(effective_seen) > 1:
        listed = ", ".join(sorted(d.isoformat() for d in effective_seen))
        result.problems.append(f"conflicting effective dates: {listed}")

    for m in _EXPIRY_RE.finditer(flat):
        if result.expiry_date is not None:
            break
        if m["date3"] and flat[max(0, m.start() - 1)] == "起":
            continue  # 自…起至…止: the effective clause's own range, read above
        if _about_document(_sentence_at(flat, m.start(), m.end())):
            result.expiry_date = parse_cn_date(m["date"] or m["date2"] or m["date3"])
            if m["start"] and result.effective_date is None:
                result.effective_date = parse_cn_date(m["start"])

    if result.expiry_date is None:
        for m in _PERIOD_RE.finditer(flat):
            if not _about_document(_sentence_at(flat, m.start(), m.end())):
                continue
            years = cn_small_number(m["n"])
            start = result.effective_date or issued
            if not years:
                continue
            if start is None:
                result.problems.append(f"valid for {years} years but no start date")
            else:
                result.expiry_date = period_expiry(start, years)
            break
    return result
