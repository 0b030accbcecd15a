"""A publisher that attacks the fetcher: a real HTTP server on 127.0.0.1 with hostile answers.

Each path is one attack the red team ran against the monitor (issues 16 and 17):

    /trickle            200, Content-Length 400, then one byte every 50 ms (20 s in all): no
                        single read ever times out, only a total-time limit ends it
    /bomb.gz, /bomb.df  a page whose gzip (deflate) Content-Encoding inflates to `bomb_mib` MiB
    /robots.txt         per `robots`: "redirect" (302 to `elsewhere`, another host),
                        "bomb" (the gzip bomb as robots.txt), or the rules in `robots_body`
    /loop/N             302 to /loop/N+1, for ever: a redirect loop
    /to-port            302 to the same host on `other_port` (another service)
    /moved              302 to /new, which answers 304 to any If-None-Match (and 200 otherwise)
    anything else       200 "ok"

Every request is logged with its headers, so a test can say what was (never) sent.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TRICKLE_BYTES = 400
TRICKLE_INTERVAL = 0.05


@cache
def compressed_zeros(mib: int, wbits: int) -> bytes:
    """`mib` MiB of zero bytes compressed (wbits 31 = gzip, -15 = raw deflate), built a MiB at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(mib)]
    parts.append(compressor.flush())
    return b"".join(parts)


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class HostileSite:
    robots: str = "rules"  # rules | redirect | bomb
    robots_body: bytes = b"User-agent: *\nDisallow:\n"
    elsewhere: str = ""  # origin of another host, for the robots redirect
    other_port: int = 0
    bomb_mib: int = 1024
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_for(self, prefix: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.path.startswith(prefix)]


def _handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            with site._lock:
                site.seen.append(Seen(self.path, dict(self.headers.items())))
            with suppress(ConnectionError, OSError):
                self._answer()

        def _answer(self) -> None:
            path = self.path
            if path == "/robots.txt" and site.robots == "redirect":
                self._send(302, b"", {"Location": f"{site.elsewhere}/robots.txt"})
            elif path == "/robots.txt" and site.robots == "bomb":
                self._send(200, compressed_zeros(site.bomb_mib, 31), {"Content-Encoding": "gzip"})
            elif path == "/robots.txt":
                self._send(200, site.robots_body, {"Content-Type": "text/plain"})
            elif path == "/trickle":
                self._trickle()
            elif path == "/bomb.gz":
                self._send(200, compressed_zeros(site.bomb_mib, 31), {"Content-Encoding": "gzip"})
            elif path == "/bomb.df":
                self._send(200, compressed_zeros(site.bomb_mib, -15), {"Content-Encoding": "deflate"})
            elif path.startswith("/loop/"):
                step = int(path.rsplit("/", 1)[1] or 0)
                self._send(302, b"", {"Location": f"/loop/{step + 1}"})
            elif path == "/to-port":
                self._send(302, b"", {"Location": f"http://127.0.0.1:{site.other_port}/secret"})
            elif path == "/moved":
                self._send(302, b"", {"Location": "/new"})
            elif path == "/new" and "If-None-Match" in self.headers:
                self._send(304, b"", {"ETag": '"v1"'})
            else:
                self._send(200, b"ok", {"Content-Type": "text/html", "ETag": '"v1"'})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _trickle(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(TRICKLE_BYTES))
            self.end_headers()
            for _ in range(TRICKLE_BYTES):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(TRICKLE_INTERVAL)

    return Handler


@contextmanager
def serving(site: HostileSite, host: str = "127.0.0.1") -> Iterator[HostileSite]:
    server = ThreadingHTTPServer((host, 0), _handler(site))
    server.daemon_threads = True
    site.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
