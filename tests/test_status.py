"""Validity status as a function of a date, stored with its cause, and the events it produces.

The warehouse samples (shortened seed texts, with a constructed repeal) loaded into a real DuckDB
file; a constructed correction notice and supersession added where the samples have none.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
import sample_loads as samples

from extractors.model import Document, Reference
from reconcile.relations import resolve_relations
from reconcile.status import refresh_status, status_of
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.records import FetchedFile, IssueRecord

LOAD_DAY = date(2024, 1, 31)


@pytest.fixture
def con(tmp_path: Path):
    connection = open_warehouse(tmp_path / "warehouse.duckdb")
    for issue in (
        samples.issue_2024_02,
        samples.issue_2024_03,
        samples.issue_pengyang_2020,
        samples.issue_2020_business,
    ):
        load_issue(connection, *issue(), today=LOAD_DAY)
    yield connection
    connection.close()


def doc_id(con, number: str) -> str:
    return con.execute("SELECT document_id FROM documents WHERE doc_number = ?", [number]).fetchone()[0]


def status_on(con, number: str, day: str) -> str:
    return con.execute(
        "SELECT status FROM document_status(?) WHERE doc_number = ?", [day, number]
    ).fetchone()[0]


def test_status_follows_the_calendar(con) -> None:
    order = "宁夏回族自治区人民政府令第130号"  # 自2024年2月1日起施行
    assert status_on(con, order, "2024-01-25") == "not_yet_in_force"
    assert status_on(con, order, "2024-02-01") == "in_force"
    # the 50号 plan is repealed by 宁政办发〔2024〕8号 (effective on issue, 2024-02-05)
    assert status_on(con, "宁政办发〔2023〕50号", "2024-02-04") == "in_force"
    assert status_on(con, "宁政办发〔2023〕50号", "2024-02-05") == "repealed"
    assert status_on(con, "宁政办发〔2023〕53号", "2024-02-05") == "amended"
    in_force = {
        r[0] for r in con.execute("SELECT doc_number FROM documents_in_force('2024-02-10')").fetchall()
    }
    assert "宁政办发〔2023〕53号" in in_force and "宁政办发〔2023〕50号" not in in_force


def test_refresh_stores_the_status_with_the_document_that_caused_it(con) -> None:
    report = refresh_status(con, date(2024, 2, 10))

    repealer = doc_id(con, "宁政办发〔2024〕8号")
    stored = con.execute(
        "SELECT status, status_by_document_id, status_since, status_as_of FROM documents "
        "WHERE doc_number = ?",
        ["宁政办发〔2023〕50号"],
    ).fetchone()
    assert stored == ("repealed", repealer, date(2024, 2, 5), date(2024, 2, 10))
    assert report.by_status["repealed"] == 1 and report.by_status["amended"] == 1
    found = status_of(con, doc_id(con, "宁政办发〔2023〕53号"), date(2024, 2, 10))
    assert found.status == "amended" and found.caused_by[1] == "宁政办发〔2024〕8号"


def test_expiry_events_are_recorded_once_each(con) -> None:
    # 宁政办规发〔2023〕13号 is valid until 2024-03-01
    first = refresh_status(con, date(2024, 2, 20))
    again = refresh_status(con, date(2024, 2, 20))
    later = refresh_status(con, date(2024, 3, 5))

    assert (first.events_new, again.events_new, later.events_new) == (1, 0, 1)
    kinds = con.execute(
        "SELECT kind, occurred_on FROM events WHERE kind IN ('expiring_soon', 'expired') ORDER BY event_id"
    ).fetchall()
    assert kinds == [("expiring_soon", date(2024, 3, 1)), ("expired", date(2024, 3, 1))]
    assert status_on(con, "宁政办规发〔2023〕13号", "2024-03-05") == "expired"
    ids = [r[0] for r in con.execute("SELECT event_id FROM events ORDER BY event_id").fetchall()]
    assert ids == list(range(1, len(ids) + 1))  # append-only, no gaps


def _load(con, issue_id: str, published: str, document: Document) -> None:
    digest = hashlib.sha256(issue_id.encode()).hexdigest()
    issue = IssueRecord(issue_id=issue_id, source_id="constructed", published_date=published)
    load_issue(con, issue, FetchedFile(sha256=digest), [], [document], today=LOAD_DAY)


def test_a_correction_notice_is_an_event_about_the_corrected_document(con) -> None:
    """Constructed test data: a 更正 notice for the 53号 measures."""
    _load(
        con,
        "constructed-correction",
        "2024-02-20",
        Document(
            title="关于《关于推动外贸稳规模优结构的若干措施》的更正",
            text="原文“5000万元”更正为“3000万元”。",
            doc_number="宁政办函〔2024〕9号",
            issuer="宁夏回族自治区人民政府办公厅",
            issued_date="2024-02-18",
            references=[
                Reference(
                    "corrects",
                    title="关于推动外贸稳规模优结构的若干措施",
                    doc_number="宁政办发〔2023〕53号",
                    evidence="现更正如下",
                )
            ],
        ),
    )
    report = refresh_status(con, date(2024, 2, 25))

    corrected = con.execute(
        "SELECT document_id, related_document_id, occurred_on FROM events WHERE kind = 'corrected'"
    ).fetchall()
    assert corrected == [
        (doc_id(con, "宁政办发〔2023〕53号"), doc_id(con, "宁政办函〔2024〕9号"), date(2024, 2, 18))
    ]
    assert report.events_new == 2  # the correction, and 13号 expiring on 1 March
    assert status_of(con, corrected[0][0], date(2024, 2, 25)).corrected_by[1] == "宁政办函〔2024〕9号"
    assert refresh_status(con, date(2024, 2, 25)).events_new == 0


def test_a_late_bound_supersession_makes_a_repealed_event_and_a_superseded_status(con) -> None:
    """Constructed test data: a 2024 plan that replaces the 13号 plan, named by title only."""
    _load(
        con,
        "constructed-supersede",
        "2024-02-25",
        Document(
            title="自治区人民政府办公厅关于印发《自治区企业梯次培育体系实施方案（2024年修订）》的通知",
            text="本方案自印发之日起施行。",
            doc_number="宁政办规发〔2024〕2号",
            issuer="宁夏回族自治区人民政府办公厅",
            issued_date="2024-02-22",
            references=[
                Reference(
                    "supersedes",
                    title="自治区建立企业梯次培育体系实施方案",
                    evidence="《自治区建立企业梯次培育体系实施方案》同时停止执行",
                )
            ],
        ),
    )
    resolve_relations(con)
    refresh_status(con, date(2024, 2, 26))

    old = doc_id(con, "宁政办规发〔2023〕13号")
    assert con.execute(
        "SELECT status, status_since FROM documents WHERE document_id = ?", [old]
    ).fetchone() == ("superseded", date(2024, 2, 22))
    event = con.execute(
        "SELECT kind, details->>'relation', details->>'resolution_method' FROM events "
        "WHERE document_id = ? AND kind = 'repealed'",
        [old],
    ).fetchone()
    assert event == ("repealed", "supersedes", "title")


def test_the_loader_and_the_status_pass_never_announce_one_repeal_twice(con) -> None:
    before = con.execute("SELECT count(*) FROM events WHERE kind IN ('repealed', 'amended')").fetchone()[0]
    refresh_status(con, date(2024, 2, 10))
    after = con.execute("SELECT count(*) FROM events WHERE kind IN ('repealed', 'amended')").fetchone()[0]
    assert before == after == 2


def test_a_repeal_reads_the_same_whichever_step_announces_it(con) -> None:
    """The loader and the status pass wrote repeal events with two statements and two summaries;
    what a subscriber read depended on which ran first. Both now use warehouse.events.link_events_sql."""
    by_loader = con.execute(
        "SELECT event_key, summary, details->>'relation' FROM events"
        " WHERE kind = 'repealed' ORDER BY event_key"
    ).fetchall()
    assert by_loader, "the sample's constructed repeal is announced by the loader"
    con.execute("DELETE FROM events WHERE kind = 'repealed'")

    refresh_status(con, LOAD_DAY)

    by_status_pass = con.execute(
        "SELECT event_key, summary, details->>'relation' FROM events"
        " WHERE kind = 'repealed' ORDER BY event_key"
    ).fetchall()
    assert by_status_pass == by_loader
    assert all("，依据 " in summary for _, summary, _ in by_loader)
