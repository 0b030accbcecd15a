"""The publisher's site misbehaves: the poll rides out what is transient and isolates what is not.

End to end through `pipeline.run.poll_source`, against a small misbehaving reverse proxy on
127.0.0.1 standing in front of the live replica. The proxy forwards every request untouched
(Host header included, so the links the replica writes point back at the proxy) except on the
paths a test arms with faults: HTTP 500 or 503, 429 with Retry-After, a stall past the read
timeout, a connection reset half way through a PDF, a redirect to another host; and, for the
hostile publisher of issue 17, a Content-Length of half (or twice) the body, a login page served
with 200, and a revised text (then the original again: a revert).

Where retries live: in `extractors.politeness.PoliteSession` (the session `polite_session`
builds for the monitor), around every request, so these tests poll with one. Its attempts and
backoff are policy fields, not source settings; the tests shorten them (and the source's read
timeout) to keep the faults fast. A connection reset while the body streams happens after the
session has handed back the response, so it is not retried inside the poll: that publication
fails alone, with its event, and the next poll picks it up.

Every count is compared with a fault-free poll of the same site through the same kind of proxy.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from warcio.archiveiterator import ArchiveIterator

from extractors.fetch import raw_path
from extractors.listing import SourceConfig, load_source
from extractors.politeness import PolitenessPolicy, PoliteSession, forget_robots
from extractors.warc import WarcArchive
from pipeline.report import PollReport
from pipeline.run import poll_source
from warehouse.connect import open_warehouse

pytestmark = pytest.mark.slow  # each test polls the replica two or three times (~8 s)

REPO = Path(__file__).resolve().parents[2]
REPLICA_SOURCE = REPO / "core" / "sources" / "replica.yaml"

INDEX = "/zfgb/index.html"
POLICY_LIST = "/zcwj/list/home_0.htm"
PDF_2024 = "/zfgb/2024/nx-2024-02/nx-2024-02.pdf"
PDF_2020 = "/zfgb/2020/nx-2020-11/nx-2020-11.pdf"
COMPILATION = "/hbzl/2023/guide-2023-ningxia.pdf"

READ_TIMEOUT = 0.4  # seconds; a stall lasts longer than this
STALL_SECONDS = 1.5
ATTEMPTS = 3

# A fetch or load failure's event (warehouse.events.record_problem); problems met while
# extracting a document that did load are written differently and belong to every run.
FAILURE_EVENT = "kind = 'extraction_problem' AND starts_with(summary, '抓取/提取失败')"

# The rows a poll leaves behind. Failure events are left out: they are the faults' own trace.
COUNTED = {
    "issues": "SELECT count(*) FROM issues",
    "fetched_files": "SELECT count(*) FROM fetched_files",
    "pages": "SELECT count(*) FROM pages",
    "documents": "SELECT count(*) FROM documents",
    "versions": "SELECT count(*) FROM versions",
    "sightings": "SELECT count(*) FROM sightings",
    "document_references": "SELECT count(*) FROM document_references",
    "events": f"SELECT count(*) FROM events WHERE NOT ({FAILURE_EVENT})",
}

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"}
_VALIDATORS = {"if-none-match", "if-modified-since", "etag", "last-modified"}

# Constructed (not a capture): a single-sign-on login page of the kind government portals put in
# front of their CMS, modelled on the common 统一身份认证平台 templates (title, account and password
# fields, captcha); the red team's WAF answered a document's URL with such a page and HTTP 200.
LOGIN_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>统一身份认证平台</title></head>
<body><div class="login-box"><h2>统一身份认证平台</h2>
<form method="post" action="/sso/login">
<label>账号</label><input type="text" name="username" placeholder="请输入用户名/手机号">
<label>密码</label><input type="password" name="password" placeholder="请输入密码">
<label>验证码</label><input type="text" name="captcha"><img src="/sso/captcha.jpg" alt="验证码">
<button type="submit">登录</button></form>
<div class="notice"><p>登录超时，请重新登录。为保障政务信息安全，访问本页面需使用统一身份认证平台账号登录，
首次登录请先完成实名认证并绑定手机号码；忘记密码可通过已绑定手机号码找回。</p>
<p>建议使用最新版本浏览器访问。技术支持：自治区政务服务大数据中心</p></div></div></body></html>
""".encode()


@dataclass(frozen=True)
class Logged:
    """One request the proxy received and what it answered."""

    path: str
    answer: str  # "forwarded", "500", "429", "stall", "reset", "redirect", "half_length", "login" ...
    at: float  # time.monotonic() when the request arrived


