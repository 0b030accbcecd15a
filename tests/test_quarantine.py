"""Implausible bodies are quarantined, never versions (issue 17, items 1 and 8).

The end-to-end cases (a server announcing half the length, a login page served with 200, a
publisher's revert) run through the monitor against a misbehaving proxy in
tests/faults/test_site_faults.py; here are the rules one by one, and the comparison with the
last good copy of the same publication through the loader.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples

from extractors.plausibility import implausible_body, truncated_utf8
from warehouse.connect import open_warehouse
from warehouse.load import QuarantineError, load_issue

# Constructed pages modelled on the replica's CMS article template (replica/site.py).
ARTICLE = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
    "<title>自治区人民政府关于推进统一身份认证平台建设的通知_政策文件</title></head><body>"
    '<div class="article-content">'
    + "<p>各市、县（区）人民政府，自治区政府各部门：为推进政务服务“一网通办”，建设全区统一身份认证平台。</p>"
    * 20
    + "</div></body></html>"
).encode()
# A firewall's block page (constructed, after the block pages of products that front government
# sites): a title, two sentences, an incident id.
WAF_PAGE = (
    '<html><head><meta charset="utf-8"><title>访问被拦截</title></head><body><h1>网站防火墙</h1>'
    "<p>您的访问请求可能对网站造成安全威胁，请求已被拦截。</p><p>事件ID：8c1f2e</p></body></html>"
).encode()


def test_a_document_page_is_plausible_even_when_it_is_about_identity_platforms() -> None:
    assert implausible_body(ARTICLE, "text/html; charset=utf-8") is None


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (ARTICLE[: ARTICLE.index("平台".encode()) + 2], "text/html", "UTF-8 character"),
        (ARTICLE[: ARTICLE.index(b"</div>")], "text/html", "</html>"),
        (WAF_PAGE, "text/html", "firewall"),
        (
            b"<html><head><title>\xe7\xbb\x9f\xe4\xb8\x80\xe8\xba\xab\xe4\xbb\xbd\xe8\xae\xa4\xe8\xaf\x81"
            b"\xe5\xb9\xb3\xe5\x8f\xb0</title></head><body><div id=app></div><script src=/sso.js></script>"
            b"</body></html>",
            "text/html",
            "login",
        ),
        (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "application/pdf", "%%EOF"),
        (b"<html><body>login</body></html>", "application/pdf", "%PDF"),
        (b"", "text/html", "empty"),
    ],
    ids=[
        "cut-inside-a-character",
        "cut-before-the-end",
        "firewall-page",
        "sso-page-by-its-title",
        "cut-pdf",
        "not-a-pdf",
        "empty",
    ],
)
def test_implausible_bodies_are_named_in_one_line(body: bytes, content_type: str, reason: str) -> None:
    problem = implausible_body(body, content_type)
    assert problem is not None and reason in problem and "\n" not in problem


def test_truncated_utf8_is_only_the_end_of_a_character() -> None:
    text = "宁政办发〔2023〕53号".encode()
    assert truncated_utf8(text[:-1]) and not truncated_utf8(text)
    assert not truncated_utf8("宁政办发".encode("gb18030"))  # another encoding is not a cut


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02(), today=date(2024, 2, 20))
    yield con
    con.close()


def _same_issue_with(documents_text: dict[int, str]):
    issue, fetched, pages, documents = samples.issue_2024_02()
    changed = [
        dataclasses.replace(d, text=documents_text.get(i, d.text), normalized_text="")
        for i, d in enumerate(documents)
    ]
    return issue, dataclasses.replace(fetched, sha256="ab" * 32), pages, changed


def test_a_copy_far_shorter_than_the_last_one_of_the_same_publication_is_quarantined(con) -> None:
    _, _, _, documents = samples.issue_2024_02()
    before = con.execute("SELECT count(*), max(event_id) FROM versions, events").fetchone()
    cut = documents[0].text[: int(len(documents[0].text) * 0.4)]
    with pytest.raises(QuarantineError, match="no amendment words"):
        load_issue(con, *_same_issue_with({0: cut}), today=date(2024, 2, 20))
    assert con.execute("SELECT count(*), max(event_id) FROM versions, events").fetchone() == before


def test_a_shorter_copy_that_says_it_was_revised_is_a_new_version(con) -> None:
    _, _, _, documents = samples.issue_2024_02()
    shortened = documents[0].text[: int(len(documents[0].text) * 0.4)] + "\n（2024年2月修订，删去第三章）"
    loaded = load_issue(con, *_same_issue_with({0: shortened}), today=date(2024, 2, 20))
    assert loaded.versions_new == 1
