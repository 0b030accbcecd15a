"""Every HTTP response the monitor receives, kept raw in WARC files (ISO 28500, via warcio).

Why WARC and not only the content-addressed raw store: the raw store keeps bodies, but a
WARC record also keeps the status line, the headers and the time of the answer, in a
format every web-archiving tool reads. That makes the archive evidence of what a site
published and when, and lets any extraction be re-run later without fetching again
(`read_payload` gives the body back from a file name and an offset).

Files are per day, `gazette-YYYYMMDD.warc.gz`, appended to record by record (each record
is its own gzip member, as the format intends). An exclusive `flock` around each append
keeps records whole when threads or processes of one machine write at once, and gives
each record an exact offset.

A process killed in the middle of an append (SIGKILL, power loss) leaves a truncated gzip
member at the end of the file: warcio and every sequential reader stop there, so every
later record of the day would be unreadable to standard tools. Before its first append to
a file, a process therefore checks it and cuts a truncated tail back to the end of the
last whole record (`cut_truncated_tail`). The cut record was never indexed: the index
row is written only after an append returns.
"""

from __future__ import annotations

import fcntl
import io
import logging
import os
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from core.errors import FetchError

SOFTWARE = "gazette-monitor (warcio)"
_CHUNK = 1024 * 1024

log = logging.getLogger(__name__)


class WarcError(FetchError):
    """A WARC record could not be written or read back."""


@dataclass(frozen=True)
class WarcLocation:
    """Where one response lives in the archive: enough to read it back without an index."""

    file: str  # file name inside the archive directory
    offset: int  # byte offset of the record's gzip member
    length: int  # compressed length of the record
    record_id: str  # WARC-Record-ID, <urn:uuid:...>

    def as_extra(self) -> dict[str, str]:
        """The form `fetched_files.extra` keeps it in."""
        return {
            "warc_file": self.file,
            "warc_offset": str(self.offset),
            "warc_length": str(self.length),
            "warc_record_id": self.record_id,
        }


def whole_records_end(stream: BinaryIO) -> int:
    """Offset just past the last complete gzip member, reading `stream` from its start.

    Members are decompressed and the output thrown away, a megabyte at a time, so a day's
    file of any size is checked in constant memory.
    """
    stream.seek(0)
    end = position = 0
    member = None
    while chunk := stream.read(_CHUNK):
        data = chunk
        while data:
            if member is None:
                member = zlib.decompressobj(wbits=31)  # one gzip member
            try:
                member.decompress(data)
            except zlib.error:
                return end
            if member.eof:
                used = len(data) - len(member.unused_data)
                position += used
                end = position
                data = member.unused_data
                member = None
            else:
                position += len(data)
                data = b""
    return end


def cut_truncated_tail(path: Path) -> int:
    """Cut `path` back to the end of its last whole record; return how many bytes were cut.

    Takes the file's flock, so it never cuts a record another process is appending.
    """
    with open(path, "r+b") as stream:
        fcntl.flock(stream, fcntl.LOCK_EX)
        try:
            return _cut_locked(stream.fileno(), path)
        finally:
            fcntl.flock(stream, fcntl.LOCK_UN)


def _cut_locked(fd: int, path: Path) -> int:
    """The cut itself, by a caller that holds the file's flock on `fd`."""
    with open(path, "rb") as reader:
        end = whole_records_end(reader)
    size = os.fstat(fd).st_size
    if end == size:
        return 0
    os.ftruncate(fd, end)
    os.fsync(fd)
    log.warning("%s: cut a truncated record (%d bytes) after offset %d", path.name, size - end, end)
    return size - end


class WarcArchive:
    """Appends response records to the day's WARC file under `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._checked: set[str] = set()  # files this process has checked for a truncated tail
        self.cut: dict[str, int] = {}  # bytes cut from each file's tail, for the run's report

    def file_for(self, moment: datetime) -> Path:
        return self.directory / f"gazette-{moment.astimezone(UTC):%Y%m%d}.warc.gz"

    def record_response(
        self,
        url: str,
        status: int,
        reason: str,
        headers: Mapping[str, str] | list[tuple[str, str]],
        body: BinaryIO | None,
        *,
        fetched_at: datetime,
        http_version: str = "HTTP/1.1",
        payload_digest: str | None = None,
    ) -> WarcLocation:
        """Write one response record (status line, headers, body as received); return where it went."""
        items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        http_headers = StatusAndHeaders(f"{status} {reason}".strip(), items, protocol=http_version)
        warc_headers = {"WARC-Date": fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if payload_digest:
            warc_headers["WARC-Payload-Digest"] = f"sha256:{payload_digest}"
        path = self.file_for(fetched_at)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._lock, open(path, "ab") as out:
                fcntl.flock(out, fcntl.LOCK_EX)
                try:
                    if path.name not in self._checked:  # first append of this process to the file
                        cut = _cut_locked(out.fileno(), path)
                        if cut:
                            self.cut[path.name] = cut
                        self._checked.add(path.name)
                    offset = out.seek(0, os.SEEK_END)
                    writer = WARCWriter(out, gzip=True)
                    if offset == 0:
                        writer.write_record(writer.create_warcinfo_record(path.name, {"software": SOFTWARE}))
                        offset = out.tell()
                    record = writer.create_warc_record(
                        url,
                        "response",
                        payload=body if body is not None else io.BytesIO(b""),
                        http_headers=http_headers,
                        warc_headers_dict=warc_headers,
                    )
                    writer.write_record(record)
                    out.flush()
                    length = out.tell() - offset
                finally:
                    fcntl.flock(out, fcntl.LOCK_UN)
        except OSError as exc:
            raise WarcError(f"cannot append to {path}: {exc.strerror or exc}") from exc
        return WarcLocation(
            file=path.name,
            offset=offset,
            length=length,
            record_id=record.rec_headers.get_header("WARC-Record-ID"),
        )


@dataclass(frozen=True)
class ArchivedResponse:
    url: str
    status: int
    headers: dict[str, str]
    fetched_at: str  # WARC-Date
    body: bytes


def read_response(directory: Path, location: WarcLocation | Mapping[str, str]) -> ArchivedResponse:
    """The response stored at `location` (a WarcLocation or the `extra` dict of a fetched file)."""
    if isinstance(location, Mapping):
        file, offset = location["warc_file"], int(location["warc_offset"])
    else:
        file, offset = location.file, location.offset
    path = Path(directory) / file
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            for record in ArchiveIterator(stream):
                if record.rec_type != "response":
                    raise WarcError(f"{path}@{offset} is a {record.rec_type} record, not a response")
                return ArchivedResponse(
                    url=record.rec_headers.get_header("WARC-Target-URI"),
                    status=int(record.http_headers.get_statuscode()),
                    headers=dict(record.http_headers.headers),
                    fetched_at=record.rec_headers.get_header("WARC-Date"),
                    body=record.content_stream().read(),
                )
    except OSError as exc:
        raise WarcError(f"cannot read {path}: {exc.strerror or exc}") from exc
    raise WarcError(f"no record at {path}@{offset}")


def read_payload(directory: Path, location: WarcLocation | Mapping[str, str]) -> bytes:
    """The body of the archived response: what extraction reads when it is re-run offline."""
    return read_response(directory, location).body