@dataclass
class FaultyProxy:
    """A reverse proxy whose armed paths misbehave; every request is logged."""

    upstream: str
    faults: dict[str, list[str]] = field(default_factory=dict)  # path -> faults, consumed in order
    always: dict[str, str] = field(default_factory=dict)  # path -> fault on every request
    redirect_to: str = ""  # origin of the "other host" a redirect fault points at
    revision: tuple[bytes, bytes] = (b"", b"")  # the "revised" fault serves the body with old -> new
    log: list[Logged] = field(default_factory=list)
    url: str = ""
    released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, path: str) -> str | None:
        with self._lock:
            if path in self.always:
                return self.always[path]
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None

    def record(self, path: str, answer: str) -> None:
        with self._lock:
            self.log.append(Logged(path, answer, time.monotonic()))

    def requests_for(self, path: str) -> list[Logged]:
        with self._lock:
            return [entry for entry in self.log if entry.path == path]


def _handler(proxy: FaultyProxy) -> type[BaseHTTPRequestHandler]:
    upstream = urlsplit(proxy.upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: a reset hits one response only

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            path = self.path
            fault = proxy.next_fault(path)
            proxy.record(path, fault or "forwarded")
            with suppress(ConnectionError, OSError):
                if fault in {"500", "503"}:
                    self._answer(int(fault), {})
                elif fault == "429":
                    self._answer(429, {"Retry-After": "1"})
                elif fault == "redirect":
                    self._answer(302, {"Location": f"{proxy.redirect_to}{path}"})
                elif fault == "loop":
                    self._answer(302, {"Location": f"{proxy.url}{path}"})
                elif fault == "stall":
                    proxy.released.wait(STALL_SECONDS)
                    self._forward(path)
                elif fault == "reset":
                    self._forward(path, reset_half_way=True)
                elif fault == "login":
                    self._answer(200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE)
                elif fault in {"half_length", "overlong_length", "revised"}:
                    self._serve_altered(path, fault)
                else:
                    self._forward(path)

        def _answer(self, status: int, headers: dict[str, str], body: bytes | None = None) -> None:
            body = f"fault injected: {status}\n".encode() if body is None else body
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _forward(self, path: str, reset_half_way: bool = False) -> None:
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.end_headers()
                if not reset_half_way:
                    self.wfile.write(body)
                    return
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                # SO_LINGER 0: close() sends RST instead of FIN, a reset in the middle of the PDF
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            finally:
                connection.close()

        def _serve_altered(self, path: str, fault: str) -> None:
            """The upstream body fetched unconditionally, served altered and without validators.

            half_length announces half the body's length (a client reads half and stops, inside a
            UTF-8 character as often as not), overlong_length twice it (the connection closes
            early), revised serves the text with `proxy.revision` applied.
            """
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
            try:
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | _VALIDATORS
                }
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                if fault == "revised":
                    old, new = proxy.revision
                    assert old in body, f"the revision's text is not in {path}"
                    body = body.replace(old, new, 1)
                declared = {"half_length": len(body) // 2, "overlong_length": len(body) * 2}.get(
                    fault, len(body)
                )
                self.send_response(response.status, response.reason)
                for name, value in response.getheaders():
                    if name.lower() not in _HOP_BY_HOP | _VALIDATORS | {"content-length"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                self.wfile.write(body)
            finally:
                connection.close()

    return Handler


@contextmanager
def serving(proxy: FaultyProxy, host: str = "127.0.0.1") -> Iterator[FaultyProxy]:
    server = ThreadingHTTPServer((host, 0), _handler(proxy))
    server.daemon_threads = True
    proxy.url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.released.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def proxy(replica_site) -> Iterator[FaultyProxy]:
    """The faulty proxy before the replica, with a second 'other host' server on 127.0.0.2."""
    with (
        serving(FaultyProxy(upstream=replica_site.base_url), host="127.0.0.2") as elsewhere,
        serving(FaultyProxy(upstream=replica_site.base_url)) as front,
    ):
        front.redirect_to = elsewhere.url
        front.elsewhere = elsewhere  # type: ignore[attr-defined]
        yield front


def _source(proxy_url: str) -> SourceConfig:
    source = load_source(REPLICA_SOURCE).bind({"REPLICA_URL": proxy_url})
    return replace(source, fetch=replace(source.fetch, read_timeout=READ_TIMEOUT, connect_timeout=2.0))


def _session(source: SourceConfig) -> PoliteSession:
    return PoliteSession(
        PolitenessPolicy(
            user_agent=source.fetch.user_agent,
            requests_per_second=1000.0,
            respect_robots=True,
            attempts=ATTEMPTS,
            backoff_base=0.05,
            jitter=0.0,
        )
    )


def _poll(
    con: duckdb.DuckDBPyConnection, proxy: FaultyProxy, raw_dir: Path
) -> tuple[PollReport, PoliteSession]:
    source = _source(proxy.url)
    with _session(source) as session:
        return poll_source(con, source, session, raw_dir), session


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {table: con.execute(sql).fetchone()[0] for table, sql in COUNTED.items()}


def _problems(con: duckdb.DuckDBPyConnection) -> list[tuple[str | None, str]]:
    return con.execute(
        f"SELECT issue_id, summary FROM events WHERE {FAILURE_EVENT} ORDER BY event_id"
    ).fetchall()


@pytest.fixture
def fault_free_counts(replica_site, tmp_path: Path) -> dict[str, int]:
    """What a poll with no fault leaves in a warehouse, through a proxy that only forwards."""
    with serving(FaultyProxy(upstream=replica_site.base_url)) as clean:
        con = open_warehouse(tmp_path / "fault-free.duckdb")
        try:
            report, _ = _poll(con, clean, tmp_path / "fault-free-raw")
            assert report.ok, report.errors + [o.error for o in report.outcomes if o.error]
            assert report.count("ingested") == len(report.outcomes) > 0
            return _counts(con)
        finally:
            con.close()


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    yield con
    con.close()


def test_transient_faults_are_retried_until_everything_is_ingested(
    proxy: FaultyProxy, warehouse, fault_free_counts, tmp_path: Path
) -> None:
    proxy.faults = {
        INDEX: ["500", "500"],
        POLICY_LIST: ["429"],
        PDF_2024: ["stall"],
        COMPILATION: ["503"],
    }

    report, session = _poll(warehouse, proxy, tmp_path / "raw")

    assert report.ok, report.errors + [o.error for o in report.outcomes if o.error]
    assert report.count("ingested") == len(report.outcomes)
    assert _counts(warehouse) == fault_free_counts
    assert _problems(warehouse) == []
    # each fault was met and then passed: the proxy saw the retries
    assert [e.answer for e in proxy.requests_for(INDEX)] == ["500", "500", "forwarded"]
    assert [e.answer for e in proxy.requests_for(PDF_2024)] == ["stall", "forwarded"]
    assert [e.answer for e in proxy.requests_for(COMPILATION)] == ["503", "forwarded"]
    # Retry-After: 1 was waited for: the retry reached the proxy at least a second after the 429
    throttled, retried = proxy.requests_for(POLICY_LIST)
    assert (throttled.answer, retried.answer) == ("429", "forwarded")
    assert retried.at - throttled.at >= 1.0
    assert any(w.reason == "Retry-After" and w.seconds == 1.0 for w in session.waits)
    assert any(w.reason == "ReadTimeout" for w in session.waits)


def test_a_persistent_fault_fails_that_publication_alone_and_a_clean_repoll_duplicates_nothing(
    proxy: FaultyProxy, warehouse, fault_free_counts, tmp_path: Path
) -> None:
    proxy.always = {PDF_2020: "500", COMPILATION: "stall"}

    report, _ = _poll(warehouse, proxy, tmp_path / "raw")

    failed = {o.publication.url: o.error for o in report.outcomes if o.status == "failed"}
    assert set(failed) == {proxy.url + PDF_2020, proxy.url + COMPILATION}
    assert "HTTP 500" in failed[proxy.url + PDF_2020]
    assert "timed out" in failed[proxy.url + COMPILATION].lower()
    assert report.count("ingested") == len(report.outcomes) - 2 > 0
    assert len(proxy.requests_for(PDF_2020)) == ATTEMPTS  # retried, then given up
    problems = _problems(warehouse)
    compilation = next(o for o in report.outcomes if o.publication.url.endswith(COMPILATION)).publication
    assert {issue_id for issue_id, _ in problems} == {"replica-2020-11", compilation.issue.issue_id}
    assert any(PDF_2020 in summary and "HTTP 500" in summary for _, summary in problems)

    proxy.always = {}
    again, _ = _poll(warehouse, proxy, tmp_path / "raw")

    assert again.ok
    assert again.count("ingested") == 2
    assert _counts(warehouse) == fault_free_counts


def test_a_connection_reset_mid_pdf_fails_that_pdf_keeps_no_partial_file_and_the_next_poll_loads_it(
    proxy: FaultyProxy, warehouse, fault_free_counts, tmp_path: Path
) -> None:
    proxy.faults = {PDF_2024: ["reset"]}
    raw_dir = tmp_path / "raw"

    report, _ = _poll(warehouse, proxy, raw_dir)

    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.publication.url for o in failed] == [proxy.url + PDF_2024]
    assert report.count("ingested") == len(report.outcomes) - 1
    assert [issue_id for issue_id, _ in _problems(warehouse)] == ["replica-2024-02"]
    # the raw store holds only complete bodies: every file is named by the sha256 of its bytes

    for stored in (p for p in raw_dir.rglob("*") if p.is_file()):
        digest = hashlib.sha256(stored.read_bytes()).hexdigest()
        assert stored == raw_path(raw_dir, digest), f"partial or misnamed file in the raw store: {stored}"

    again, _ = _poll(warehouse, proxy, raw_dir)

    assert again.ok
    assert [o.publication.url for o in again.outcomes if o.status == "ingested"] == [proxy.url + PDF_2024]
    assert _counts(warehouse) == fault_free_counts


