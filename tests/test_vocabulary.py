"""One vocabulary: the enums of core.vocabulary are what the database allows and what every consumer offers.

Before the redesign the dashboard's Changes page could not select `corrected`, its status list
lacked `superseded`, and the digest grouped a `superseded` event kind the database forbids.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from core.vocabulary import (
    CHECKED_COLUMNS,
    DocumentStatus,
    EventKind,
    Frequency,
    RelationKind,
    SubscriptionKind,
)
from dashboards import queries
from extractors.references import RELATIONS
from notify.content import GROUPS, LABELS
from warehouse.connect import open_warehouse
from warehouse.staging import RELATIONS as STORED_RELATIONS


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    con = open_warehouse(tmp_path_factory.mktemp("vocabulary") / "warehouse.duckdb")
    yield con
    con.close()


def check_values(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[str]:
    """The values a CHECK (column IN (...)) constraint of `table` allows, read from DuckDB's catalogue."""
    for (expression,) in con.execute(
        "SELECT expression FROM duckdb_constraints() WHERE table_name = ? AND constraint_type = 'CHECK'",
        [table],
    ).fetchall():
        if re.search(rf"\b{column}\b\"?\s+IN", expression):
            return set(re.findall(r"'([^']*)'", expression))
    raise AssertionError(f"no CHECK constraint on {table}.{column}")


@pytest.mark.parametrize(("table", "column"), sorted(CHECKED_COLUMNS))
def test_each_enum_is_exactly_what_the_database_allows(warehouse, table: str, column: str) -> None:
    assert check_values(warehouse, table, column) == {
        member.value for member in CHECKED_COLUMNS[table, column]
    }


def test_document_statuses_are_what_the_status_macro_can_return(warehouse) -> None:
    (macro,) = warehouse.execute(
        "SELECT macro_definition FROM duckdb_functions() WHERE function_name = 'document_status'"
    ).fetchone()
    produced = set(re.findall(r"(?:THEN|ELSE) \(?'([a-z_]+)'\)?", macro))
    assert produced == {status.value for status in DocumentStatus}


def test_the_dashboard_offers_every_status_and_event_kind() -> None:
    assert set(queries.STATUSES) == set(DocumentStatus)
    assert set(queries.EVENT_KINDS) == set(EventKind)
    assert "corrected" in queries.EVENT_KINDS and "superseded" in queries.STATUSES


def test_the_digest_groups_every_event_kind_once_and_labels_it() -> None:
    grouped = [kind for _, kinds in GROUPS for kind in kinds]
    assert sorted(grouped) == sorted(EventKind)
    for language in LABELS.values():
        assert set(language["kind"]) == {kind.value for kind in EventKind}


def test_relations_stated_by_texts_are_ones_the_warehouse_stores() -> None:
    assert set(RELATIONS) <= set(RelationKind) == set(STORED_RELATIONS)


def test_the_cli_help_draws_its_choices_from_the_vocabulary() -> None:
    from typer.testing import CliRunner

    from gazette.cli import app

    help_text = CliRunner().invoke(app, ["subscribers", "add", "--help"], env={"COLUMNS": "200"}).output
    assert all(kind.value in help_text for kind in EventKind)
    assert all(frequency.value in help_text for frequency in Frequency)


def test_subscription_kinds_match_the_import_columns() -> None:
    from notify.subscribers import IMPORT_COLUMNS

    assert set(IMPORT_COLUMNS.values()) <= set(SubscriptionKind)


def test_no_module_spells_an_event_kind_list_of_its_own() -> None:
    """A tuple literal of event kinds outside core.vocabulary is a second definition waiting to drift."""
    root = Path(__file__).resolve().parent.parent
    offenders = []
    for path in root.glob("[a-z]*/**/*.py"):
        if ".venv" in path.parts or path.parts[-2] == "tests" or path.name == "vocabulary.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\(\s*\"new_document\",\s*\"new_version\"", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
