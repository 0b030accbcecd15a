"""JSON listings (issue 14 #3): an API's pages read by dotted keys, validated like HTML listings.

The saved API answers are constructed (tests/fixtures/sources/README.md); the walk over them is
in tests/test_source_cases.py. Here: the parser's edges and the config's messages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.listing import ListingLayoutError, SourceConfigError, load_source, parse_listing

CASE = Path(__file__).resolve().parent / "fixtures" / "sources" / "json-api"
START = "http://www.api-example.gov.cn/api/zcwj/list?channelId=1201&pageNo=1&pageSize=3"


def _answer(**data: object) -> bytes:
    return json.dumps({"code": 200, "data": data}, ensure_ascii=False).encode()


def test_items_fields_and_the_next_page_come_from_the_answer() -> None:
    source = load_source(CASE / "source.yaml")
    body = _answer(
        total=4,
        totalPage=2,
        list=[
            {"title": "关于印发某方案的通知", "pubDate": "2024-03-20 16:30:00", "url": "/zcwj/t1.html"},
            {"title": "外站链接", "pubDate": "2024-03-19", "url": "https://www.gov.cn/zhengce/t2.html"},
            {"title": "没有日期的条目", "url": "./t3.html"},
        ],
    )

    page = parse_listing(body, START, source, listing="policy")

    assert [(item.url, item.title, item.date) for item in page.items] == [
        ("http://www.api-example.gov.cn/zcwj/t1.html", "关于印发某方案的通知", "2024-03-20")
    ]
    assert sorted(r.reason for r in page.rejected) == ["host not in allowed_hosts", "missing field(s) date"]
    assert page.next_url == START.replace("pageNo=1", "pageNo=2")
    assert page.pager is not None and (page.pager.pages, page.pager.items, page.entries) == (2, 4, 3)
    last = parse_listing(body, START.replace("pageNo=1", "pageNo=2"), source, listing="policy")
    assert last.next_url is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>502 Bad Gateway</html>", "expects JSON"),
        (_answer(total=0, totalPage=0, list=[]), "is an empty list"),
        (
            _answer(totalPage=1, list=[{"title": "t", "pubDate": "2024-01-01", "url": "/a.html"}]),
            "total_path",
        ),
        (_answer(total=1, totalPage=1, list=[{"title": "t", "link": "/a.html"}]), "has a link at 'url'"),
    ],
)
def test_an_api_that_changed_is_a_layout_error(body: bytes, message: str) -> None:
    with pytest.raises(ListingLayoutError, match=message):
        parse_listing(body, START, load_source(CASE / "source.yaml"), listing="policy")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("    items_path: data.list\n", ""), r"listings\[0\].items_path: required for format: json"),
        (
            ("    items_path: data.list\n", '    items_path: data.list\n    item_selector: "li"\n'),
            r"listings\[0\].item_selector: is for HTML listings",
        ),
        (
            ("title: {path: title, required: true}", 'title: {selector: "a"}'),
            r"listings\[0\].fields.title: a JSON listing reads a field by path",
        ),
        (
            ("      total_path: data.total\n      pages_path: data.totalPage\n", ""),
            r"listings\[0\].pagination.page_param: needs total_path or pages_path",
        ),
        (("format: json", "format: xml"), r"listings\[0\].format: 'xml' is not one of html, json"),
    ],
)
def test_a_json_listing_config_error_names_the_file_the_key_and_the_fix(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = (CASE / "source.yaml").read_text(encoding="utf-8")
    assert change[0] in text
    (tmp_path / "api.yaml").write_text(text.replace(change[0], change[1]), encoding="utf-8")

    with pytest.raises(SourceConfigError, match=r"api\.yaml: " + message):
        load_source(tmp_path / "api.yaml")