def test_a_redirect_to_another_host_is_never_followed(proxy: FaultyProxy, warehouse, tmp_path: Path) -> None:
    proxy.always = {PDF_2024: "redirect"}
    elsewhere: FaultyProxy = proxy.elsewhere  # type: ignore[attr-defined]

    report, _ = _poll(warehouse, proxy, tmp_path / "raw")

    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.publication.url for o in failed] == [proxy.url + PDF_2024]
    assert failed[0].error == (
        f"refused redirect from {proxy.url}{PDF_2024} to another host or port: {elsewhere.url}{PDF_2024}"
    )
    assert elsewhere.log == []  # the other host never saw a request
    assert report.count("ingested") == len(report.outcomes) - 1
    assert [issue_id for issue_id, _ in _problems(warehouse)] == ["replica-2024-02"]


def test_a_redirect_loop_fails_that_publication_after_a_bounded_number_of_requests(
    proxy: FaultyProxy, warehouse, tmp_path: Path
) -> None:
    """Issue 17 item 3: recursive following sent ~1,000 requests and ended in RecursionError."""
    proxy.always = {PDF_2020: "loop"}
    archive = WarcArchive(tmp_path / "warc")
    source = _source(proxy.url)
    with _session(source) as session:
        report = poll_source(warehouse, source, session, tmp_path / "raw", archive=archive)

    failed = [o for o in report.outcomes if o.status == "failed"]
    assert [o.publication.url for o in failed] == [proxy.url + PDF_2020]
    assert "more than 5 redirects" in (failed[0].error or "")
    assert len(proxy.requests_for(PDF_2020)) == 6  # the first request and five hops
    assert report.count("ingested") == len(report.outcomes) - 1
    archived = []
    for warc in sorted((tmp_path / "warc").rglob("*.warc.gz")):
        with warc.open("rb") as stream:
            archived += [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)]
    assert archived.count(proxy.url + PDF_2020) == 6  # the WARC gains those records only


