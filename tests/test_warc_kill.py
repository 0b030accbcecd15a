"""A SIGKILL in the middle of a WARC append (issue 17, item 7): the archive stays a valid WARC.

A child process appends a few records, then a large one; the test kills it with SIGKILL while
the large record's gzip member is being written. The file then ends in a truncated member, where
warcio stops with an error. The next process to append cuts that tail back to the last whole
record before writing, and warcio reads every record of the file.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.warcwriter import WARCWriter

from extractors.warc import WarcArchive, cut_truncated_tail

pytestmark = pytest.mark.slow  # a child process writing a 96 MB record

MOMENT = datetime(2024, 2, 1, 9, 30, tzinfo=UTC)
_CHILD = """
import io, os, sys
from datetime import UTC, datetime
from pathlib import Path
from extractors.warc import WarcArchive
archive = WarcArchive(Path(sys.argv[1]))
moment = datetime(2024, 2, 1, 9, 30, tzinfo=UTC)
for n in range(3):
    body = io.BytesIO(b"<html>%d</html>" % n)
    archive.record_response(f"http://127.0.0.1/small/{n}.html", 200, "OK",
                            [("Content-Type", "text/html")], body, fetched_at=moment)
print("small records written", flush=True)
big = io.BytesIO(os.urandom(96 * 1024 * 1024))  # incompressible: gzip writes it out as it goes
archive.record_response("http://127.0.0.1/big.pdf", 200, "OK", [("Content-Type", "application/pdf")], big,
                        fetched_at=moment)
print("big record written", flush=True)
"""


def _records(path: Path) -> list[str]:
    """Every record's target URI, each read to its end: warcio raises on anything broken."""
    found = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            record.content_stream().read()
            found.append(record.rec_headers.get_header("WARC-Target-URI"))
    return found


def _safe_records(path: Path) -> list[str]:
    """The records warcio reads before it stops, whether it stops with an error or silently."""
    found: list[str] = []
    with open(path, "rb") as stream:
        try:
            for record in ArchiveIterator(stream):
                record.content_stream().read()
                found.append(record.rec_headers.get_header("WARC-Target-URI"))
        except (ArchiveLoadFailed, zlib.error, EOFError, OSError):
            pass
    return found


def test_warcio_reads_every_record_after_a_sigkill_mid_append(tmp_path: Path) -> None:
    directory = tmp_path / "warc"
    path = WarcArchive(directory).file_for(MOMENT)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(directory)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() == "small records written"
        whole = path.stat().st_size
        deadline = time.monotonic() + 120
        while path.stat().st_size < whole + 4 * 1024 * 1024:  # the big member is on its way
            assert child.poll() is None and time.monotonic() < deadline, "the child finished before the kill"
            time.sleep(0.005)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    killed_size = path.stat().st_size
    assert killed_size > whole
    # Appended to as it is, the file hides every later record from warcio: what happened before.
    as_it_was = tmp_path / "as-it-was.warc.gz"
    shutil.copy(path, as_it_was)
    with open(as_it_was, "ab") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(
            writer.create_warc_record("http://127.0.0.1/after.html", "resource", payload=io.BytesIO(b"x"))
        )
    assert "http://127.0.0.1/after.html" not in _safe_records(as_it_was)

    # the next run's first append checks the file and cuts the tail back
    later = WarcArchive(directory)
    location = later.record_response(
        "http://127.0.0.1/after.html", 200, "OK", [("Content-Type", "text/html")], None, fetched_at=MOMENT
    )
    assert later.cut == {path.name: killed_size - whole}
    assert location.offset == whole
    assert _records(path) == [
        None,  # the warcinfo record
        "http://127.0.0.1/small/0.html",
        "http://127.0.0.1/small/1.html",
        "http://127.0.0.1/small/2.html",
        "http://127.0.0.1/after.html",
    ]
    assert cut_truncated_tail(path) == 0  # a whole file is left alone
