"""Reconcile in the warehouse: noisy copies are sightings, revisions are versions with stored diffs.

Real DuckDB files, the real loader; documents built from the sample corpus.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples
from typer.testing import CliRunner

from extractors.model import Document, Page
from gazette.cli import app
from reconcile.pipeline import reconcile
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.records import FetchedFile, IssueRecord

CORPUS = Path(__file__).resolve().parent.parent / "replica" / "corpus"
TITLE_130 = "宁夏回族自治区实施《残疾预防和残疾人康复条例》办法"
NUMBER_130 = "宁夏回族自治区人民政府令第130号"
TODAY = date(2024, 3, 1)


def corpus_lines(relative: str, first: int, last: int) -> str:
    return "\n".join((CORPUS / relative).read_text(encoding="utf-8").splitlines()[first - 1 : last])


ORIGINAL = corpus_lines("seeds/004_e3e902c520636e6f.txt", 121, 273)
REVISED = corpus_lines("constructed/nx-2024-03.txt", 121, 271)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = open_warehouse(tmp_path / "warehouse.duckdb")
    yield connection
    connection.close()


def publication(
    issue_id: str,
    published: str,
    documents: list[Document],
    pages: list[Page] | None = None,
    kind: str = "article",
):
    """One publication as the loader takes it (issue, file, pages, documents)."""
    fetched = FetchedFile(sha256=hashlib.sha256(issue_id.encode()).hexdigest())
    issue = IssueRecord(issue_id=issue_id, source_id="test", published_date=published, kind=kind)
    return issue, fetched, pages or [Page(index=0, text="", printed_number=1)], documents


def order_130(text: str, **extra) -> Document:
    fields = {"start_page": 1, "end_page": 1, **extra}
    return Document(
        title=TITLE_130,
        text=text,
        doc_number=NUMBER_130,
        issuer="宁夏回族自治区人民政府",
        issued_date="2023-11-14",
        **fields,
    )


def events(con: duckdb.DuckDBPyConnection, kind: str) -> list[str]:
    return [
        r[0]
        for r in con.execute("SELECT summary FROM events WHERE kind = ? ORDER BY event_id", [kind]).fetchall()
    ]


def test_a_web_article_of_a_known_document_is_a_sighting_not_a_new_version(con) -> None:
    load_issue(
        con,
        *publication("gazette-2024-02", "2024-01-31", [order_130(ORIGINAL)], kind="gazette_issue"),
        today=TODAY,
    )
    article = TITLE_130 + "\n" + ORIGINAL.replace("\n第", "\n\n第").replace("2024年", "2024 年")

    result = load_issue(con, *publication("article-1", "2024-02-02", [order_130(article)]), today=TODAY)

    assert (result.versions_new, result.sightings_new) == (0, 1)
    assert events(con, "new_version") == []
    assert con.execute("SELECT version_count FROM documents").fetchone() == (1,)
    assert con.execute("SELECT count(DISTINCT version_id), count(*) FROM sightings").fetchone() == (1, 2)
    # the title line above the body is recognized as such and stripped before comparing
    assert con.execute("SELECT reason, first_seen_issue_id FROM version_copies").fetchone() == (
        "identical once extraction noise is removed",
        "article-1",
    )


def test_a_copy_missing_a_scanned_page_and_the_complete_copy_are_one_version(con) -> None:
    lines = ORIGINAL.splitlines()
    scanned_pages = [
        Page(index=0, text="x", printed_number=3),
        Page(index=1, text="", has_text=False),
        Page(index=2, text="y", printed_number=5),
    ]
    with_gap = order_130("\n".join(lines[:60] + lines[66:]), start_page=3, end_page=5)
    load_issue(
        con,
        *publication("gazette-2024-02", "2024-01-31", [with_gap], scanned_pages, "gazette_issue"),
        today=TODAY,
    )

    load_issue(con, *publication("article-1", "2024-02-02", [order_130(ORIGINAL)]), today=TODAY)

    assert events(con, "new_version") == []
    reason = con.execute("SELECT reason FROM version_copies").fetchone()[0]
    assert reason == "older copy lacks the text of a page without text layer"


def test_a_real_revision_is_a_new_version_with_one_event_and_a_stored_diff(con) -> None:
    load_issue(
        con,
        *publication("gazette-2024-02", "2024-01-31", [order_130(ORIGINAL)], kind="gazette_issue"),
        today=TODAY,
    )
    load_issue(
        con,
        *publication("gazette-2024-03", "2024-02-15", [order_130(REVISED)], kind="gazette_issue"),
        today=TODAY,
    )
    # the revision's web article: noise of the revision, not a third version
    load_issue(
        con, *publication("article-2", "2024-02-16", [order_130(TITLE_130 + "\n" + REVISED)]), today=TODAY
    )

    assert len(events(con, "new_version")) == 1
    report = reconcile(con, TODAY)

    assert report.ok, report.errors
    assert report.diffs_computed == 1
    assert con.execute("SELECT kind, hunk_count, algorithm FROM diffs").fetchone() == (
        "revision",
        5,
        "reconcile-blocks/1",
    )
    changed = con.execute(
        "SELECT kind, locator FROM diff_hunks WHERE kind <> 'unchanged' ORDER BY hunk_number"
    ).fetchall()
    assert changed == [
        ("changed", "第3段"),
        ("changed", "第九条（二）"),
        ("changed", "第二十七条第2款"),
        ("removed", "第三十条第2款"),
        ("changed", "第三十五条"),
    ]
    assert con.execute("SELECT old_version_number, new_version_number FROM version_diffs").fetchone() == (
        1,
        2,
    )
    # idempotent: a second pass has nothing to do
    again = reconcile(con, TODAY)
    assert (again.diffs_computed, again.duplicates_new, again.series_links_new) == (0, 0, 0)


def test_annual_editions_are_linked_as_a_series_with_a_year_over_year_diff(con) -> None:
    def plan(year: int, target: int) -> Document:
        return Document(
            title=f"全区{year}年政务公开工作要点",
            text=f"全区{year}年政务公开工作要点\n一、加强政策解读。\n二、{year}年底前完成{target}项标准化建设任务。\n"
            "三、做好依申请公开工作。",
            doc_number=f"宁政办发〔{year}〕{target}号",
            issuer="宁夏回族自治区人民政府办公厅",
            issued_date=f"{year}-03-01",
        )

    load_issue(con, *publication("a-2023", "2023-03-05", [plan(2023, 12)]), today=TODAY)
    load_issue(con, *publication("a-2024", "2024-03-05", [plan(2024, 15)]), today=TODAY)

    report = reconcile(con, TODAY)

    assert report.series_links_new == 1
    link = con.execute("SELECT series_key, older_year, newer_year, diff_id FROM series_links").fetchone()
    assert link[:3] == ("全区年政务公开工作要点", 2023, 2024)
    assert con.execute("SELECT kind FROM diffs WHERE diff_id = ?", [link[3]]).fetchone() == ("series",)
    assert {k for (k,) in con.execute("SELECT DISTINCT series_key FROM documents").fetchall()} == {
        "全区年政务公开工作要点"
    }


def test_the_same_text_under_two_identities_is_recorded_as_a_duplicate(con) -> None:
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    lost_number = dataclasses.replace(samples.issue_2024_02()[3][0], doc_number=None, issued_date=None)
    load_issue(con, *publication("compilation", "2024-06-01", [lost_number], kind="compilation"), today=TODAY)

    reconcile(con, TODAY)

    pair = con.execute(
        "SELECT d.doc_number, c.doc_number FROM document_duplicates x "
        "JOIN documents d ON d.document_id = x.document_id "
        "JOIN documents c ON c.document_id = x.canonical_document_id"
    ).fetchall()
    assert pair == [(None, NUMBER_130)]


def test_gazette_diff_prints_the_changes_and_writes_escaped_html(con, tmp_path: Path) -> None:
    load_issue(
        con,
        *publication("gazette-2024-02", "2024-01-31", [order_130(ORIGINAL)], kind="gazette_issue"),
        today=TODAY,
    )
    load_issue(
        con,
        *publication("gazette-2024-03", "2024-02-15", [order_130(REVISED)], kind="gazette_issue"),
        today=TODAY,
    )
    reconcile(con, TODAY)
    db = tmp_path / "warehouse.duckdb"
    con.close()
    runner = CliRunner()

    result = runner.invoke(app, ["diff", "令第130号", "--db", str(db), "--html", str(tmp_path / "d.html")])

    assert result.exit_code == 0, result.output
    assert "@@ 第九条（二） · changed" in result.output and "{+14+}" in result.output
    html = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "新旧对照" in html and '<ins class="i">14</ins>' in html

    missing = runner.invoke(app, ["diff", "宁政办发〔2099〕1号", "--db", str(db)])
    assert missing.exit_code == 1 and "Traceback" not in missing.output
    same = runner.invoke(app, ["diff", "令第130号", "--from", "2", "--to", "2", "--db", str(db)])
    assert same.exit_code == 1 and "nothing to compare" in same.output
