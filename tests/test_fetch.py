"""The fetch stage against real HTTP servers on 127.0.0.1: what it keeps, what it refuses."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from extractors.fetch import FetchError, Validators, fetch, new_session, raw_path


def test_a_body_is_kept_under_its_sha256_with_the_servers_validators(replica_site, tmp_path: Path) -> None:
    url = replica_site.url("zfgb/index.html")
    with new_session() as session:
        result = fetch(session, url, tmp_path, allowed_hosts=["127.0.0.1"])
    body = result.path.read_bytes()
    assert result.status == 200
    assert result.sha256 == hashlib.sha256(body).hexdigest()
    assert result.path == raw_path(tmp_path, result.sha256)
    assert result.etag and result.last_modified
    assert result.content_type.startswith("text/html")


def test_a_conditional_get_of_an_unchanged_page_downloads_nothing(replica_site, tmp_path: Path) -> None:
    url = replica_site.url("zfgb/index.html")
    with new_session() as session:
        first = fetch(session, url, tmp_path, allowed_hosts=["127.0.0.1"])
        second = fetch(
            session,
            url,
            tmp_path,
            allowed_hosts=["127.0.0.1"],
            previous=Validators(etag=first.etag, last_modified=first.last_modified),
        )
    assert second.not_modified and second.sha256 is None and second.path is None


def test_a_host_outside_the_sources_hosts_is_refused_before_any_request(tmp_path: Path) -> None:
    with new_session() as session, pytest.raises(FetchError, match="not in the source's allowed_hosts"):
        fetch(session, "http://127.0.0.2:9/x.pdf", tmp_path, allowed_hosts=["127.0.0.1"])


class _Misbehaving(BaseHTTPRequestHandler):
    """A server that redirects away, sends too much, or closes a body half way."""

    def do_GET(self) -> None:
        if self.path == "/away":
            self.send_response(302)
            self.send_header("Location", "http://evil.example/loot.pdf")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(5000))
            self.end_headers()
            self.wfile.write(b"x" * 5000)
        elif self.path == "/cut":
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(100_000))
            self.end_headers()
            self.wfile.write(b"%PDF-1.7\n" + b"0" * 1000)
            self.wfile.flush()
            self.connection.close()
        else:
            self.send_response(500)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def misbehaving() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirect_to_another_host_is_not_followed(misbehaving: str, tmp_path: Path) -> None:
    with new_session() as session, pytest.raises(FetchError, match=r"redirect .* another host"):
        fetch(session, f"{misbehaving}/away", tmp_path, allowed_hosts=["127.0.0.1"])


def test_a_response_over_the_size_limit_is_refused(misbehaving: str, tmp_path: Path) -> None:
    with new_session() as session, pytest.raises(FetchError, match="limit"):
        fetch(session, f"{misbehaving}/big", tmp_path, allowed_hosts=["127.0.0.1"], max_bytes=1000)
    assert not any(tmp_path.rglob("*"))


def test_a_connection_cut_mid_body_leaves_no_file_behind(misbehaving: str, tmp_path: Path) -> None:
    with new_session() as session, pytest.raises(FetchError, match="connection cut after"):
        fetch(session, f"{misbehaving}/cut", tmp_path, allowed_hosts=["127.0.0.1"])
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_an_http_error_is_a_fetch_error(misbehaving: str, tmp_path: Path) -> None:
    with new_session() as session, pytest.raises(FetchError, match="HTTP 500"):
        fetch(session, f"{misbehaving}/boom", tmp_path, allowed_hosts=["127.0.0.1"])
