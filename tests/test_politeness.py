"""Polite fetching against real HTTP servers on 127.0.0.1: robots.txt, Retry-After, backoff, rate limit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from extractors.fetch import FetchError, TransientFetchError, fetch
from extractors.politeness import (
    PolitenessPolicy,
    PoliteSession,
    RobotsDisallowed,
    forget_robots,
    retry_after_seconds,
)


class _Site(BaseHTTPRequestHandler):
    """Answers per path from the server's script: a list of (status, headers) consumed in order."""

    def do_GET(self) -> None:
        self.server.seen.append(self.path)
        script = self.server.script.get(self.path)
        status, headers = script.pop(0) if script and len(script) > 1 else (script or [(404, {})])[0]
        body = self.server.bodies.get(self.path, b"ok")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.seen, server.script, server.bodies = [], {}, {}
    server.script["/robots.txt"] = [(200, {})]
    server.bodies["/robots.txt"] = b"User-agent: *\nDisallow: /private/\n"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    forget_robots()
    yield server
    server.shutdown()
    server.server_close()
    forget_robots()


def _url(server: ThreadingHTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def _session(**overrides) -> PoliteSession:
    policy = dict(user_agent="gazette-test/1", requests_per_second=1000, backoff_base=0.01, jitter=0.5)
    policy.update(overrides)
    return PoliteSession(PolitenessPolicy(**policy))


def test_a_path_that_robots_txt_disallows_is_never_requested(site) -> None:
    with _session() as session, pytest.raises(RobotsDisallowed, match="disallows"):
        session.get(_url(site, "/private/list.html"))
    assert site.seen == ["/robots.txt"]


def test_robots_txt_is_read_once_per_host_and_then_obeyed_silently(site) -> None:
    site.script["/a"] = [(200, {})]
    with _session() as session:
        session.get(_url(site, "/a"))
        session.get(_url(site, "/a"))
    with _session() as another:  # a second session of the same process (a backfill thread)
        another.get(_url(site, "/a"))
    assert site.seen == ["/robots.txt", "/a", "/a", "/a"]


def test_a_robots_txt_that_errors_means_everything_is_disallowed(site) -> None:
    site.script["/robots.txt"] = [(503, {})]
    with _session() as session, pytest.raises(RobotsDisallowed):
        session.get(_url(site, "/a"))


def test_a_missing_robots_txt_means_everything_is_allowed(site) -> None:
    site.script["/robots.txt"] = [(404, {})]
    site.script["/a"] = [(200, {})]
    with _session() as session:
        assert session.get(_url(site, "/a")).status_code == 200


def test_retry_after_is_honoured_exactly_and_the_request_then_succeeds(site) -> None:
    site.script["/busy"] = [(503, {"Retry-After": "1"}), (200, {})]
    with _session() as session:
        response = session.get(_url(site, "/busy"))
    assert response.status_code == 200
    assert site.seen.count("/busy") == 2
    assert [(w.seconds, w.reason) for w in session.waits] == [(1.0, "Retry-After")]


def test_429_and_5xx_without_retry_after_back_off_exponentially(site) -> None:
    site.script["/flaky"] = [(429, {}), (502, {}), (500, {}), (200, {})]
    with _session(attempts=4) as session:
        assert session.get(_url(site, "/flaky")).status_code == 200
    waits = [w for w in session.waits if w.reason.startswith("HTTP")]
    assert [w.reason for w in waits] == ["HTTP 429", "HTTP 502", "HTTP 500"]
    # base 0.01 s doubled each time, stretched by at most 50 % jitter
    for number, wait in enumerate(waits):
        assert 0.01 * 2**number <= wait.seconds <= 0.01 * 2**number * 1.5


def test_when_attempts_run_out_the_last_answer_is_a_transient_fetch_error(site, tmp_path) -> None:
    site.script["/down"] = [(503, {})]
    with _session(attempts=2) as session, pytest.raises(TransientFetchError, match="HTTP 503"):
        fetch(session, _url(site, "/down"), tmp_path, allowed_hosts=["127.0.0.1"])
    assert site.seen.count("/down") == 2


def test_a_retry_after_longer_than_we_wait_ends_the_attempts_at_once(site) -> None:
    site.script["/later"] = [(429, {"Retry-After": "3600"}), (200, {})]
    with _session(max_retry_after=60) as session:
        assert session.get(_url(site, "/later")).status_code == 429
    assert site.seen.count("/later") == 1 and session.waits == []


def test_a_404_is_not_retried_and_is_not_transient(site, tmp_path) -> None:
    with _session() as session, pytest.raises(FetchError) as caught:
        fetch(session, _url(site, "/gone"), tmp_path, allowed_hosts=["127.0.0.1"])
    assert not isinstance(caught.value, TransientFetchError)
    assert site.seen.count("/gone") == 1


def test_a_refused_connection_is_retried_then_raised() -> None:
    with (
        socket_closed_port() as port,
        _session(attempts=3, respect_robots=False) as session,
        pytest.raises(requests.ConnectionError),
    ):
        session.get(f"http://127.0.0.1:{port}/x", timeout=(1, 1))
    assert [w.reason for w in session.waits] == ["ConnectionError", "ConnectionError"]


def test_the_rate_limit_spaces_requests_to_one_host(site) -> None:
    site.script["/a"] = [(200, {})]
    with _session(requests_per_second=20) as session:
        for _ in range(4):
            session.get(_url(site, "/a"))
    rate_waits = [w for w in session.waits if w.reason == "rate limit"]
    assert len(rate_waits) >= 3  # robots.txt took the first slot; every later request waited its turn


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


class socket_closed_port:
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def __exit__(self, *exc) -> None:
        return None
