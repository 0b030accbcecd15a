"""A real HTTP server for the replica site, answering the way a publisher's web server does.

The monitor's fetch stage relies on validators (ETag, Last-Modified) and on 304 answers to poll
cheaply; testing that against a server which really implements them is the only honest test. The
server is the standard library's ThreadingHTTPServer on 127.0.0.1, serving files from a site
directory built by `replica.site.build_site`:

- Content-Type by extension (HTML carries its charset: UTF-8, or the page's own legacy charset);
- a strong ETag (hash of the body as served) and a Last-Modified taken from the site's recorded
  publication time of the file, not from the file's mtime, so both are deterministic;
- If-None-Match (preferred) and If-Modified-Since answered with 304, HEAD, 404 for missing files,
  403 for paths that try to leave the site, no directory listings, dot-files never served;
- absolute links written as http://site-origin.invalid in the site's pages are served with the
  origin the client used (as a CMS writes its own host name into pages).

Requests are logged to the `replica.server` logger at DEBUG, never to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from core.errors import GazetteError
from replica.site import META_FILE, SITE_ORIGIN, SiteMeta, load_site_meta

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".xml": "application/xml",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
}
TEXT_SUFFIXES = frozenset({".html", ".htm", ".txt", ".css", ".js", ".json", ".xml"})
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class TraversalRefused(GazetteError, ValueError):
    """The request path tries to leave the site directory (.., encoded slashes, NUL, dot-files)."""


def resolve_request_path(root: Path, raw_path: str) -> Path:
    """Map a request path to a file under `root`; raises TraversalRefused for escape attempts.

    The returned path may not exist (the caller answers 404); directories map to their index.html.
    """
    path = urlsplit(raw_path).path
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError as exc:
        raise TraversalRefused(f"undecodable path {path!r}") from exc
    if "\x00" in decoded or "\\" in decoded:
        raise TraversalRefused(f"refused path {path!r}")
    parts = [part for part in decoded.split("/") if part not in ("", ".")]
    if any(part == ".." or part.startswith(".") for part in parts):
        raise TraversalRefused(f"refused path {path!r}")
    root = root.resolve()
    candidate = root.joinpath(*parts).resolve()
    if not candidate.is_relative_to(root):
        raise TraversalRefused(f"refused path {path!r}: outside the site")
    return candidate


@dataclass
class _Cached:
    key: tuple[int, int, str]
    body: bytes
    etag: str


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], root: Path) -> None:
        super().__init__(address, _Handler)
        self.bound_host = address[0]  # server_address is typed for every family; this one is IPv4
        self.root = root.resolve()
        self._cache: dict[Path, _Cached] = {}
        self._meta: tuple[int, SiteMeta] | None = None
        self._lock = threading.Lock()

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        """A client that hangs up mid-response is routine for a web server: log it, don't print it."""
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)

    def site_meta(self) -> SiteMeta:
        """The site's metadata, re-read when the builder rewrote it (the site evolves while served)."""
        stamp = load_site_meta_stamp(self.root)
        with self._lock:
            if self._meta is None or self._meta[0] != stamp:
                self._meta = (stamp, load_site_meta(self.root))
            return self._meta[1]

    def body_for(self, path: Path, origin: str) -> tuple[bytes, str]:
        """The served bytes of a file and their ETag, cached until the file changes."""
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size, origin)
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached.key == key:
                return cached.body, cached.etag
        body = path.read_bytes()
        if path.suffix.lower() in TEXT_SUFFIXES:
            body = body.replace(SITE_ORIGIN.encode("ascii"), origin.encode("ascii"))
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        with self._lock:
            self._cache[path] = _Cached(key=key, body=body, etag=etag)
        return body, etag


def load_site_meta_stamp(root: Path) -> int:
    """The metadata file's mtime: a cheap "has the site been rebuilt" check per request."""
    try:
        return (root / META_FILE).stat().st_mtime_ns
    except FileNotFoundError:
        return -1


