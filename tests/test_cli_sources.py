"""`gazette sources` and `gazette monitor` meeting a bad source file, run as real processes.

Issue 14 #6 and #9: a bad YAML crashed `gazette sources` with a traceback, and Rich markup ate
the bracketed part of error text (a selector `a[href$='.pdf']` printed as `a`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_cli import run

BROKEN = """\
id: broken
name: 一个写错了的来源
listings:
  - kind: article
    start_urls: ["http://www.bad-example.gov.cn/zcwj/index.html"]
    item_selector: "div.list li"
    fields:
      titel: {selector: "a"}
"""


def _home_with(tmp_path: Path, **files: str) -> Path:
    home = tmp_path / "home"
    (home / "sources").mkdir(parents=True)
    for name, text in files.items():
        (home / "sources" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return home


def test_sources_reports_a_bad_file_in_one_line_and_still_lists_the_others(tmp_path: Path) -> None:
    home = _home_with(tmp_path, broken=BROKEN)

    result = run("sources", home=home)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {home / 'sources' / 'broken.yaml'}: listings[0].fields.titel: unknown field"
        " (known: date, number, title, total_number, year)"
    ]
    assert "replica" in result.stdout and "ningxia" in result.stdout


def test_error_text_is_printed_literally_brackets_and_all(tmp_path: Path) -> None:
    bad_selector = BROKEN.replace('titel: {selector: "a"}', "title: {selector: \"a[href$='.pdf'] >\"}")
    home = _home_with(tmp_path, broken=bad_selector)

    result = run("sources", home=home)

    assert result.returncode == 1
    assert "listings[0].fields.title.selector: invalid CSS selector \"a[href$='.pdf'] >\"" in result.stderr


@pytest.mark.slow
def test_monitor_with_an_invalid_source_file_fails_with_its_one_line_reason(tmp_path: Path) -> None:
    home = _home_with(tmp_path, broken=BROKEN)

    result = run(
        "monitor", "--once", "--source", "broken", "--no-publish", "--no-notify", home=home, timeout=600
    )

    assert result.returncode == 1
    reason = (
        "broken.yaml: listings[0].fields.titel: unknown field"
        " (known: date, number, title, total_number, year)"
    )
    assert any(reason in line for line in result.stdout.splitlines()), result.stdout  # one line, not wrapped
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT status FROM flow_runs").fetchall() == [("failed",)]
    finally:
        con.close()