def test_a_robots_txt_redirected_to_another_host_stops_the_poll_loudly_and_reaches_nothing(
    proxy: FaultyProxy, warehouse, tmp_path: Path
) -> None:
    """Issue 16: robots.txt followed a 302 to another host on 127.0.0.0/8."""
    forget_robots()
    proxy.always = {"/robots.txt": "redirect"}
    elsewhere: FaultyProxy = proxy.elsewhere  # type: ignore[attr-defined]
    try:
        report, _ = _poll(warehouse, proxy, tmp_path / "raw")
    finally:
        forget_robots()

    assert elsewhere.log == []  # the other host never saw a request, robots.txt included
    assert [e.path for e in proxy.log] == ["/robots.txt"]  # and no page was fetched
    assert not report.ok and report.outcomes == []
    assert "robots.txt unreadable: refused redirect" in report.errors[0]


# Issue 17, items 1 and 8: what a hostile publisher's 200 answers must never become.
CLAUSE = "<p>（一）".encode()
REVISED_CLAUSE = "<p>（一）各地要于2024年6月底前完成。".encode()


def _article(replica_site) -> str:
    """A policy article of the site (a gov.cn-style HTML document page) with a clause （一）."""
    for page in sorted((replica_site.root / "zcwj").glob("*/t*.html")):
        if CLAUSE in page.read_bytes():
            return "/" + page.relative_to(replica_site.root).as_posix()
    raise AssertionError("no article with a clause （一） in the replica")


