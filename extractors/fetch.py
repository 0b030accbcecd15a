"""Fetch stage: one HTTP GET done the polite way, raw bytes kept by content hash.

The caller owns the state (which validators it last saw for a URL) and passes it
in; this module only talks HTTP and writes bytes. That keeps it free of any
database or orchestrator, so tests run it against the replica site directly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

USER_AGENT = "gazette-monitor/0.1 (+https://example.invalid/gazette-monitor; document-update monitor)"
DEFAULT_TIMEOUT = (5.0, 30.0)  # connect, read (seconds)
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


class FetchError(RuntimeError):
    """A response we refuse to keep: wrong host, too large, or an HTTP error."""


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
            )
        if response.status_code != 200:
            raise FetchError(f"GET {url} answered HTTP {response.status_code}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(f"refused {url}: {declared} bytes is over the {max_bytes}-byte limit")
        sha256, size, path = _store_stream(response, raw_dir, max_bytes, url)
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
        )
    finally:
        response.close()


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
                raise FetchError(
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
