"""The `gazette` command as a newcomer meets it: help, extract, demo — run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GAZETTE = Path(sys.executable).parent / "gazette"
SEED_004 = REPO / "replica" / "corpus" / "seeds" / "004_e3e902c520636e6f.txt"


def run(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GAZETTE_HOME": str(home)}
    return subprocess.run(
        [str(GAZETTE), *args], capture_output=True, text=True, env=env, timeout=timeout, check=False
    )


def test_help_names_every_command_a_newcomer_needs(tmp_path: Path) -> None:
    result = run("--help", home=tmp_path)
    assert result.returncode == 0
    for command in ("demo", "extract", "search", "sources", "info", "replica"):
        assert command in result.stdout


def test_extract_prints_one_json_object_per_document(tmp_path: Path) -> None:
    result = run("extract", str(SEED_004), home=tmp_path)

    assert result.returncode == 0, result.stderr
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["doc_number"] for d in documents] == [
        "宁夏回族自治区人民政府令第130号",
        "宁政办发〔2023〕50号",
        "宁政办发〔2023〕53号",
        "宁政办规发〔2023〕13号",
    ]
    required = {
        "title",
        "doc_number",
        "issuer",
        "doc_type",
        "issued_date",
        "effective_date",
        "expiry_date",
        "start_page",
        "end_page",
        "references",
        "text",
    }
    assert all(required <= set(d) for d in documents)
    assert documents[0]["effective_date"] == "2024-02-01"


def test_extract_table_format_is_for_people(tmp_path: Path) -> None:
    result = run("extract", str(SEED_004), "--format", "table", home=tmp_path)
    assert result.returncode == 0
    assert "宁政办发〔2023〕50号" in result.stdout


def test_a_bad_file_is_one_line_on_stderr_and_the_good_ones_still_come_out(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    fake = tmp_path / "fake.pdf"
    fake.write_text("<html>not a pdf</html>" * 3, encoding="utf-8")

    result = run("extract", str(empty), str(SEED_004), str(fake), home=tmp_path)

    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and all(line.startswith("error:") for line in errors)
    assert "Traceback" not in result.stderr
    assert len(result.stdout.splitlines()) == 4  # the seed's documents


def test_info_shows_the_data_directory(tmp_path: Path) -> None:
    result = run("info", home=tmp_path)
    assert result.returncode == 0
    assert str(tmp_path) in result.stdout


@pytest.mark.slow
def test_demo_tells_the_story_and_a_second_demo_is_incremental(tmp_path: Path) -> None:
    first = run("demo", home=tmp_path, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "run 1" in first.stdout and "run 2" in first.stdout
    run_2 = first.stdout.split("run 2", 1)[1]
    assert "被废止" in run_2  # the repeal published between the runs
    assert "新版本" in run_2  # the revised order
    assert (tmp_path / "warehouse.duckdb").exists()
    assert (tmp_path / "snapshot" / "warehouse.duckdb").exists()
    assert "Traceback" not in first.stderr

    second = run("demo", home=tmp_path, timeout=300)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count(" 0 ingested") == 2
    assert "Traceback" not in second.stderr
