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

from dashboards import cascade, diffview, queries
from dashboards.graph import relation_graph
from dashboards.markup import marked_snippet
from dashboards.sample import build_sample_warehouse
from dashboards.snapshot import SnapshotReader
from gazette.cli import app
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


def test_the_revised_order_shows_its_changed_clauses_side_by_side(con) -> None:
    versions = queries.run(con, queries.versions(_id(con, ORDER_130)))
    hunks = diffview.compute_hunks(versions.iloc[0].text, versions.iloc[-1].text)
    changed = [h for h in hunks if h.kind != "unchanged"]
    assert any("0至6周岁" in (h.old_text or "") and "0至14周岁" in (h.new_text or "") for h in changed)
    assert any(h.kind == "added" and "每两年评估调整一次" in h.new_text for h in changed)
    html = diffview.render_hunks(hunks, "第2版", "第3版")
    assert "<ins>14</ins>" in html and "<del>6</del>" in html


def test_document_text_is_escaped_wherever_it_becomes_html() -> None:
    hunks = [
        diffview.Hunk("added", None, "<script>alert(1)</script>"),
        diffview.Hunk("changed", "<b>旧</b>", "<b>新</b>"),
    ]
    html = diffview.render_hunks(hunks, "<i>", "x")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html and "<i>" not in html
    assert marked_snippet("<img src=x>\ue000营商\ue001") == "&lt;img src=x&gt;<mark>营商</mark>"
    rendered = cascade.render([cascade.AlignedClause("added", None, "<a href=x>", 0.0)], "<p>", "q")
    assert "<a href=x>" not in rendered


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


def test_cascade_aligns_the_county_plan_with_the_regional_measures(con) -> None:
    pairs = queries.run(con, queries.implementing_documents())
    pair = pairs[pairs.parent_doc_number == REPEALED].iloc[0]
    child = queries.run(con, queries.latest_text(pair.document_id)).iloc[0].text
    parent = queries.run(con, queries.latest_text(pair.parent_document_id)).iloc[0].text
    counts = cascade.summary(cascade.align(parent, child))
    assert counts["kept"] > 0 and counts["changed"] > 0 and counts["added"] > 0 and counts["dropped"] > 0


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