def _current(con: duckdb.DuckDBPyConnection, url: str) -> tuple[str, str, int]:
    """(document_id, current version_id, version count) of the document the article at `url` shows."""
    return con.execute(
        """
        SELECT d.document_id, d.latest_version_id, d.version_count FROM documents d
        WHERE d.document_id IN (
            SELECT s.document_id FROM sightings s JOIN issues i ON i.issue_id = s.issue_id WHERE i.url = ?
        )
        """,
        [url],
    ).fetchone()


@pytest.mark.parametrize("fault", ["half_length", "overlong_length", "login"])
def test_a_cut_body_or_a_login_page_is_quarantined_never_a_version(
    fault: str, proxy: FaultyProxy, warehouse, replica_site, tmp_path: Path
) -> None:
    article = _article(replica_site)
    raw_dir = tmp_path / "raw"
    first, _ = _poll(warehouse, proxy, raw_dir)
    assert first.ok
    before, current = _counts(warehouse), _current(warehouse, proxy.url + article)

    proxy.faults = {article: [fault]}
    report, _ = _poll(warehouse, proxy, raw_dir)

    failed = {o.publication.url: o.error for o in report.outcomes if o.status == "failed"}
    assert list(failed) == [proxy.url + article], failed
    if fault == "overlong_length":  # the body ends before the announced length: a cut connection
        assert "connection cut" in failed[proxy.url + article]
    else:
        assert failed[proxy.url + article].startswith("quarantined, not loaded: "), failed
        reason = {"half_length": "cut short", "login": "login"}[fault]
        assert reason in failed[proxy.url + article]
    assert report.count("ingested") == 0
    assert _counts(warehouse) == before  # no version, no document, no event but the failure's
    assert _current(warehouse, proxy.url + article) == current
    assert warehouse.execute(
        "SELECT count(*) FROM documents WHERE title LIKE '%统一身份认证%'"
    ).fetchone() == (0,)
    assert any(article in summary for _, summary in _problems(warehouse))

    again, _ = _poll(warehouse, proxy, raw_dir)  # the publisher serves the page whole again
    assert again.ok and again.count("ingested") == 0
    assert _counts(warehouse) == before
    assert _current(warehouse, proxy.url + article) == current


def test_a_publishers_revert_makes_the_earlier_version_current_with_a_reverted_event_and_a_diff(
    proxy: FaultyProxy, warehouse, replica_site, tmp_path: Path
) -> None:
    from reconcile.versions import compute_revision_diffs

    article = _article(replica_site)
    raw_dir = tmp_path / "raw"
    assert _poll(warehouse, proxy, raw_dir)[0].ok
    document_id, original, _ = _current(warehouse, proxy.url + article)

    proxy.revision = (CLAUSE, REVISED_CLAUSE)
    proxy.faults = {article: ["revised"]}
    revised_poll, _ = _poll(warehouse, proxy, raw_dir)
    assert revised_poll.ok
    _, revised, count = _current(warehouse, proxy.url + article)
    assert revised != original and count == 2

    reverted_poll, _ = _poll(warehouse, proxy, raw_dir)  # the publisher takes the revision back
    assert reverted_poll.ok
    assert _current(warehouse, proxy.url + article) == (document_id, original, 2)
    events = warehouse.execute(
        "SELECT kind, version_id, json_extract_string(details, '$.from_version_id') FROM events "
        "WHERE document_id = ? AND kind IN ('new_version', 'reverted') ORDER BY event_id",
        [document_id],
    ).fetchall()
    assert events == [("new_version", revised, None), ("reverted", original, revised)]
    assert compute_revision_diffs(warehouse).errors == []
    hunks = warehouse.execute(
        "SELECT h.old_text, h.new_text FROM diffs f JOIN diff_hunks h USING (diff_id) "
        "WHERE f.old_version_id = ? AND f.new_version_id = ? AND h.kind <> 'unchanged'",
        [revised, original],
    ).fetchall()
    assert any("2024年6月底前" in (old or "") and "2024年6月底前" not in (new or "") for old, new in hunks)

    quiet, _ = _poll(warehouse, proxy, raw_dir)  # nothing changed since: no event twice
    assert quiet.ok and quiet.count("ingested") == 0
    assert warehouse.execute(
        "SELECT count(*) FROM events WHERE document_id = ? AND kind = 'reverted'", [document_id]
    ).fetchone() == (1,)
