"""One key per identifier, one lookup for every surface: a spelling one accepts, all accept.

Before the redesign `gazette status 宁政规发〔2020〕第5号`, `…〔2020〕05号` and `令（第130号）` answered
"no document matches", and the dashboard's picker found nothing for 宁政规发[2020]5号, which the
CLI found. These tests ask every surface (CLI, dashboard query, subscriptions) the same spellings.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from dashboards import queries
from dashboards.sample import build_sample_warehouse
from extractors.keys import doc_number_key, identity_key, title_key, title_match_key
from gazette.cli import app
from notify.subscribers import resolve_document
from warehouse.lookup import DocumentLookupError, find_document

REPEALED = "宁政规发〔2020〕5号"
SPELLINGS_OF_REPEALED = [
    "宁政规发〔2020〕5号",
    "宁政规发〔2020〕第5号",
    "宁政规发〔2020〕05号",
    "宁政规发[2020]5号",
    "宁政规发［2020］5号",
    "宁政规发(2020)5号",
    "宁政规发（2020）5号",
    "宁政规发〔２０２０〕５号",
    "宁政规发 〔2020〕 5 号",
]
SPELLINGS_OF_ORDER = ["令第130号", "令（第130号）", "宁夏回族自治区人民政府令第130号", "人民政府令 第 130 号"]


@pytest.mark.parametrize("spelling", SPELLINGS_OF_REPEALED)
def test_every_common_spelling_of_a_number_has_one_key(spelling: str) -> None:
    assert doc_number_key(spelling) == REPEALED


def test_an_order_number_fragment_keeps_its_第() -> None:
    assert doc_number_key("令（第130号）") == doc_number_key("令第130号") == "令第130号"
    assert doc_number_key("宁夏回族自治区人民政府令 第130号") == "宁夏回族自治区人民政府令第130号"


def test_identity_uses_the_number_key_so_spellings_are_one_document() -> None:
    keys = {identity_key(s, "宁夏回族自治区人民政府", "关于…的通知", None) for s in SPELLINGS_OF_REPEALED}
    assert len(keys) == 1


def test_title_keys_identity_and_matching() -> None:
    assert title_key("关于 印发《X》的通知") == "关于印发《X》的通知"  # identity: punctuation kept
    assert title_match_key("《关于印发“X”的通知》") == title_match_key("关于印发X的通知")


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("keys-sample")
    build_sample_warehouse(home)
    return home


@pytest.fixture
def snapshot(sample_home: Path):
    con = duckdb.connect(str(sample_home / "snapshot" / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.mark.slow
@pytest.mark.parametrize("spelling", SPELLINGS_OF_REPEALED)
def test_every_surface_finds_a_number_however_it_is_spelled(
    spelling, snapshot, sample_home, monkeypatch
) -> None:
    expected = find_document(snapshot, REPEALED)[0]

    assert find_document(snapshot, spelling)[0] == expected
    picker = queries.run(snapshot, queries.find_documents(spelling))
    assert list(picker.document_id)[:1] == [expected]  # the dashboard's document picker
    assert resolve_document(snapshot, spelling) == expected  # gazette subscribers add --document
    monkeypatch.setenv("GAZETTE_HOME", str(sample_home))
    result = CliRunner().invoke(app, ["status", spelling, "--as-of", "2024-02-01"])
    assert result.exit_code == 0, result.output
    assert REPEALED in result.output


@pytest.mark.slow
@pytest.mark.parametrize("spelling", SPELLINGS_OF_ORDER)
def test_an_order_is_found_by_its_number_in_any_form(spelling, snapshot) -> None:
    document_id, _, doc_number = find_document(snapshot, spelling)
    assert doc_number == "宁夏回族自治区人民政府令第130号"
    assert queries.run(snapshot, queries.find_documents(spelling)).document_id.iloc[0] == document_id


@pytest.mark.slow
def test_nothing_and_too_much_are_clear_errors(snapshot) -> None:
    with pytest.raises(DocumentLookupError, match="no document matches"):
        find_document(snapshot, "宁政规发〔1999〕99号")
    with pytest.raises(DocumentLookupError, match="be more precise"):
        find_document(snapshot, "通知")