class _Handler(BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    server_version = "GazetteReplica/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes; with Nagle on, keep-alive clients stall ~40 ms
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def _origin(self) -> str:
        host = (self.headers.get("Host") or "").strip()
        if not _HOST.match(host):
            host = f"{self.server.bound_host}:{self.server.server_port}"
        return f"http://{host}"

    def _respond(self, send_body: bool) -> None:
        root = self.server.root
        try:
            path = resolve_request_path(root, self.path)
        except TraversalRefused as exc:
            logger.info("403 %s", exc)
            self._plain(HTTPStatus.FORBIDDEN, "403 Forbidden\n", send_body)
            return
        request_path = urlsplit(self.path).path
        if path.is_dir():
            if not request_path.endswith("/"):
                self._redirect(request_path + "/", send_body)
                return
            path = path / "index.html"
        if not path.is_file():
            self._plain(HTTPStatus.NOT_FOUND, "404 Not Found\n", send_body)
            return
        relative = path.relative_to(root).as_posix()
        meta = self.server.site_meta()
        info = meta.files.get(relative)
        if info is not None:
            last_modified = meta.published_at(info.state)
        else:
            last_modified = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
        body, etag = self.server.body_for(path, self._origin())
        headers = {
            "Content-Type": _content_type(path, info.charset if info else None),
            "ETag": etag,
            "Last-Modified": format_datetime(last_modified, usegmt=True),
            "Cache-Control": "no-cache",
            "Accept-Ranges": "none",
        }
        if _not_modified(
            self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"), etag, last_modified
        ):
            self._send(
                HTTPStatus.NOT_MODIFIED,
                {k: v for k, v in headers.items() if k != "Content-Type"},
                b"",
                send_body=False,
            )
            return
        self._send(HTTPStatus.OK, headers, body, send_body)

    def _redirect(self, location: str, send_body: bool) -> None:
        body = f"301 Moved Permanently: {location}\n".encode()
        self._send(
            HTTPStatus.MOVED_PERMANENTLY,
            {"Location": location, "Content-Type": "text/plain; charset=utf-8"},
            body,
            send_body,
        )

    def _plain(self, status: HTTPStatus, text: str, send_body: bool) -> None:
        self._send(status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode(), send_body)

    def _send(self, status: HTTPStatus, headers: dict[str, str], body: bytes, send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


def _content_type(path: Path, charset: str | None) -> str:
    suffix = path.suffix.lower()
    base = CONTENT_TYPES.get(suffix, "application/octet-stream")
    if suffix in TEXT_SUFFIXES:
        return f"{base}; charset={charset or 'utf-8'}"
    return base


def _not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: datetime
) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present; If-Modified-Since only otherwise."""
    if if_none_match is not None:
        candidates = [tag.strip() for tag in if_none_match.split(",")]
        return any(tag == "*" or tag.removeprefix("W/") == etag for tag in candidates)
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified <= since
    return False


@dataclass
class RunningSite:
    """A replica server running in a background thread."""

    url: str
    root: Path
    port: int
    _server: _SiteHTTPServer
    _thread: threading.Thread

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C in `gazette replica serve`)."""
        while self._thread.is_alive():
            self._thread.join(timeout=0.5)


def start_site(site_dir: Path, host: str = "127.0.0.1", port: int = 0) -> RunningSite:
    """Serve `site_dir` on host:port (port 0 picks a free one) until `stop()`."""
    root = Path(site_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"no replica site at {root}: build it with replica.site.build_site first")
    server = _SiteHTTPServer((host, port), root)
    bound_port = int(server.server_address[1])
    # a short poll interval makes stop() return promptly (shutdown waits for the next poll)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name=f"replica-site-{bound_port}",
        daemon=True,
    )
    thread.start()
    url = f"http://{host}:{bound_port}"
    logger.info("serving %s at %s", root, url)
    return RunningSite(url=url, root=root, port=bound_port, _server=server, _thread=thread)


@contextmanager
def serve_site(site_dir: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningSite]:
    """Serve a site for the duration of a `with` block."""
    running = start_site(site_dir, host=host, port=port)
    try:
        yield running
    finally:
        running.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m replica.server SITE_DIR [--port N]`: serve a built site until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Serve a built replica site on 127.0.0.1.")
    parser.add_argument("site_dir", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with serve_site(args.site_dir, port=args.port) as running:
        print(f"serving {running.root} at {running.url} (Ctrl-C to stop)")
        with suppress(KeyboardInterrupt):
            running.wait()


if __name__ == "__main__":
    main()
