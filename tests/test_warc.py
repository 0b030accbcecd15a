"""Every response kept raw in WARC files, and extraction re-run offline from them."""

from __future__ import annotations

import gzip
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from extractors.fetch import Validators, fetch, new_session
from extractors.pipeline import extract_file
from extractors.warc import WarcArchive, read_payload, read_response
from pipeline.run import poll_source
from warehouse.connect import open_warehouse


def test_a_fetched_pdf_reads_back_from_the_warc_byte_for_byte(replica_site, tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path / "warc")
    pdf = next(p for p in replica_site.root.rglob("*.pdf") if "2024" in str(p))
    url = replica_site.url(str(pdf.relative_to(replica_site.root)))
    with new_session() as session:
        result = fetch(session, url, tmp_path / "raw", allowed_hosts=["127.0.0.1"], archive=archive)

    archived = read_response(tmp_path / "warc", result.warc)
    assert archived.url == url and archived.status == 200
    assert archived.body == result.path.read_bytes()
    assert archived.headers["ETag"] == result.etag
    # extraction re-run offline: from the archive alone, the same documents
    offline = tmp_path / "offline.pdf"
    offline.write_bytes(read_payload(tmp_path / "warc", result.warc.as_extra()))
    assert [d.doc_number for d in extract_file(offline).documents] == [
        d.doc_number for d in extract_file(result.path).documents
    ]


def test_a_304_is_archived_too_as_evidence_that_the_url_was_checked(replica_site, tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path / "warc")
    url = replica_site.url("zfgb/index.html")
    with new_session() as session:
        first = fetch(session, url, tmp_path / "raw", allowed_hosts=["127.0.0.1"], archive=archive)
        again = fetch(
            session,
            url,
            tmp_path / "raw",
            allowed_hosts=["127.0.0.1"],
            archive=archive,
            previous=Validators(etag=first.etag, last_modified=first.last_modified),
        )
    assert again.not_modified
    assert read_response(tmp_path / "warc", again.warc).status == 304
    assert again.warc.file == first.warc.file and again.warc.offset > first.warc.offset


def test_the_days_file_is_a_valid_warc_that_any_reader_walks(replica_site, tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path / "warc")
    with new_session() as session:
        for path in ("zfgb/index.html", "zcwj/list/home_0.htm", "hbzl/index.html"):
            url = replica_site.url(path)
            fetch(session, url, tmp_path / "raw", allowed_hosts=["127.0.0.1"], archive=archive)
    (warc_file,) = (tmp_path / "warc").iterdir()
    with open(warc_file, "rb") as stream:
        kinds = [record.rec_type for record in ArchiveIterator(stream)]
    assert kinds == ["warcinfo", "response", "response", "response"]


def test_threads_appending_at_once_leave_every_record_whole(tmp_path: Path) -> None:
    archive = WarcArchive(tmp_path / "warc")
    moment = datetime(2024, 3, 1, tzinfo=UTC)

    def write(n: int):
        body = f"body {n} ".encode() * (n + 1) * 100
        return (
            n,
            body,
            archive.record_response(
                f"http://127.0.0.1/{n}",
                200,
                "OK",
                {"Content-Type": "text/plain"},
                io.BytesIO(body),
                fetched_at=moment,
            ),
        )

    with ThreadPoolExecutor(8) as pool:
        written = list(pool.map(write, range(40)))
    for _, body, location in written:
        assert read_payload(tmp_path / "warc", location) == body
    # each record is its own gzip member: the file decompresses as a whole
    assert gzip.decompress((tmp_path / "warc" / written[0][2].file).read_bytes()).count(b"WARC/1.") == 41


def test_a_poll_records_every_response_in_the_warc_index_and_the_files_extra(
    replica_site, tmp_path: Path
) -> None:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    try:
        with new_session() as session:
            report = poll_source(
                con, replica_site.source(), session, tmp_path / "raw", archive=WarcArchive(tmp_path / "warc")
            )
        requests_made = sum(report.requests.values())
        assert con.execute("SELECT count(*) FROM warc_records").fetchone()[0] == requests_made
        extra, sha256 = con.execute(
            "SELECT extra, sha256 FROM fetched_files WHERE content_type = 'application/pdf' LIMIT 1"
        ).fetchone()
        location = json.loads(extra)
        assert (
            read_payload(tmp_path / "warc", location) == (tmp_path / "raw" / sha256[:2] / sha256).read_bytes()
        )
    finally:
        con.close()
