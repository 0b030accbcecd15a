"""Fetch stage: one HTTP GET done the polite way, raw bytes kept by content hash.

The caller owns the state (which validators it last saw for a URL) and passes it
in; this module only talks HTTP and writes bytes. That keeps it free of any
database or orchestrator, so tests run it against the replica site directly.

Politeness (robots.txt, per-host rate limit, backoff on 429/5xx/timeouts) is the
session's job: pass an `extractors.politeness.PoliteSession`. With a
`WarcArchive`, every response (200, 304 and errors alike) is also appended raw to
the day's WARC file and its location returned in `FetchResult.warc`.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests

from core.errors import FetchError
from extractors.warc import WarcArchive, WarcLocation

USER_AGENT = "gazette-monitor/0.1 (+https://example.invalid/gazette-monitor; document-update monitor)"
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


class TransientFetchError(FetchError):
    """A fault that may pass if tried again later: 429/5xx, a connection cut mid-body."""


_TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Validators:
    """What the server told us last time, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int  # 200 or 304
    fetched_at: datetime
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None  # None on 304: nothing new was downloaded
    size: int | None = None
    path: Path | None = None  # where the raw bytes are kept
    warc: WarcLocation | None = None  # the response's record in the WARC archive

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def new_session(user_agent: str = USER_AGENT) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    return session


def host_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """True when the URL's host is one of the source's hosts (port ignored)."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == allowed.lower() for allowed in allowed_hosts)


def raw_path(raw_dir: Path, sha256: str) -> Path:
    """Content-addressed location: the same bytes are stored once, whatever the URL."""
    return raw_dir / sha256[:2] / sha256


def fetch(
    session: requests.Session,
    url: str,
    raw_dir: Path,
    *,
    allowed_hosts: Iterable[str],
    previous: Validators | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    archive: WarcArchive | None = None,
) -> FetchResult:
    """GET `url` (conditionally when `previous` is given) and keep the body.

    Redirects are not followed blindly: a redirect to a host outside
    `allowed_hosts` is refused, since sources are trusted per host.
    """
    allowed = list(allowed_hosts)
    if not host_allowed(url, allowed):
        raise FetchError(f"refused {url}: host not in the source's allowed_hosts {allowed}")
    headers = {}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    response = session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
    try:
        if response.is_redirect:
            target = requests.compat.urljoin(url, response.headers.get("Location", ""))
            _archive(archive, response, None, datetime.now(UTC))
            if not host_allowed(target, allowed):
                raise FetchError(f"refused redirect from {url} to another host: {target}")
            response.close()
            return fetch(
                session,
                target,
                raw_dir,
                allowed_hosts=allowed,
                previous=previous,
                timeout=timeout,
                max_bytes=max_bytes,
                archive=archive,
            )
        now = datetime.now(UTC)
        if response.status_code == 304:
            return FetchResult(
                url=url,
                status=304,
                fetched_at=now,
                etag=response.headers.get("ETag") or (previous.etag if previous else None),
                last_modified=response.headers.get("Last-Modified")
                or (previous.last_modified if previous else None),
                warc=_archive(archive, response, None, now),
            )
        if response.status_code != 200:
            if archive is not None:
                _archive(archive, response, _bounded_body(response), now)
            error = TransientFetchError if response.status_code in _TRANSIENT_STATUSES else FetchError
            raise error(f"GET {url} answered HTTP {response.status_code}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"refused {url}: {declared} bytes is over the {max_bytes}-byte limit")
        sha256, size, path = _store_stream(response, raw_dir, max_bytes, url)
        with open(path, "rb") as body:
            location = _archive(archive, response, body, now, payload_digest=sha256)
        return FetchResult(
            url=url,
            status=200,
            fetched_at=now,
            content_type=response.headers.get("Content-Type"),
            etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"),
            sha256=sha256,
            size=size,
            path=path,
            warc=location,
        )
    finally:
        response.close()


# The body handed to us is already de-chunked and decompressed by requests: these
# headers would make a WARC reader decode it a second time, so they are kept renamed.
_DECODED_HEADERS = {"content-encoding", "transfer-encoding"}
_ERROR_BODY_LIMIT = 1024 * 1024


def _archive(
    archive: WarcArchive | None,
    response: requests.Response,
    body: BinaryIO | None,
    fetched_at: datetime,
    payload_digest: str | None = None,
) -> WarcLocation | None:
    if archive is None:
        return None
    headers = [
        (f"X-Gazette-Decoded-{name}" if name.lower() in _DECODED_HEADERS else name, value)
        for name, value in response.raw.headers.items()
    ]
    version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(getattr(response.raw, "version", 11), "HTTP/1.1")
    return archive.record_response(
        response.url or "",
        response.status_code,
        response.reason or "",
        headers,
        body,
        fetched_at=fetched_at,
        http_version=version,
        payload_digest=payload_digest,
    )


def _bounded_body(response: requests.Response) -> BinaryIO:
    """The first MiB of an error answer: enough to see what the server said, never a whole file."""
    try:
        return io.BytesIO(response.raw.read(_ERROR_BODY_LIMIT, decode_content=True) or b"")
    except (requests.RequestException, OSError):
        return io.BytesIO(b"")


def _store_stream(
    response: requests.Response, raw_dir: Path, max_bytes: int, url: str
) -> tuple[str, int, Path]:
    """Stream the body to a temp file while hashing; rename into place when complete.

    A partial download never lands under its hash, so a crash or a reset
    connection cannot leave a truncated file that looks valid.
    """
    raw_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=raw_dir, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"refused {url}: body exceeds the {max_bytes}-byte limit")
                    digest.update(chunk)
                    out.write(chunk)
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError) as exc:
                raise TransientFetchError(
                    f"GET {url}: connection cut after {size} bytes ({type(exc).__name__})"
                ) from exc
        declared = response.headers.get("Content-Length")
        if (
            declared
            and declared.isdigit()
            and "Content-Encoding" not in response.headers
            and int(declared) != size
        ):
            raise FetchError(f"GET {url}: got {size} bytes of the {declared} announced")
        sha256 = digest.hexdigest()
        final = raw_path(raw_dir, sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, final)
        return sha256, size, final
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
