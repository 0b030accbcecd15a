"""Running headers and footers leave the text; printed page numbers stay as page metadata.

These pages are plain text (as a text dump or an HTML article gives them): the
first and last lines are the only candidates, and a header counts as running
only when it repeats, digits masked, on neighbouring pages.
"""

from __future__ import annotations

import pytest

from extractors.furniture import FramedPage, page_number_of, strip_furniture, strip_stream
from extractors.model import Page

BODY = [
    "为深入贯彻落实党中央、国务院决策部署，进一步优化营商环境，",
    "结合自治区实际，制定本方案。",
    "各市、县（区）人民政府要高度重视，切实加强组织领导。",
]


def _pages(header: str | None, footer: str | None, count: int = 4, first: int = 11) -> list[Page]:
    pages = []
    for i in range(count):
        n = first + i
        lines = []
        if header:
            lines.append(header.format(n=n, issue=2))
        lines += [f"第{n}页正文：{BODY[i % 3]}", *BODY[i % 3 :], *BODY[: i % 3]]
        if footer:
            lines.append(footer.format(n=n))
        pages.append(Page(index=i, text="\n".join(lines)))
    return pages


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("— 3 —", 3),
        ("—3—", 3),
        ("- 12 -", 12),
        ("－ 7 －", 7),
        ("·5·", 5),
        ("· 1558 ·", 1558),
        ("第3页", 3),
        ("第 3 页 共 10 页", 3),
        ("3/10", 3),
        ("42", 42),
        ("3.", None),  # a compilation entry number standing alone on its line
        ("(3)", None),  # a table-of-contents page reference
        ("第130号", None),
        ("2024年1月31日", None),
    ],
)
def test_page_number_forms(line, number):
    assert page_number_of(line) == number


@pytest.mark.parametrize("footer", ["— {n} —", "- {n} -", "·{n}·", "第{n}页", "{n}"])
def test_footer_page_numbers_become_metadata(footer):
    pages = strip_furniture(_pages(header=None, footer=footer))
    assert [p.printed_number for p in pages] == [11, 12, 13, 14]
    for page in pages:
        assert page.text.splitlines()[-1] in BODY


def test_running_header_with_a_varying_number_is_removed():
    header = "宁夏回族自治区人民政府公报 2024年第{issue}期 总第73{n}期"
    pages = strip_furniture(_pages(header=header, footer="— {n} —"))
    for page in pages:
        assert page.text.splitlines()[0].startswith(f"第{page.printed_number}页正文")
        assert "公报" not in page.text


def test_header_that_carries_the_page_number_gives_it():
    pages = strip_furniture(_pages(header="{n}  宁夏回族自治区人民政府公报", footer=None))
    assert [p.printed_number for p in pages] == [11, 12, 13, 14]
    assert all("公报" not in p.text for p in pages)


def test_odd_and_even_pages_may_alternate_two_headers():
    pages = _pages(header=None, footer="— {n} —", count=6)
    for page in pages:
        header = "宁夏回族自治区人民政府公报" if page.index % 2 else "2024年第2期"
        page.text = header + "\n" + page.text
    stripped = strip_furniture(pages)
    assert all(p.text.startswith("第") for p in stripped)


def test_a_first_line_that_does_not_repeat_is_body_text():
    pages = _pages(header=None, footer="— {n} —", count=3)
    pages[1].text = "宁夏回族自治区人民政府令\n" + pages[1].text
    stripped = strip_furniture(pages)
    assert stripped[1].text.splitlines()[0] == "宁夏回族自治区人民政府令"


def test_a_single_page_keeps_its_title_and_loses_only_its_page_number():
    page = Page(index=0, text="关于印发实施方案的通知\n" + "\n".join(BODY) + "\n— 5 —")
    (out,) = strip_furniture([page])
    assert out.text == "关于印发实施方案的通知\n" + "\n".join(BODY)
    assert out.printed_number == 5


def test_entry_numbers_and_toc_references_are_not_page_numbers():
    text = "3.\n宁夏回族自治区市场监管厅关于印发优化营商环境措施的通知\n" + "\n".join(BODY) + "\n(6)"
    (out,) = strip_furniture([Page(index=0, text=text)])
    assert out.text == text
    assert out.printed_number is None


def test_pages_without_text_pass_through_flagged():
    pages = _pages(header=None, footer="— {n} —", count=3)
    pages.insert(1, Page(index=9, text="", has_text=False, has_images=True))
    out = strip_furniture(pages)
    assert out[1] == Page(index=9, text="", has_text=False, has_images=True)
    assert [p.printed_number for p in out] == [11, None, 12, 13]


def test_blank_lines_inside_the_body_are_kept():
    page = Page(index=0, text="第一段\n\n第二段\n— 2 —")
    (out,) = strip_furniture([page])
    assert out.text == "第一段\n\n第二段"


def test_streaming_gives_the_same_result_as_the_whole_list():
    pages = _pages(header="宁夏回族自治区人民政府公报 2024年第{issue}期", footer="— {n} —", count=9)
    streamed = list(strip_stream(_framed(p) for p in pages))
    assert streamed == strip_furniture(pages)


def _framed(page: Page) -> FramedPage:
    lines = page.text.splitlines()
    return FramedPage(page=page, top=lines[:2], body=lines[2:-2], bottom=lines[-2:])


def test_a_running_header_with_its_page_number_at_the_end_is_furniture() -> None:
    """Even pages print the number after the gazette's name; reading it used to raise ValueError."""
    pages = strip_furniture(_pages(header="宁夏回族自治区人民政府公报  {n}", footer=None))
    assert [page.printed_number for page in pages] == list(range(11, 11 + len(pages)))
    assert all("公报" not in page.text for page in pages)
    assert page_number_of("— 12 —") == 12 and page_number_of("宁夏回族自治区人民政府公报 12") is None
