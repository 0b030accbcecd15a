"""The queries behind every dashboard page, without a browser, on a snapshot of the real sample.

Also: user input stays a bound parameter, document text is escaped, and the
reader follows the snapshot when the flows swap it.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dashboards import diffview, queries
from dashboards.graph import relation_graph
from dashboards.markup import marked_snippet
from dashboards.sample import build_sample_warehouse
from dashboards.snapshot import SnapshotReader
from gazette.cli import app
from reconcile.cascade import cascade_html
from reconcile.diff import Hunk
from warehouse.connect import WarehouseError

REPEALED = "宁政规发〔2020〕5号"
ORDER_130 = "宁夏回族自治区人民政府令第130号"


@pytest.fixture(scope="session")
def sample_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.getbasetemp() / "dashboard-sample")


@pytest.fixture
def con(sample_snapshot: Path):
    connection = SnapshotReader(sample_snapshot).cursor()
    yield connection
    connection.close()


def _id(con, doc_number: str) -> str:
    return con.execute("SELECT document_id FROM documents WHERE doc_number = ?", [doc_number]).fetchone()[0]


def test_overview_totals_and_charts_count_the_sample(con) -> None:
    totals = queries.run(con, queries.totals()).iloc[0]
    assert totals.documents == 16 and totals.publications >= 4
    weekly = queries.run(con, queries.documents_per_week())
    assert weekly.documents.sum() == totals.documents
    issuers = queries.run(con, queries.documents_per_issuer())
    assert issuers.iloc[0].issuer == "宁夏回族自治区人民政府办公厅"
    latest = queries.run(con, queries.latest_issues())
    assert "replica-2024-03" in set(latest.issue_id)
    no_text = queries.run(con, queries.pages_without_text())
    assert sorted(no_text.printed_number) == [13, 1565]
    assert no_text.read_by_ocr.all()  # make installs tesseract: both scans are read, and still listed


def test_search_finds_the_business_environment_documents_and_filters_by_status_on_a_date(con) -> None:
    text = "营商环境"
    hits = queries.run_search(con, text, queries.search_query(text))
    assert {REPEALED, "宁政规发〔2024〕1号"} <= set(hits.doc_number.dropna())
    assert all(queries.MARKS[0] in snippet for snippet in hits.snippet)  # every hit shows its match
    in_force = queries.search_query(text, queries.SearchFilters(status="in_force", as_of=date(2024, 3, 1)))
    assert REPEALED not in set(queries.run_search(con, text, in_force).doc_number.dropna())
    repealed = queries.search_query(text, queries.SearchFilters(status="repealed", as_of=date(2024, 3, 1)))
    assert list(queries.run_search(con, text, repealed).doc_number) == [REPEALED]
    dated = queries.search_query(
        text, queries.SearchFilters(date_from=date(2024, 1, 1), issuer="宁夏回族自治区人民政府")
    )
    assert list(queries.run_search(con, text, dated).doc_number) == ["宁政规发〔2024〕1号"]


def test_search_input_is_bound_never_spliced_into_the_sql() -> None:
    hostile = "营商'; DROP TABLE documents; --"
    query = queries.search_query(hostile, queries.SearchFilters(issuer="x' OR '1'='1"))
    assert "DROP" not in query.sql and "1'='1" not in query.sql
    assert "x' OR '1'='1" in query.params
    with pytest.raises(queries.SearchInputError):
        queries.search_query("，。！")


def test_document_page_queries_show_sightings_versions_relations_and_timeline(con) -> None:
    repealed = _id(con, REPEALED)
    sightings = queries.run(con, queries.sightings(repealed))
    pdf = sightings[sightings.issue_id == "replica-2020-11"].iloc[0]
    assert pdf.link.endswith(".pdf#page=5")  # printed page 6 is the fifth page of the file
    incoming = queries.run(con, queries.relations_in(repealed))
    assert {"repeals", "implements"} <= set(incoming.relation)
    outgoing = queries.run(con, queries.relations_out(repealed))
    assert not outgoing.duplicated(
        ["relation", "target_title"]
    ).any()  # one row per relation, however many versions
    timeline = queries.run(con, queries.status_timeline(repealed, date(2024, 6, 1)))
    assert ("repealed", date(2024, 3, 1)) in {
        (m, d.date()) for m, d in zip(timeline.milestone, timeline.on_date, strict=True)
    }
    versions = queries.run(con, queries.versions(_id(con, ORDER_130)))
    assert len(versions) >= 2  # 2024 No. 3 carries the revised order


def _order_versions(con) -> tuple[str, str]:
    versions = queries.run(con, queries.versions(_id(con, ORDER_130)))
    return versions.iloc[0].version_id, versions.iloc[-1].version_id


def _changes(diff: diffview.VersionDiff) -> list[Hunk]:
    return [h for h in diff.hunks if h.kind != "unchanged"]


def test_the_revised_order_shows_the_diff_reconcile_stored_side_by_side(con) -> None:
    diff = diffview.version_diff(con, *_order_versions(con))
    assert diff.origin.startswith("stored diff") and "reconcile-blocks" in diff.origin
    changed = _changes(diff)
    assert any(
        h.kind == "changed" and "0至6周岁" in h.old_text and "0至14周岁" in h.new_text for h in changed
    )
    added = "每两年评估调整一次"  # the clause the revision appended to article 27
    assert any(added in (h.new_text or "") and added not in (h.old_text or "") for h in changed)
    html = diffview.diff_html("令第130号", "第1版", "第2版", diff, unchanged=False)
    assert '<del class="d">6</del>' in html and '<ins class="i">14</ins>' in html
    assert "强化0至" in html  # the clause's unchanged words stay beside the change
    with_context = diffview.diff_html("令第130号", "第1版", "第2版", diff, unchanged=True)
    assert len(with_context) > len(html)  # unchanged blocks only on request


def test_a_revision_without_a_stored_diff_gets_reconciles_diff_computed_now(
    con, sample_snapshot: Path, tmp_path: Path
) -> None:
    stored = diffview.version_diff(con, *_order_versions(con))
    older = tmp_path / "before-reconcile.duckdb"  # as if loaded before reconcile ever ran
    shutil.copy(sample_snapshot, older)
    with duckdb.connect(str(older)) as writer:
        writer.execute("DELETE FROM diff_hunks")
        writer.execute("DELETE FROM diffs")
    with duckdb.connect(str(older), read_only=True) as bare:
        computed = diffview.version_diff(bare, *_order_versions(bare))
    assert computed.origin.startswith("no stored diff")
    assert computed.hunks == stored.hunks  # one diff in the project: computed now reads as stored


def test_document_text_is_escaped_wherever_it_becomes_html() -> None:
    hunks = [
        Hunk("added", "<b>第一条</b>", None, 0, None, "<script>alert(1)</script>", 0.0),
        Hunk("changed", "第二条", 1, 1, "<b>旧</b>", "<b>新</b>", 0.6),
    ]
    diff = diffview.VersionDiff(hunks, 0.5, "test", queries.stored_diff("a", "b"))
    html = diffview.diff_html("<i>title</i>", "<i>", "x", diff, unchanged=True)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "<i>" not in html
    assert marked_snippet("<img src=x>\ue000营商\ue001") == "&lt;img src=x&gt;<mark>营商</mark>"


def test_relation_graph_is_valid_dot_with_quoted_titles(con) -> None:
    repealed = _id(con, REPEALED)
    dot = relation_graph(
        repealed,
        'say "hi"',
        queries.run(con, queries.relations_out(repealed)),
        queries.run(con, queries.relations_in(repealed)),
    )
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert 'say \\"hi\\"' in dot and '"repeals"' in dot


def test_cascade_page_shows_reconciles_stored_alignment_of_the_county_plan(con) -> None:
    pairs = queries.run(con, queries.implementing_documents())
    county = pairs[pairs.parent_doc_number == REPEALED].iloc[0]
    assert "彭阳县" in county.title
    stored = queries.run(con, queries.cascade_alignment(county.document_id))
    assert set(stored.parent_doc_number) == {REPEALED}
    assert {"changed", "added", "left_out"} <= set(stored.kind)
    html = cascade_html(con, county.document_id)
    assert "彭阳县" in html and REPEALED in html
    counts = stored.kind.value_counts()
    assert f"added: {counts['added']}" in html and f"left out: {counts['left_out']}" in html


def test_changes_filter_by_kind_text_and_date(con) -> None:
    repeals = queries.run(con, queries.events(queries.EventFilters(kinds=("repealed",))))
    assert list(repeals.kind) == ["repealed"] and REPEALED in repeals.iloc[0].summary
    order = queries.run(con, queries.events(queries.EventFilters(kinds=("new_version",), contains="第130号")))
    assert len(order) >= 1 and set(order.doc_number) == {ORDER_130}
    everything = queries.run(con, queries.events())
    assert list(everything.event_id) == sorted(everything.event_id, reverse=True)
    assert queries.run(con, queries.events(queries.EventFilters(until=date(2000, 1, 1)))).empty


def test_expiring_and_recently_expired_around_the_county_plans_end(con) -> None:
    soon = queries.run(con, queries.expiring(30, date(2025, 6, 1)))
    assert len(soon) == 1 and soon.iloc[0].days_left == 16
    expired = queries.run(con, queries.recently_expired(30, date(2025, 7, 1)))
    assert len(expired) == 1 and expired.iloc[0].days_ago == 14
    assert queries.run(con, queries.recently_expired(5, date(2025, 7, 1))).empty


def test_show_sql_lists_the_parameters_it_bound() -> None:
    shown = queries.expiring(30, date(2025, 6, 1)).display()
    assert "expiring_within(CAST(? AS INTEGER)" in shown
    assert "$1 = 30, $2 = datetime.date(2025, 6, 1)" in shown


def test_the_reader_reopens_the_snapshot_after_it_is_swapped(sample_snapshot: Path, tmp_path: Path) -> None:
    published = tmp_path / "snapshot" / "warehouse.duckdb"
    published.parent.mkdir()
    shutil.copy(sample_snapshot, published)
    reader = SnapshotReader(published)
    assert reader.cursor().execute("SELECT count(*) FROM documents").fetchone()[0] == 16
    # the flows publish a new snapshot by writing a new file and renaming it over the old one
    newer = tmp_path / "next.duckdb"
    shutil.copy(sample_snapshot, newer)
    with duckdb.connect(str(newer)) as writer:
        writer.execute("DELETE FROM documents WHERE doc_number = ?", [REPEALED])
    os.replace(newer, published)
    assert reader.cursor().execute("SELECT count(*) FROM documents").fetchone()[0] == 15
    assert reader.opened == 2


def test_a_missing_snapshot_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no snapshot at"):
        SnapshotReader(tmp_path / "nothing.duckdb").cursor()
    result = CliRunner().invoke(app, ["dashboard", "--snapshot", str(tmp_path / "nothing.duckdb")])
    assert result.exit_code == 1
    assert "no snapshot at" in result.output and "Traceback" not in result.output
