"""A page that holds no official document is seen, not made a document (issue 13).

The extraction says why (kind: news, interpretation, guide, faq, other_page); the loader records
the page (file, page text, publication) with its kind in the file's `extra`, and no document.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from extractors.pipeline import extract_file
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.records import FetchedFile, IssueRecord

CMS = Path(__file__).resolve().parent / "fixtures" / "cms"


def _load(con, path: Path):
    result = extract_file(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    issue = IssueRecord(issue_id=f"page-{path.stem}", source_id="lc-portal", kind="article", page_count=1)
    fetched = FetchedFile(sha256=sha, url=f"http://127.0.0.1/{path.name}", http_status=200)
    return result, sha, load_issue(con, issue, fetched, result.pages, result.documents)


@pytest.mark.parametrize(
    ("page", "kind"),
    [
        ("page_news_meeting_trs.html", "news"),
        ("page_interpretation_trs.html", "interpretation"),
        ("page_guide_jyh.html", "guide"),
    ],
)
def test_the_loader_records_a_sighting_of_a_non_document_page_without_a_document(
    tmp_path: Path, page: str, kind: str
) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    result, sha, loaded = _load(con, CMS / page)
    assert [doc.kind for doc in result.documents] == [kind]
    assert loaded.documents_new == 0 and loaded.sightings_new == 0
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    extra = json.loads(con.execute("SELECT extra FROM fetched_files WHERE sha256 = ?", [sha]).fetchone()[0])
    assert extra["page_kind"] == kind and extra["page_title"] == result.documents[0].title
    assert con.execute("SELECT loaded_file_sha256 FROM issues").fetchone()[0] == sha
    assert con.execute("SELECT count(*) FROM pages WHERE file_sha256 = ?", [sha]).fetchone()[0] == 1
    # Loading the same page again changes nothing.
    assert _load(con, CMS / page)[2].unchanged


def test_an_official_page_beside_it_still_becomes_a_document(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    _load(con, CMS / "page_news_meeting_trs.html")
    _, sha, loaded = _load(con, CMS / "trs_notice_hidden_copy.html")
    assert loaded.documents_new == 1
    assert con.execute("SELECT doc_number FROM documents").fetchall() == [("临府办发〔2024〕8号",)]
    extra = con.execute("SELECT extra FROM fetched_files WHERE sha256 = ?", [sha]).fetchone()[0]
    assert extra is None or "page_kind" not in extra
