"""One page decoder for listings and articles (extractors.charset).

Before: two decode_html, one kept a UTF-8 BOM in the text, and extraction ignored the
server's charset, so a GB18030 article served with `charset=gbk` and no <meta> was read
as whatever its bytes happened to decode as.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from extractors.charset import decode_page
from extractors.html import decode_html as decode_article
from extractors.listing import decode_html as decode_listing
from extractors.pipeline import extract_file

TITLE = "宁夏回族自治区人民政府办公厅关于印发《全区2024年政务公开工作要点》的通知"


def test_a_bom_never_reaches_the_text_of_either_kind_of_page() -> None:
    page = codecs.BOM_UTF8 + f"<html><body><h1>{TITLE}</h1></body></html>".encode()
    assert not decode_listing(page).startswith("\ufeff")
    assert not decode_article(page)[0].startswith("\ufeff")


def test_the_servers_charset_reaches_extraction(tmp_path: Path) -> None:
    """A Big5 page (Hong Kong and Macau government sites) with no <meta charset>: only the server says
    Big5, and without it the bytes decode as GB18030 into other characters."""
    title = "香港特別行政區政府關於發佈《公共事務管理辦法》的通知"
    body = "\n".join(
        [
            "<html><head><title>x</title></head><body><div class='article'>",
            f"<h1>{title}</h1>",
            "<p>各政策局、各部門：</p>",
            "<p>現將《公共事務管理辦法》發給你們，請認真貫徹執行。本辦法自發佈之日起施行。</p>",
            "<p>政務司司長辦公室</p><p>2024年3月1日</p>",
            "</div></body></html>",
        ]
    ).encode("big5")
    page = tmp_path / "article.html"
    page.write_bytes(body)

    (doc,) = extract_file(page, content_type="text/html; charset=big5").documents
    (guessed,) = extract_file(page).documents

    assert doc.title == title
    assert guessed.title != title  # what extraction read before it was given the server's charset


def test_a_mislabelled_page_is_read_by_the_label_that_decodes_it() -> None:
    text, codec, problems = decode_page(TITLE.encode("gb18030"), http_charset="utf-8")
    assert (text, codec, problems) == (TITLE, "gb18030", [])


def test_bytes_no_charset_decodes_are_replaced_and_said_so() -> None:
    text, _, problems = decode_page(b"\xff\xfe\xfa" + TITLE.encode("utf-8") + b"\x80", http_charset="utf-8")
    assert "\ufffd" in text and problems
