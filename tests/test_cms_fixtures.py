"""Every case of the CMS fixture corpus (tests/fixtures/cms/, constructed pages modelled on real
government CMS templates) yields exactly its hand-checked record (issue 13).

The comparison is bench/cms_corpus.py's, shared with the accuracy benchmark.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.cms_corpus import CMS_FIXTURES, load_cases, run_case

CASES = load_cases()
ROOT = Path(__file__).resolve().parent.parent


def test_the_corpus_has_two_pages_per_class_in_different_templates() -> None:
    by_class: dict[str, set[str]] = {}
    for case in CASES:
        for name in case.classes:
            by_class.setdefault(name, set()).add(case.template)
    thin = {name: templates for name, templates in by_class.items() if len(templates) < 2}
    assert not thin, f"classes with fewer than two templates: {thin}"
    assert (CMS_FIXTURES / "README.md").is_file()
    for case in CASES:
        assert (
            "onstructed" in case.path.read_text(encoding="utf-8", errors="replace")[:400]
            or case.path.suffix == ".txt"
        )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_yields_its_expected_record(case) -> None:
    outcome = run_case(case)
    assert outcome.differences == []


def test_extract_prints_nothing_on_stdout_for_a_page_that_is_no_document() -> None:
    news = CMS_FIXTURES / "page_news_meeting_trs.html"
    notice = CMS_FIXTURES / "trs_notice_hidden_copy.html"
    run = subprocess.run(
        [str(Path(sys.executable).parent / "gazette"), "extract", str(news), str(notice)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    records = [line for line in run.stdout.splitlines() if line.strip()]
    assert len(records) == 1 and "临府办发〔2024〕8号" in records[0]
    assert '"kind": "official_document"' in records[0] and '"site_metadata"' in records[0]
    assert "page_news_meeting_trs.html: not an official document (news)" in " ".join(run.stderr.split())
