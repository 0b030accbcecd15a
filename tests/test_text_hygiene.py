"""Text hygiene at the extraction boundary: invisible characters and oversize input (issue 16).

Hostile pages are made from the replica's own article pages (rendered as the Ningxia CMS
renders them) with characters a hostile or broken publisher slips in: a zero-width space
inside the 发文字号, a right-to-left override before the title, terminal escapes and a bell in
the body. Before this change they reached titles, keys, events and digests; the number with
a zero-width space in it was no longer the document's number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.clean import INVISIBLE_CHARACTERS, normalized_text, strip_invisible
from extractors.errors import InputTooLargeError
from extractors.fetch import new_session
from extractors.keys import doc_number_key
from extractors.pipeline import MAX_DOCUMENT_CHARS, MAX_HTML_BYTES, extract_file
from pipeline.run import poll_source
from warehouse.connect import open_warehouse
from warehouse.search import build_search_index, search

NUMBER = "宁政办发〔2023〕53号"
TITLE = "自治区人民政府办公厅印发《关于推动外贸稳规模优结构的若干措施》的通知"
ZWSP, RLO = "\u200b", "\u202e"
HOSTILE = [*INVISIBLE_CHARACTERS, "\x1b", "\x07", "\x00", "\x85"]


def _hostile(page: str) -> str:
    """The article page with the attacks the red team used, in title, number and body."""
    page = page.replace(NUMBER, NUMBER.replace("〕", f"〕{ZWSP}"))
    page = page.replace(TITLE, RLO + TITLE.replace("外贸", f"外{ZWSP}贸"))
    return page.replace(
        "现制定如下措施。", "现制定如下措施。\x1b[2J\x1b]8;;http://evil.example\x07点此\x1b]8;;\x07"
    )


@pytest.fixture
def article(sample_build: Path) -> Path:
    return sample_build / "html" / "nx-2024-02" / "3.html"


def test_strip_invisible_names_what_it_removed() -> None:
    text, removed = strip_invisible(f"宁政办发〔2023〕{ZWSP}53号{RLO}\x1b[31m\t\n")
    assert text == "宁政办发〔2023〕53号[31m\t\n"  # tab and line feed are layout, kept
    assert removed == {"zero-width space": 1, "right-to-left override": 1, "control character U+001B": 1}


def test_a_zero_width_space_never_reaches_a_key() -> None:
    assert doc_number_key(f"宁政办发[2023]{ZWSP}53 号") == NUMBER
    assert normalized_text(f"第一条{ZWSP}\u2060为了") == normalized_text("第一条为了")


def test_a_hostile_article_loses_its_invisible_characters_and_says_so(article: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "3.html"
    hostile.write_text(_hostile(article.read_text(encoding="utf-8")), encoding="utf-8")

    (clean,) = extract_file(article).documents
    (doc,) = extract_file(hostile).documents

    assert doc.doc_number == clean.doc_number == NUMBER
    assert doc.title == clean.title == TITLE
    assert not any(char in doc.title + doc.text for char in HOSTILE)
    assert "点此" in doc.text  # the text between the escapes is text, and stays
    (problem,) = [p for p in doc.problems if p.startswith("removed")]
    assert "zero-width space ×" in problem and "right-to-left override ×" in problem
    assert "control character U+001B ×3" in problem and "control character U+0007 ×2" in problem


def test_a_text_dump_with_a_broken_number_is_read_and_flagged(tmp_path: Path) -> None:
    # constructed: a text dump as pdftotext writes one gazette page, with a zero-width space
    dump = tmp_path / "dump.txt"
    dump.write_text(
        "宁夏回族自治区人民政府办公厅关于做好2023年防汛工作的通知\n"
        f"宁政办发〔2023〕{ZWSP}24号\n"
        "各市、县（区）人民政府，自治区政府各部门、各直属机构：\n"
        "为切实做好2023年防汛工作，保障人民群众生命财产安全，现就有关事项通知如下。\n"
        "宁夏回族自治区人民政府办公厅\n"
        "2023年6月20日\n",
        encoding="utf-8",
    )
    (doc,) = extract_file(dump).documents
    assert doc.doc_number == "宁政办发〔2023〕24号"
    assert ZWSP not in doc.text
    assert any("zero-width space ×1" in p for p in doc.problems)


def test_an_oversize_html_article_is_refused_in_one_line_before_it_is_parsed(tmp_path: Path) -> None:
    big = tmp_path / "huge.html"
    paragraph = "<p>" + "为深入贯彻落实有关精神，现制定如下措施。" * 50 + "</p>\n"
    with big.open("w", encoding="utf-8") as out:
        out.write("<html><head><title>措施</title></head><body><div class='article-content'>\n")
        while out.tell() < 94 * 1000 * 1000:  # the 94 MB article of the issue
            out.write(paragraph * 100)
        out.write("</div></body></html>\n")
    with pytest.raises(InputTooLargeError) as refused:
        extract_file(big)
    message = str(refused.value)
    assert message.startswith("huge.html: HTML page of 94.") and "limit" in message and "\n" not in message
    assert big.stat().st_size > MAX_HTML_BYTES


def test_a_document_longer_than_any_real_one_is_trimmed_with_a_problem(tmp_path: Path) -> None:
    dump = tmp_path / "long.txt"
    sentence = "为切实做好防汛工作，保障人民群众生命财产安全，现就有关事项通知如下。\n"
    body = sentence * (MAX_DOCUMENT_CHARS // len(sentence) + 2000)
    dump.write_text("关于做好2023年防汛工作的通知\n宁政办发〔2023〕24号\n" + body, encoding="utf-8")
    docs = extract_file(dump).documents
    assert max(len(d.text) for d in docs) <= MAX_DOCUMENT_CHARS
    assert any("trimmed to the first 1,000,000" in p for d in docs for p in d.problems)


def _article_with(root: Path, number: str) -> Path:
    """The replica's article page of the document with this number."""
    for page in sorted(root.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")  # some pages are GBK
        if number in text and "article-title" in text:
            return page
    raise AssertionError(f"no article page holds {number}")


@pytest.mark.slow  # polls the replica once (~10 s)
def test_a_poll_with_a_hostile_and_a_94_mb_article_ingests_the_rest_and_publishes(
    replica_site, tmp_path: Path
) -> None:
    hostile_page = _article_with(replica_site.root, NUMBER)
    hostile_page.write_text(_hostile(hostile_page.read_text(encoding="utf-8")), encoding="utf-8")
    huge_page = _article_with(replica_site.root, "宁政办发〔2023〕50号")
    head, tail = huge_page.read_text(encoding="utf-8").rsplit("</body>", 1)
    filler = "<p>" + "现制定如下措施。" * 200 + "</p>\n"
    with huge_page.open("w", encoding="utf-8") as out:
        out.write(head)
        while out.tell() < 94 * 1000 * 1000:  # the article grows to 94 MB inside its own template
            out.write(filler * 100)
        out.write("</body>" + tail)

    con = open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        with new_session() as session:
            report = poll_source(con, replica_site.source(), session, tmp_path / "raw")
        failed = [o for o in report.outcomes if o.status == "failed"]
        assert [o.publication.url.rsplit("/", 1)[1] for o in failed] == [huge_page.name]
        assert "over the 32 MiB limit" in (failed[0].error or "")
        assert report.count("ingested") == len(report.outcomes) - 1

        (title,) = con.execute("SELECT title FROM documents WHERE doc_number = ?", [NUMBER]).fetchone()
        assert title == TITLE
        hostile_chars = con.execute(
            "SELECT count(*) FROM events WHERE regexp_matches(summary, '[\\x{200b}\\x{202e}\\x{1b}]')"
        ).fetchone()[0]
        assert hostile_chars == 0
        problems = [
            row[0]
            for row in con.execute("SELECT summary FROM events WHERE kind = 'extraction_problem'").fetchall()
        ]
        assert any("zero-width space" in p and TITLE in p for p in problems)
        assert any("over the 32 MiB limit" in p for p in problems)
        # the publish step's search index builds, and finds the cleaned document by its words
        assert build_search_index(con) > 0
        assert any(hit.doc_number == NUMBER for hit in search(con, "外贸 稳规模"))
    finally:
        con.close()
