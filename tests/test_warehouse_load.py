"""Loading issues: one transaction each, idempotent, versions only for real changes, events once."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples

from reconcile.status import refresh_status
from warehouse.connect import open_warehouse
from warehouse.load import LoadError, load_issue

TODAY = date(2024, 2, 20)
TABLES = (
    "sources",
    "fetched_files",
    "issues",
    "pages",
    "documents",
    "versions",
    "sightings",
    "document_references",
    "events",
)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return open_warehouse(tmp_path / "warehouse.duckdb")


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def load_all(con: duckdb.DuckDBPyConnection) -> None:
    for make in (
        samples.issue_pengyang_2020,
        samples.issue_2024_02,
        samples.issue_2024_03,
        samples.issue_2020_business,
    ):
        load_issue(con, *make(), today=TODAY)


def test_a_first_load_records_issue_file_pages_documents_and_new_document_events(con) -> None:
    result = load_issue(con, *samples.issue_2024_02(), today=TODAY)
    assert (result.documents_new, result.versions_new, result.sightings_new, result.pages_new) == (4, 4, 4, 4)
    assert result.events_new == 4 and not result.unchanged
    assert con.execute("SELECT total_number, published_date::VARCHAR FROM issues").fetchone() == (
        731,
        "2024-01-31",
    )
    assert con.execute(
        "SELECT doc_number FROM documents WHERE issuer = '宁夏回族自治区人民政府'"
    ).fetchone() == ("宁夏回族自治区人民政府令第130号",)
    # The number printed as 宁政办发[2023]50号 is stored normalized, and kept as printed in the sighting.
    assert con.execute(
        "SELECT d.doc_number, s.doc_number_as_printed FROM documents d JOIN sightings s USING (document_id) "
        "WHERE d.doc_number LIKE '%50号'"
    ).fetchone() == ("宁政办发〔2023〕50号", "宁政办发[2023]50号")
    assert {k for (k,) in con.execute("SELECT DISTINCT kind FROM events").fetchall()} == {"new_document"}


def test_loading_the_same_issue_twice_adds_nothing_and_stops_early(con) -> None:
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    before = row_counts(con)
    again = load_issue(con, *samples.issue_2024_02(), today=TODAY)
    assert again.unchanged and again.events_new == 0
    assert row_counts(con) == before


def test_a_forced_reload_of_the_same_file_is_still_idempotent(con) -> None:
    load_all(con)
    before = row_counts(con)
    result = load_issue(con, *samples.issue_2024_03(), today=TODAY, force=True)
    assert not result.unchanged
    assert (result.documents_new, result.versions_new, result.sightings_new, result.events_new) == (
        0,
        0,
        0,
        0,
    )
    assert row_counts(con) == before


def test_extraction_noise_is_not_a_new_version_but_a_changed_number_is(con) -> None:
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    result = load_issue(con, *samples.issue_2024_03(), today=TODAY)
    versions = dict(
        con.execute(
            "SELECT doc_number, version_count FROM documents WHERE doc_number LIKE '宁政办发〔2023〕5_号'"
        ).fetchall()
    )
    # 50号 reprinted with [] brackets, "50 号" and extra line breaks: same content.
    assert versions == {"宁政办发〔2023〕50号": 1, "宁政办发〔2023〕53号": 2}
    assert result.versions_new == 3  # 53号's second text + the two documents new in this issue
    new_version = con.execute(
        "SELECT summary, details->>'version_number' FROM events WHERE kind = 'new_version'"
    ).fetchall()
    assert new_version == [
        (
            "新版本：自治区人民政府办公厅印发《关于推动外贸稳规模优结构的若干措施》的通知"
            "（宁政办发〔2023〕53号） 第2版",
            "2",
        )
    ]
    history = con.execute(
        "SELECT version_number, issue_id FROM document_history WHERE doc_number = '宁政办发〔2023〕53号' "
        "ORDER BY published_date"
    ).fetchall()
    assert history == [(1, "nx-2024-02"), (2, "nx-2024-03")]


def test_a_repeal_resolves_its_target_and_changes_its_status(con) -> None:
    load_all(con)
    statuses = dict(
        con.execute("SELECT doc_number, status FROM documents WHERE doc_number IS NOT NULL").fetchall()
    )
    assert statuses["宁政办发〔2023〕50号"] == "repealed"
    assert statuses["宁政办发〔2023〕53号"] == "amended"
    assert statuses["宁政办发〔2024〕8号"] == "in_force"
    events = con.execute(
        "SELECT e.kind, d.doc_number, r.doc_number, e.occurred_on::VARCHAR FROM events e "
        "JOIN documents d ON d.document_id = e.document_id "
        "JOIN documents r ON r.document_id = e.related_document_id ORDER BY e.event_id"
    ).fetchall()
    assert events == [
        ("repealed", "宁政办发〔2023〕50号", "宁政办发〔2024〕8号", "2024-02-05"),
        ("amended", "宁政办发〔2023〕53号", "宁政办发〔2024〕8号", "2024-02-05"),
    ]
    assert con.execute(
        "SELECT old_doc_number, new_doc_number, relation FROM replacements ORDER BY relation"
    ).fetchall() == [
        ("宁政办发〔2023〕53号", "宁政办发〔2024〕8号", "amends"),
        ("宁政办发〔2023〕50号", "宁政办发〔2024〕8号", "repeals"),
    ]


def test_a_reference_to_a_document_not_yet_loaded_resolves_when_it_arrives(con) -> None:
    load_issue(con, *samples.issue_pengyang_2020(), today=TODAY)
    assert con.execute(
        "SELECT count(*) FROM document_references WHERE target_document_id IS NOT NULL"
    ).fetchone() == (0,)
    result = load_issue(con, *samples.issue_2020_business(), today=TODAY)
    assert result.references_resolved == 1
    resolved = con.execute(
        "SELECT r.target_doc_number, d.doc_number, r.resolution_method, r.resolution_score "
        "FROM document_references r LEFT JOIN documents d ON d.document_id = r.target_document_id "
        "ORDER BY r.target_doc_number"
    ).fetchall()
    assert resolved == [
        (
            "固政办规发〔2020〕3号",
            None,
            None,
            None,
        ),  # the city plan is not in the warehouse: stays unresolved
        ("宁政规发〔2020〕5号", "宁政规发〔2020〕5号", "doc_number", 1.0),
    ]


def test_extraction_problems_become_events_and_bad_dates_are_stored_as_unknown(con) -> None:
    load_issue(con, *samples.issue_2024_03(), today=TODAY)
    problems = con.execute(
        "SELECT details->>'problem' FROM events WHERE kind = 'extraction_problem' ORDER BY event_id"
    ).fetchall()
    assert problems == [
        ("no document number found before the addressees",),
        ("issued_date '2024-02-30' is not an ISO date; stored as unknown",),
    ]
    assert con.execute("SELECT issued_date FROM documents WHERE title LIKE '%春节%'").fetchone() == (None,)


def test_event_ids_increase_without_gaps_across_loads(con) -> None:
    load_all(con)
    refresh_status(con, date(2024, 3, 5))
    ids = [r[0] for r in con.execute("SELECT event_id FROM events ORDER BY recorded_at, event_id").fetchall()]
    assert ids == list(range(1, len(ids) + 1))
    assert len(ids) == 14  # 13 from the loads, 1 expiry


def test_a_backfilled_older_text_is_numbered_before_the_newer_one(con) -> None:
    issue, file, pages, documents = samples.issue_2024_03()
    load_issue(con, issue, file, pages, documents, today=TODAY)
    older_issue, older_file, older_pages, older_documents = samples.issue_2024_02()
    load_issue(con, older_issue, older_file, older_pages, older_documents, today=TODAY)
    history = con.execute(
        "SELECT version_number, issue_id FROM document_history WHERE doc_number = '宁政办发〔2023〕53号' "
        "ORDER BY version_number"
    ).fetchall()
    assert history == [(1, "nx-2024-02"), (2, "nx-2024-03")]
    latest = con.execute(
        "SELECT v.first_seen_issue_id FROM documents d JOIN versions v ON v.version_id = d.latest_version_id "
        "WHERE d.doc_number = '宁政办发〔2023〕53号'"
    ).fetchone()
    assert latest == ("nx-2024-03",)


def test_a_bad_issue_is_refused_whole_and_the_next_one_still_loads(con) -> None:
    issue, file, pages, documents = samples.issue_2024_02()
    with pytest.raises(LoadError, match="sha256 'not-a-hash' is not 64 lowercase hex digits"):
        load_issue(con, issue, dataclasses.replace(file, sha256="not-a-hash"), pages, documents, today=TODAY)
    with pytest.raises(LoadError, match="published_date '2024-31-01' is not an ISO date"):
        load_issue(
            con, dataclasses.replace(issue, published_date="2024-31-01"), file, pages, documents, today=TODAY
        )
    broken = [dataclasses.replace(documents[0], text=None)]
    with pytest.raises(LoadError, match="malformed page or document record"):
        load_issue(con, issue, file, pages, broken, today=TODAY)
    assert sum(row_counts(con).values()) == 0
    assert load_issue(con, *samples.issue_2024_03(), today=TODAY).documents_new == 4


def test_a_failure_inside_the_transaction_leaves_no_rows(con) -> None:
    load_issue(con, *samples.issue_2024_02(), today=TODAY)
    before = row_counts(con)

    def fail_at_events(stage: str) -> None:
        if stage == "events":  # documents, versions and sightings are written by now
            con.execute("SELECT * FROM a_table_that_does_not_exist")

    with pytest.raises(LoadError, match="issue nx-2024-03: Catalog Error"):
        load_issue(con, *samples.issue_2024_03(), today=TODAY, on_stage=fail_at_events)
    assert row_counts(con) == before

    def interrupted(stage: str) -> None:
        if stage == "commit":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_issue(con, *samples.issue_2024_03(), today=TODAY, on_stage=interrupted)
    assert row_counts(con) == before
    assert load_issue(con, *samples.issue_2024_03(), today=TODAY).documents_new == 2


def test_status_views_answer_for_any_date(con) -> None:
    load_all(con)
    in_force_early = {
        r[0] for r in con.execute("SELECT doc_number FROM documents_in_force('2024-01-25')").fetchall()
    }
    assert (
        "宁政办发〔2023〕50号" in in_force_early and "宁夏回族自治区人民政府令第130号" not in in_force_early
    )
    in_force_later = {
        r[0] for r in con.execute("SELECT doc_number FROM documents_in_force('2024-02-10')").fetchall()
    }
    assert (
        "宁政办发〔2023〕50号" not in in_force_later and "宁夏回族自治区人民政府令第130号" in in_force_later
    )
    expiring = con.execute(
        "SELECT doc_number, days_left FROM expiring_within(30, as_of := DATE '2024-02-20')"
    ).fetchall()
    assert expiring == [("宁政办规发〔2023〕13号", 10)]
    per_month = con.execute(
        "SELECT documents FROM documents_per_issuer_month WHERE issuer = '宁夏回族自治区人民政府办公厅' "
        "AND month = DATE '2023-12-01'"
    ).fetchone()
    assert per_month == (3,)
    assert con.execute("SELECT count(*) FROM changes_since('2000-01-01')").fetchone()[0] == 13
    assert con.execute("SELECT count(*) FROM changes_since(now() + INTERVAL 1 DAY)").fetchone() == (0,)


def test_the_daily_status_pass_records_expiry_events_once(con) -> None:
    load_all(con)
    first = refresh_status(con, date(2024, 2, 20))
    again = refresh_status(con, date(2024, 2, 20))
    later = refresh_status(con, date(2024, 3, 5))
    assert (first.events_new, again.events_new, later.events_new) == (1, 0, 1)
    kinds = con.execute("SELECT kind FROM events WHERE kind LIKE 'expir%' ORDER BY event_id").fetchall()
    assert kinds == [("expiring_soon",), ("expired",)]
    assert con.execute(
        "SELECT status FROM documents WHERE doc_number = '宁政办规发〔2023〕13号'"
    ).fetchone() == ("expired",)


def test_an_earlier_copy_loaded_after_the_original_sets_first_published_date(con) -> None:
    """Issue 14 #8: the earliest sighting dates a text whatever order the issues are loaded in."""
    issue, file, pages, documents = samples.issue_2024_02()
    load_issue(con, issue, file, pages, documents, today=TODAY)
    earlier = dataclasses.replace(
        issue, issue_id="nx-2024-01", number=1, total_number=730, published_date="2024-01-15"
    )
    earlier_file = dataclasses.replace(
        file, sha256="e" * 64, url=file.url.replace("2024-02", "2024-01"), storage_path=f"raw/ee/{'e' * 64}"
    )

    load_issue(con, earlier, earlier_file, pages, documents, today=TODAY)

    rows = con.execute(
        "SELECT d.first_published_date::VARCHAR, v.first_published_date::VARCHAR, d.version_count "
        "FROM documents d JOIN versions v ON v.version_id = d.latest_version_id "
        "WHERE d.doc_number = '宁夏回族自治区人民政府令第130号'"
    ).fetchall()
    assert rows == [("2024-01-15", "2024-01-15", 1)]
