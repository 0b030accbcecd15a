"""Chinese full-text search: jieba tokens, DuckDB fts loaded offline from the wheel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
import sample_loads as samples

from warehouse.connect import open_warehouse
from warehouse.fts import bundled_extension_path, load_fts
from warehouse.load import load_issue
from warehouse.search import SearchError, build_search_index, highlight, search, tokenize
from warehouse.snapshot import publish_snapshot

TODAY = date(2024, 2, 20)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    for make in (samples.issue_pengyang_2020, samples.issue_2024_02, samples.issue_2020_business):
        load_issue(con, *make(), today=TODAY)
    return con


def test_the_fts_extension_comes_from_the_installed_wheel() -> None:
    path = bundled_extension_path()
    assert path.name == "fts.duckdb_extension" and path.parent.name == f"v{duckdb.__version__}"
    con = duckdb.connect()
    load_fts(con)
    assert con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'").fetchone() == (
        True,
    )


def test_a_query_is_tokenized_like_the_text_it_should_find() -> None:
    text_tokens = tokenize("持续优化营商环境，支持民营企业发展。")
    assert set(tokenize("营商环境 民营")) <= set(text_tokens)
    assert "，" not in text_tokens and "。" not in text_tokens


def test_search_ranks_the_business_environment_measures_first_with_a_marked_snippet(con) -> None:
    assert build_search_index(con) == 6
    hits = search(con, "营商环境 民营", limit=3)
    assert [h.doc_number for h in hits][:1] == ["宁政规发〔2020〕5号"]
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert "«营商环境»" in hits[0].snippet
    assert all(h.status == "in_force" for h in hits)


def test_only_new_versions_are_tokenized_again(con) -> None:
    build_search_index(con)
    assert build_search_index(con) == 0
    load_issue(con, *samples.issue_2024_03(), today=TODAY)
    assert build_search_index(con) == 3  # 53号's new text and two new documents
    hits = search(con, "进出口额3000万元", limit=1)
    assert hits[0].doc_number in {"宁政办发〔2023〕53号", "宁政办发〔2024〕8号"}


def test_the_snapshot_answers_searches_too(con, tmp_path: Path) -> None:
    build_search_index(con)
    reader = duckdb.connect(str(publish_snapshot(con, tmp_path)), read_only=True)
    assert search(reader, "残疾人康复")[0].doc_number == "宁夏回族自治区人民政府令第130号"


def test_searching_nothing_or_without_an_index_is_a_clear_error(con) -> None:
    with pytest.raises(SearchError, match="no search index"):
        search(con, "营商环境")
    build_search_index(con)
    with pytest.raises(SearchError, match="nothing to search for"):
        search(con, " ，。 ")


def test_highlight_joins_words_broken_across_lines() -> None:
    text = "持续优化营商\n环境，支持民营企业发展"
    assert highlight(text, ["营商环境", "民营"]) == "持续优化«营商环境»，支持«民营»企业发展"
