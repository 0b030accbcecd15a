"""Bad input: every case of the corpus ends in a clear one-line error or a flagged result.

Each file is extracted in its own process under a 1 GiB address-space limit and a 60 s
timeout (tests/badinput/extract_bounded.py), so "bounded time and memory" is what is
asserted: a reader that tried to inflate the bomb would die there, not pass. Then a
replica issue mixing one bad file with good ones shows the rest still ingested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractors.fetch import new_session
from pipeline.run import poll_source
from warehouse.connect import open_warehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus

pytestmark = pytest.mark.slow  # one bounded subprocess per case: ~20-40 s

HARNESS = Path(__file__).with_name("extract_bounded.py")
MEMORY_MIB = 1024
TIMEOUT_S = 60

# name -> (error kind or message fragment, None when the file must be read with a flagged result)
REFUSED = {
    "zero-byte.pdf": "file is empty",
    "truncated.pdf": "truncated PDF",
    "password-protected.pdf": "encrypted PDF (password required",
    "not-a-pdf.pdf": "not a PDF",
    "zip-named.pdf": "not a PDF",
    "flate-bomb.pdf": "decompression bomb",
}


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return corpus.build(tmp_path_factory.mktemp("badinput"))


@pytest.fixture(scope="module")
def outcomes(bad_files: dict[str, Path]) -> dict[str, dict]:
    """Every case extracted once, each in its own bounded process."""
    results = {}
    for name, path in bad_files.items():
        run = subprocess.run(
            [sys.executable, str(HARNESS), str(path), str(MEMORY_MIB)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
        assert run.returncode == 0, f"{name}: the reader died (exit {run.returncode}): {run.stderr[-2000:]}"
        assert "Traceback" not in run.stderr, f"{name}: {run.stderr[-2000:]}"
        results[name] = json.loads(run.stdout)
    return results


def test_the_corpus_holds_every_case_the_issue_lists(bad_files: dict[str, Path]) -> None:
    assert len(bad_files) == 15
    assert bad_files["zero-byte.pdf"].stat().st_size == 0
    assert bad_files["flate-bomb.pdf"].stat().st_size < 3 * 1024 * 1024  # inflates to 1 GiB


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unreadable_files_are_refused_with_one_clear_line(outcomes: dict[str, dict], name: str) -> None:
    outcome = outcomes[name]
    assert "error" in outcome, outcome
    assert REFUSED[name] in outcome["error"]
    assert outcome["error"].startswith(name)  # names the file
    assert "\n" not in outcome["error"]


def test_a_decompression_bomb_is_refused_before_pdfium_inflates_it(outcomes: dict[str, dict]) -> None:
    bomb = outcomes["flate-bomb.pdf"]
    assert bomb["kind"] == "bomb"
    assert bomb["peak_rss_mib"] < 256  # the check inflates chunk by chunk and drops the output


def test_a_pdf_encrypted_without_a_user_password_is_read(outcomes: dict[str, dict]) -> None:
    (doc,) = outcomes["encrypted-owner-only.pdf"]["documents"]
    assert doc["doc_number"] == "宁政办发〔2023〕24号"
    assert doc["issued_date"] == "2023-06-20"


@pytest.mark.parametrize(
    ("name", "pages"),
    [("empty-5000-pages.pdf", 5000), ("image-bomb.pdf", 1), ("scanned-300-pages.pdf", 300)],
)
def test_pages_without_text_are_flagged_not_silently_empty(
    outcomes: dict[str, dict], name: str, pages: int
) -> None:
    outcome = outcomes[name]
    assert outcome["pages"] == pages and outcome["pages_without_text"] == pages
    assert outcome["documents"] == []
    assert any("no page has a text layer" in problem and "OCR" in problem for problem in outcome["problems"])
    assert outcome["peak_rss_mib"] < 256  # images are never decoded to read text


def test_invalid_utf8_in_html_is_replaced_and_reported_and_the_article_still_read(
    outcomes: dict[str, dict],
) -> None:
    outcome = outcomes["invalid-utf8.html"]
    assert any("invalid utf-8" in problem for problem in outcome["problems"])
    (doc,) = outcome["documents"]
    assert doc["doc_number"] == "宁政办发〔2023〕24号"
    assert "二、加强监测预警" in doc["text"] or "加强监测预警" in doc["text"]


def test_a_gb18030_text_dump_is_decoded_and_the_guess_reported(outcomes: dict[str, dict]) -> None:
    outcome = outcomes["gb18030.txt"]
    assert any("GB18030" in problem for problem in outcome["problems"])
    (doc,) = outcome["documents"]
    assert doc["title"] == "宁夏回族自治区人民政府办公厅关于做好2023年防汛工作的通知"
    assert doc["issued_date"] == "2023-06-20"


def test_a_document_without_number_or_date_is_kept_with_both_empty(outcomes: dict[str, dict]) -> None:
    (doc,) = outcomes["no-number-no-date.txt"]["documents"]
    assert doc["title"] == "关于进一步做好政务公开工作的通知"
    assert doc["doc_number"] is None and doc["issued_date"] is None  # nothing invented


def test_a_date_in_chinese_numerals_is_read(outcomes: dict[str, dict]) -> None:
    (doc,) = outcomes["date-in-chinese-numerals.txt"]["documents"]
    assert doc["issued_date"] == "2023-06-20"


def test_a_date_missing_its_ri_is_not_guessed_into_another_day(outcomes: dict[str, dict]) -> None:
    (doc,) = outcomes["date-missing-ri.txt"]["documents"]
    assert doc["doc_number"] == "宁政办发〔2023〕24号"
    assert doc["issued_date"] in (None, "2023-03-23")


def test_every_case_ends_within_bounded_time(outcomes: dict[str, dict]) -> None:
    """The subprocess timeout already bounds each case; this names the slowest one for the record."""
    slowest = max(outcomes, key=lambda name: outcomes[name]["seconds"])
    assert outcomes[slowest]["seconds"] < TIMEOUT_S, slowest


def test_an_issue_with_one_bomb_among_good_files_still_ingests_the_rest(replica_site, tmp_path: Path) -> None:
    pdf = next(p for p in replica_site.root.rglob("*.pdf") if "2020" in str(p))
    pdf.write_bytes(corpus.flate_bomb(inflated_mib=512))
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        with new_session() as session:
            report = poll_source(con, replica_site.source(), session, tmp_path / "raw")
        failed = [o for o in report.outcomes if o.status == "failed"]
        assert [o.publication.issue.issue_id for o in failed] == ["replica-2020-11"]
        assert "decompression bomb" in (failed[0].error or "")
        assert report.count("ingested") == len(report.outcomes) - 1
        numbers = {row[0] for row in con.execute("SELECT doc_number FROM documents").fetchall()}
        assert "宁夏回族自治区人民政府令第130号" in numbers  # 2024 No. 2, from the same poll
        problem = con.execute(
            "SELECT summary FROM events WHERE kind = 'extraction_problem' AND issue_id = 'replica-2020-11'"
        ).fetchone()
        assert problem and "decompression bomb" in problem[0]
    finally:
        con.close()
