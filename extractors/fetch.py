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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests
import urllib3

from core.errors import FetchError
from extractors.warc import WarcArchive, WarcLocation

USER_AGENT = "gazette-monitor/0.1 (+https://example.invalid/gazette-monitor; document-update monitor)"
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_TOTAL_SECONDS = 600.0  # a whole request, body included: a 200 MB PDF at ~350 kB/s
DEFAULT_MAX_REDIRECTS = 5  # RFC 9309 asks crawlers to follow at least five for robots.txt


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


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_and_port(url: str) -> tuple[str, int | None]:
    """The URL's host (lower case) and port (the scheme's default when none is written)."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return "", None
    return (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(parts.scheme)


def host_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """True when the URL is http(s) on one of the source's hosts.

    An entry `host:port` allows that port only; a bare `host` allows the host on any port
    (sources name hosts, the replica's port is chosen at run time). Redirects are held to a
    stricter rule in `redirect_allowed`, since a port is a different service.
    """
    if urlsplit(url).scheme not in _DEFAULT_PORTS:
        return False
    host, port = _host_and_port(url)
    if not host:
        return False
    for entry in allowed_hosts:
        allowed_host, allowed_port = _host_and_port(f"//{entry.strip().lower()}")
        if host == allowed_host and allowed_port in (None, port):
            return True
    return False


def redirect_allowed(source: str, target: str, allowed_hosts: Iterable[str]) -> bool:
    """A redirect may lead to an allowed host, but not to another port than the one it came from.

    The exceptions are a port the source names explicitly (`host:port`) and the default port of
    the same host (http → https on the same site). A hostile server otherwise points the monitor at any
    service listening on an allowed host.
    """
    allowed = [entry.strip().lower() for entry in allowed_hosts]
    if not host_allowed(target, allowed):
        return False
    target_host, target_port = _host_and_port(target)
    source_host, source_port = _host_and_port(source)
    if target_port == source_port:
        return True
    if target_host == source_host and target_port == _DEFAULT_PORTS.get(urlsplit(target).scheme):
        return True
    return (target_host, target_port) in {_host_and_port(f"//{entry}") for entry in allowed}


def raw_path(raw_dir: Path, sha256: str) -> Path:
    """Content-addressed location: the same bytes are stored once, whatever the URL."""
    return raw_dir / sha256[:2] / sha256


@dataclass(frozen=True)
class Limits:
    """What one request may cost, whoever sends it (a page, a PDF, robots.txt).

    `max_bytes` counts decoded bytes (after gzip/deflate/br), so a small compressed bomb is
    cut off as it inflates; `total_seconds` bounds the whole exchange, body included, which a
    read timeout alone does not: a server trickling one byte a second never trips it.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    total_seconds: float = DEFAULT_TOTAL_SECONDS
    max_redirects: int = DEFAULT_MAX_REDIRECTS


class Deadline:
    """The moment a request must be done by; every socket wait is capped to what is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self._end - time.monotonic()

    def timeout(self, timeout: tuple[float, float]) -> tuple[float, float]:
        """(connect, read) timeouts no longer than the time left (never zero: requests rejects it)."""
        left = max(self.remaining(), 0.001)
        return (min(timeout[0], left), min(timeout[1], left))

    def check(self, url: str, received: int) -> None:
        if self.remaining() <= 0:
            raise FetchError(
                f"GET {url}: cut off by the {self.seconds:g}-second total-time limit"
                f" ({received} bytes received)"
            )


_VALIDATOR_HEADERS = ("If-None-Match", "If-Modified-Since")


def open_guarded(
    get: Callable[..., requests.Response],
    url: str,
    *,
    allowed_hosts: Iterable[str],
    limits: Limits,
    deadline: Deadline,
    headers: Mapping[str, str] | None = None,
    on_redirect: Callable[[requests.Response], object] | None = None,
) -> requests.Response:
    """GET `url`, following redirects one hop at a time under the host rule; the body is left unread.

    Iterative, with a hop limit: a redirect loop costs at most `limits.max_redirects + 1`
    requests. Validators (If-None-Match, If-Modified-Since) belong to the URL they were
    received for and are dropped once a redirect leads elsewhere. `on_redirect` sees every
    redirect answer (the WARC keeps them) before it is closed.
    """
    allowed = [entry.lower() for entry in allowed_hosts]
    if not host_allowed(url, allowed):
        raise FetchError(f"refused {url}: host not in the source's allowed_hosts {allowed}")
    sent = dict(headers or {})
    current = url
    for _hop in range(limits.max_redirects + 1):
        deadline.check(current, 0)
        response = get(
            current,
            headers=sent,
            timeout=deadline.timeout(limits.timeout),
            stream=True,
            allow_redirects=False,
        )
        if not response.is_redirect:
            return response
        try:
            target = requests.compat.urljoin(current, response.headers.get("Location", ""))
            if on_redirect is not None:
                on_redirect(response)
        finally:
            response.close()
        if not redirect_allowed(current, target, allowed):
            raise FetchError(f"refused redirect from {current} to another host or port: {target}")
        if target != url:
            sent = {k: v for k, v in sent.items() if k not in _VALIDATOR_HEADERS}
        current = target
    raise FetchError(f"refused {url}: more than {limits.max_redirects} redirects (last to {current})")


_CHUNK = 64 * 1024


def iter_body(
    response: requests.Response,
    url: str,
    *,
    max_bytes: int,
    deadline: Deadline,
    truncate: bool = False,
) -> Iterator[bytes]:
    """The decoded body, chunk by chunk, within the size and time limits.

    `read1` returns what one socket read brought (decoded, at most `_CHUNK` bytes: urllib3
    ≥ 2.6 inflates no more than asked), so the deadline is checked after every few bytes of
    a trickle and a bomb is counted as it inflates. Over `max_bytes`: FetchError, or with
    `truncate` the first `max_bytes` bytes (robots.txt: RFC 9309 lets a parser stop at 500 KiB).
    """
    received = 0
    try:
        while True:
            deadline.check(url, received)
            chunk = response.raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                return
            received += len(chunk)
            if received > max_bytes:
                if truncate:
                    yield chunk[: len(chunk) - (received - max_bytes)]
                    return
                raise FetchError(f"refused {url}: body exceeds the {max_bytes}-byte limit (decoded)")
            yield chunk
    except (urllib3.exceptions.ReadTimeoutError, requests.exceptions.ReadTimeout) as exc:
        deadline.check(url, received)
        raise TransientFetchError(f"GET {url}: read timed out after {received} bytes") from exc
    except (
        urllib3.exceptions.ProtocolError,
        urllib3.exceptions.DecodeError,
        requests.exceptions.ConnectionError,
        OSError,
    ) as exc:
        raise TransientFetchError(
            f"GET {url}: connection cut after {received} bytes ({type(exc).__name__})"
        ) from exc


def fetch(
    session: requests.Session,
    url: str,
    raw_dir: Path,
    *,
    allowed_hosts: Iterable[str],
    previous: Validators | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    total_seconds: float = DEFAULT_TOTAL_SECONDS,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    archive: WarcArchive | None = None,
) -> FetchResult:
    """GET `url` (conditionally when `previous` is given) and keep the body.

    Every limit of `Limits` applies (hosts and ports, redirects, decoded size, total time);
    a redirect outside `allowed_hosts` is refused, since sources are trusted per host.
    """
    limits = Limits(
        max_bytes=max_bytes, timeout=timeout, total_seconds=total_seconds, max_redirects=max_redirects
    )
    deadline = Deadline(total_seconds)
    headers = {}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    response = open_guarded(
        session.get,
        url,
        allowed_hosts=allowed_hosts,
        limits=limits,
        deadline=deadline,
        headers=headers,
        on_redirect=lambda answer: _archive(archive, answer, None, datetime.now(UTC)),
    )
    try:
        url = response.url or url
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
                _archive(archive, response, _bounded_body(response, url, deadline), now)
            error = TransientFetchError if response.status_code in _TRANSIENT_STATUSES else FetchError
            raise error(f"GET {url} answered HTTP {response.status_code}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"refused {url}: {declared} bytes is over the {max_bytes}-byte limit")
        sha256, size, path = _store_stream(response, raw_dir, max_bytes, url, deadline)
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


def _bounded_body(response: requests.Response, url: str, deadline: Deadline) -> BinaryIO:
    """The first MiB of an error answer: enough to see what the server said, never a whole file."""
    try:
        return io.BytesIO(
            b"".join(iter_body(response, url, max_bytes=_ERROR_BODY_LIMIT, deadline=deadline, truncate=True))
        )
    except FetchError:
        return io.BytesIO(b"")


def _store_stream(
    response: requests.Response, raw_dir: Path, max_bytes: int, url: str, deadline: Deadline
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
            for chunk in iter_body(response, url, max_bytes=max_bytes, deadline=deadline):
                size += len(chunk)
                digest.update(chunk)
                out.write(chunk)
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
