"""The warehouse schema: created by numbered migrations, upgraded in place, described in comments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from warehouse.connect import WarehouseError, open_warehouse, scalar
from warehouse.migrate import Migration, MigrationError, migrate, schema_version, shipped_migrations


def test_a_new_warehouse_gets_every_migration_recorded_in_order(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    recorded = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert [v for v, _ in recorded] == [m.version for m in shipped_migrations()]
    assert recorded[0] == (1, "core_model")
    assert schema_version(con) == shipped_migrations()[-1].version


def test_opening_again_applies_nothing(tmp_path: Path) -> None:
    open_warehouse(tmp_path / "w.duckdb").close()
    con = open_warehouse(tmp_path / "w.duckdb")
    assert migrate(con) == []


def test_every_table_view_and_column_is_described(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND comment IS NULL"
    ).fetchall()
    columns = con.execute(
        """
        SELECT c.table_name || '.' || c.column_name FROM duckdb_columns() c
        JOIN duckdb_tables() t ON t.table_name = c.table_name AND t.schema_name = c.schema_name
        WHERE c.schema_name = 'main' AND c.comment IS NULL
        """
    ).fetchall()
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal AND comment IS NULL"
    ).fetchall()
    assert tables == [] and columns == [] and views == []


def test_the_model_has_the_tables_and_questions_analysts_need(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {
        "sources",
        "fetched_files",
        "issues",
        "pages",
        "documents",
        "versions",
        "sightings",
        "document_references",
        "diffs",
        "diff_hunks",
        "flow_runs",
        "subscribers",
        "subscriptions",
        "outbox",
        "events",
        "search_documents",
    } <= tables
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    assert {"document_history", "replacements", "documents_per_issuer_month", "current_texts"} <= views
    macros = {
        r[0]
        for r in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type = 'table_macro'"
        ).fetchall()
    }
    assert {"document_status", "documents_in_force", "changes_since", "expiring_within"} <= macros


def test_a_warehouse_made_by_the_first_migration_upgrades_without_losing_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    assert migrate(con, up_to=1) == [1]
    con.execute(
        """
        INSERT INTO documents (document_id, identity_key, doc_number, issuer, title, normalized_title,
                               issued_date,
                               first_loaded_at, updated_at)
        VALUES ('doc-1', 'number:宁政办发〔2023〕50号|宁夏回族自治区人民政府办公厅', '宁政办发〔2023〕50号',
                '宁夏回族自治区人民政府办公厅', '关于印发《实施方案》的通知', '关于印发《实施方案》的通知',
                DATE '2023-12-05', TIMESTAMP '2024-01-31 08:00', TIMESTAMP '2024-01-31 08:00');
        INSERT INTO document_references (reference_id, source_document_id, source_version_id, position,
                                         relation, evidence, target_doc_number, found_at)
        VALUES ('doc-1-v1#0', 'doc-1', 'doc-1-v1', 0, 'implements',
                '为全面贯彻落实《意见》（国办发〔2023〕29号）',
                '国办发〔2023〕29号', TIMESTAMP '2024-01-31 08:00');
        INSERT INTO events (event_id, event_key, kind, document_id, summary, recorded_at)
        VALUES (1, 'new_document:doc-1', 'new_document', 'doc-1', '新文件：关于印发《实施方案》的通知',
                TIMESTAMP '2024-01-31 08:00');
        """
    )
    con.close()

    upgraded = open_warehouse(path)

    assert upgraded.execute(
        "SELECT document_id, doc_number, issued_date::VARCHAR FROM documents"
    ).fetchall() == [("doc-1", "宁政办发〔2023〕50号", "2023-12-05")]
    assert upgraded.execute("SELECT count(*) FROM events").fetchone() == (1,)
    assert upgraded.execute(
        "SELECT reference_id, resolution_method, resolution_score FROM document_references"
    ).fetchall() == [("doc-1-v1#0", None, None)]
    assert upgraded.execute("SELECT series_key FROM documents").fetchall() == [(None,)]
    assert upgraded.execute("SELECT count(*) FROM subscribers").fetchone() == (0,)
    assert upgraded.execute("SELECT count(*) FROM documents_in_force('2024-01-01')").fetchone() == (1,)
    assert schema_version(upgraded) == shipped_migrations()[-1].version


def test_a_migration_edited_after_it_was_applied_is_refused(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    edited = [
        Migration(m.version, m.name, m.sql + "\n-- edited") if m.version == 1 else m
        for m in shipped_migrations()
    ]
    with pytest.raises(MigrationError, match="001_core_model changed after it was applied"):
        migrate(con, edited)


def test_a_failing_migration_leaves_the_warehouse_at_the_last_good_version(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    broken = [
        *shipped_migrations(),
        Migration(999, "broken", "CREATE TABLE half_done (x INTEGER); SELEC nonsense;"),
    ]
    with pytest.raises(MigrationError, match="999_broken failed"):
        migrate(con, broken)
    assert schema_version(con) == shipped_migrations()[-1].version
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half_done'").fetchone() == (
        0,
    )


def test_readers_get_a_clear_error_for_a_missing_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="no warehouse at"):
        open_warehouse(tmp_path / "absent.duckdb", read_only=True)
    assert not (tmp_path / "absent.duckdb").exists()


def test_scalar_answers_the_first_value_and_names_a_query_that_returns_no_row(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    assert scalar(con, "SELECT count(*) FROM documents") == 0
    assert scalar(con, "SELECT ? + 1", [41]) == 42
    with pytest.raises(WarehouseError, match=r"no row: SELECT document_id FROM documents WHERE false$"):
        scalar(con, "SELECT document_id\n    FROM documents WHERE false")


def test_a_writer_killed_right_after_an_upgrade_leaves_a_file_that_opens(tmp_path: Path) -> None:
    """The upgrade sits in DuckDB's WAL until a checkpoint; replaying it must work (no function DEFAULTs)."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, up_to=1)
    con.close()
    script = (
        "import os, sys, duckdb; from warehouse.migrate import migrate; "
        "con = duckdb.connect(sys.argv[1]); con.execute('PRAGMA disable_checkpoint_on_shutdown'); "
        "migrate(con); os.kill(os.getpid(), 9)"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    assert (tmp_path / "w.duckdb.wal").exists()
    reopened = open_warehouse(path)
    assert schema_version(reopened) == shipped_migrations()[-1].version


def _text_table_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {
        "versions": con.execute("SELECT * FROM versions ORDER BY version_id").fetchall(),
        "pages": con.execute("SELECT * FROM pages ORDER BY file_sha256, page_index").fetchall(),
    }


def test_migration_010_keeps_every_text_row_and_drops_only_the_indexes(tmp_path: Path) -> None:
    """versions and pages are rebuilt without PRIMARY KEY/UNIQUE (load speed, issue 4); rows stay."""
    import sample_loads as samples

    from warehouse.load import load_issue

    path = tmp_path / "w009.duckdb"
    con = duckdb.connect(str(path))
    migrate(con, up_to=9)
    for make in (samples.issue_2024_02, samples.issue_2024_03, samples.issue_2020_business):
        load_issue(con, *make())
    before = _text_table_rows(con)
    indexed_before = con.execute(
        "SELECT DISTINCT table_name FROM duckdb_constraints() "
        "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND table_name IN ('versions', 'pages')"
    ).fetchall()
    con.close()
    assert sorted(indexed_before) == [("pages",), ("versions",)]
    assert len(before["versions"]) >= 8 and len(before["pages"]) >= 4

    upgraded = open_warehouse(path)

    assert _text_table_rows(upgraded) == before
    assert upgraded.execute(
        "SELECT count(*) FROM duckdb_constraints() "
        "WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') AND table_name IN ('versions', 'pages')"
    ).fetchone() == (0,)
    # The views that read the rebuilt tables still answer.
    assert upgraded.execute("SELECT count(*) FROM current_texts").fetchone()[0] > 0
    assert upgraded.execute("SELECT count(*) FROM document_history").fetchone()[0] > 0
    # Without the indexes, the loader's anti-joins alone keep reloads and new issues free of duplicates.
    load_issue(upgraded, *samples.issue_2024_03(), force=True)
    load_issue(upgraded, *samples.issue_pengyang_2020())
    for table, key in (("versions", "version_id"), ("pages", "file_sha256, page_index")):
        assert upgraded.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
        ).fetchone() == (0,), table
    assert {r[0] for r in upgraded.execute("SELECT version_id FROM versions").fetchall()} >= {
        r[0] for r in before["versions"]
    }
