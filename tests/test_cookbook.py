"""The SQL cookbook (dashboards/sql/) against a snapshot built from the real sample.

The sample is polled from the live replica twice (before and after it publishes
2024 No. 3, which repeals 宁政规发〔2020〕5号 and revises order No. 130), so each
recipe is checked against documents we know are there, never only "it runs".
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboards.cookbook import recipes, run_recipe
from dashboards.sample import build_sample_warehouse


@pytest.fixture(scope="session")
def sample_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.getbasetemp() / "dashboard-sample")


@pytest.fixture
def con(sample_snapshot: Path):
    connection = duckdb.connect(str(sample_snapshot), read_only=True)
    yield connection
    connection.close()


def _numbers(frame, column: str = "doc_number") -> set[str]:
    return {value for value in frame[column] if isinstance(value, str)}


def test_in_force_on_a_date_excludes_the_repealed_measures_after_their_repeal(con) -> None:
    before = run_recipe(con, "01_in_force_on_date", as_of=date(2024, 2, 1))
    after = run_recipe(con, "01_in_force_on_date", as_of=date(2024, 3, 1))
    assert "宁政规发〔2020〕5号" in _numbers(before)
    assert "宁政规发〔2020〕5号" not in _numbers(after)
    # the replacing measures take effect on 2024-03-01 and are in force from that day
    assert "宁政规发〔2024〕1号" not in _numbers(before)
    assert "宁政规发〔2024〕1号" in _numbers(after)


def test_what_replaced_x_names_the_new_measures_and_quotes_the_repeal(con) -> None:
    rows = run_recipe(con, "02_what_replaced_x", doc_number="宁政规发〔2020〕5号")
    assert list(rows.relation) == ["repeals"]
    assert rows.iloc[0].new_doc_number == "宁政规发〔2024〕1号"
    assert rows.iloc[0].takes_effect.date() == date(2024, 3, 1)
    assert "同时废止" in rows.iloc[0].evidence


def test_changes_since_last_monday_include_this_runs_repeal_and_new_version(con) -> None:
    rows = run_recipe(con, "03_changes_since_last_monday")  # events were recorded by this test session
    assert {"new_document", "new_version", "repealed"} <= set(rows.kind)
    assert list(rows.event_id) == sorted(rows.event_id)
    assert run_recipe(con, "03_changes_since_last_monday", since=date(2999, 1, 1)).empty


def test_busiest_issuers_put_the_regional_general_office_first(con) -> None:
    rows = run_recipe(con, "04_busiest_issuers")
    assert rows.iloc[0].issuer == "宁夏回族自治区人民政府办公厅"
    assert rows.documents.is_monotonic_decreasing
    assert rows.documents.sum() == con.execute("SELECT count(*) FROM documents").fetchone()[0]


def test_documents_citing_x_find_the_three_levels_that_invoke_the_business_environment_regulation(
    con,
) -> None:
    rows = run_recipe(con, "05_documents_citing_x", target="优化营商环境条例")
    assert {"宁政规发〔2020〕5号", "宁政规发〔2024〕1号"} <= _numbers(rows)
    assert any(title.startswith("彭阳县") for title in rows.title)


def test_series_year_over_year_groups_editions_by_title_without_the_year(con) -> None:
    rows = run_recipe(con, "06_series_year_over_year")
    plan = rows[rows.doc_number == "宁政办发〔2023〕24号"].iloc[0]
    assert plan.edition_year == 2023
    assert "全区年政务公开工作要点" in plan.series


def test_expiring_soon_counts_days_to_the_county_plans_validity_end(con) -> None:
    rows = run_recipe(con, "07_expiring_soon", days=30, as_of=date(2025, 6, 1))
    assert len(rows) == 1 and rows.iloc[0].title.startswith("彭阳县")
    assert rows.iloc[0].days_left == 16  # 有效期至2025年6月17日
    assert run_recipe(con, "07_expiring_soon", days=30, as_of=date(2025, 7, 1)).empty


def test_repealed_on_a_date_names_the_repealing_document(con) -> None:
    rows = run_recipe(con, "08_repealed_on_date", as_of=date(2024, 3, 1))
    assert list(rows.doc_number) == ["宁政规发〔2020〕5号"]
    assert rows.iloc[0].repealed_by_number == "宁政规发〔2024〕1号"
    assert run_recipe(con, "08_repealed_on_date", as_of=date(2024, 2, 29)).empty


def test_document_history_lists_the_republication_in_both_issues(con) -> None:
    rows = run_recipe(con, "09_document_history", doc_number="宁政办发〔2023〕53号")
    assert {"replica-2024-02", "replica-2024-03"} <= set(rows.issue_id)
    assert set(rows.version_number) == {1}  # a verbatim reprint is a sighting, not a version


def test_revised_documents_include_the_revised_government_order(con) -> None:
    rows = run_recipe(con, "10_revised_documents")
    assert "宁夏回族自治区人民政府令第130号" in _numbers(rows)
    assert (rows.version_count > 1).all()


def test_policy_cascade_links_the_county_plan_to_the_regional_measures(con) -> None:
    rows = run_recipe(con, "11_policy_cascade")
    link = rows[rows.parent_number == "宁政规发〔2020〕5号"]
    assert len(link) == 1 and link.iloc[0].child_issuer == "彭阳县人民政府办公室"


def test_unresolved_references_rank_what_the_warehouse_is_missing(con) -> None:
    rows = run_recipe(con, "12_unresolved_references")
    assert "优化营商环境条例" in set(rows.target)
    assert rows.referenced_by.is_monotonic_decreasing


def test_coverage_gaps_show_the_scanned_pages(con) -> None:
    rows = run_recipe(con, "13_coverage_gaps")
    gaps = {title: list(numbers) for title, numbers in zip(rows.title, rows.printed_numbers, strict=True)}
    compilation = next(numbers for title, numbers in gaps.items() if "汇编" in title)
    assert compilation == [1565]  # the image-only page of the national compilation
    assert gaps["宁夏回族自治区人民政府公报 2024年第2期（总第731期）"] == [13]
    assert rows.read_by_ocr.sum() == 2  # both scans were read by OCR, and are still coverage gaps


def test_every_recipe_is_commented_and_tested_here() -> None:
    tested = {name.split("_", 1)[0] for name in recipes()}
    source = Path(__file__).read_text(encoding="utf-8")
    for name, path in recipes().items():
        assert path.read_text(encoding="utf-8").startswith("-- "), f"{name} has no header comment"
        assert f'"{name}"' in source, f"recipe {name} has no test"
    assert len(tested) >= 12


def test_an_unknown_recipe_is_a_clear_error(con) -> None:
    with pytest.raises(KeyError, match="no recipe"):
        run_recipe(con, "99_nothing")
