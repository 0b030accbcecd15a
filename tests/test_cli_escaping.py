"""Stored text reaches the terminal inert (issue 17, item 5): run as real `gazette` processes.

A publisher's title can carry ESC sequences (colour, clear screen, an OSC 8 link) and Rich
markup such as `[/]`; `gazette search` and `gazette status` must print it as plain text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sample_loads as samples

from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.publish import publish

GAZETTE = Path(sys.executable).parent / "gazette"
# The red team's title: a colour, a screen clear, an OSC 8 link, a bell, a C1 CSI, and markup.
HOSTILE_TITLE = (
    "关于\x1b[31m印发\x1b[0m\x1b[2J\x1b]8;;http://evil.example/\x07请重新登录\x1b]8;;\x07"
    "\x07\x9b1m[/]《持续优化营商环境若干措施》[bold]的通知"
)
SHOWN_TITLE = "关于印发请重新登录[/]《持续优化营商环境若干措施》[bold]的通知"


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GAZETTE_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [str(GAZETTE), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A published snapshot in which the 2020 business measures carry the hostile title."""
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        load_issue(con, *samples.issue_2020_business(), today=date(2024, 2, 20))
        con.execute(
            "UPDATE documents SET title = ? WHERE doc_number = '宁政规发〔2020〕5号'", [HOSTILE_TITLE]
        )
        publish(con, tmp_path)
    finally:
        con.close()
    return tmp_path


def _inert(output: str) -> None:
    assert "\x1b" not in output and "\x07" not in output and "\x9b" not in output, repr(output)


def test_search_prints_a_hostile_title_as_plain_text(home: Path) -> None:
    result = run("search", "营商环境", home=home)
    assert result.returncode == 0, result.stderr
    _inert(result.stdout)
    assert SHOWN_TITLE in result.stdout


def test_status_prints_a_hostile_title_as_plain_text(home: Path) -> None:
    result = run("status", "宁政规发〔2020〕5号", "--as-of", "2024-02-01", home=home)
    assert result.returncode == 0, result.stderr
    _inert(result.stdout)
    assert SHOWN_TITLE in result.stdout and "status on 2024-02-01" in result.stdout


def test_a_hostile_query_in_an_error_is_plain_text_too(home: Path) -> None:
    result = run("status", "[/]\x1b[2J不存在的文件", home=home)
    assert result.returncode == 1
    _inert(result.stderr)
    assert "Traceback" not in result.stderr and "[/]" in result.stderr
