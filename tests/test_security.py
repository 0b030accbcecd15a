"""Security guarantees of SECURITY.md, each shown with hostile input through the real code paths.

Allowed hosts and size/page limits are also tested where they live (tests/test_fetch.py,
tests/test_pdf_reading.py, tests/test_listing.py); here: tricks against them, paths from
URLs, markup from documents in emails and the dashboard, SQL injection through the query
functions, forged unsubscribe tokens, and the SMTP password after a real digest run.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from core.config import Settings, SmtpSettings
from dashboards import queries
from dashboards.graph import relation_graph
from dashboards.markup import marked_snippet
from extractors.fetch import FetchError, fetch, host_allowed, new_session
from extractors.pipeline import extract_file
from notify.digest import preview_digest, send_due_digests
from notify.subscribers import add_subscriber, validate_spec
from notify.tokens import TokenError, make_unsubscribe_token, verify_unsubscribe_token
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.records import FetchedFile, IssueRecord

HOSTILE_TITLE = '宁夏回族自治区人民政府办公厅关于<script>alert("x")</script>营商环境的通知'
HOSTILE_DOCUMENT = f"""{HOSTILE_TITLE}
宁政办发〔2024〕99号
各市、县（区）人民政府：
为优化营商环境<img src=x onerror=alert(1)>，现通知如下。
一、加强组织领导。
宁夏回族自治区人民政府办公厅
2024年2月18日
（此件公开发布）
"""
SMTP_PASSWORD = "Pw-9f3c1e77-never-written-anywhere"
UNSUBSCRIBE_SECRET = "a-long-random-unsubscribe-secret"
NOW = datetime(2024, 2, 20, 9, 0, tzinfo=UTC)
INJECTIONS = [
    "'; DROP TABLE documents; --",
    "' OR '1'='1",
    '" OR 1=1 --',
    "营商环境') UNION SELECT table_name, 1, 1 FROM duckdb_tables() --",
]


# --- only allowed hosts, whatever the URL looks like ---------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1@evil.example/x.pdf",  # userinfo that looks like the host
        "http://evil.example/127.0.0.1/x.pdf",
        "http://127.0.0.1.evil.example/x.pdf",
        "http://evil.example:80#@127.0.0.1/",
        "file:///etc/passwd",
    ],
)
def test_a_url_dressed_up_as_an_allowed_host_is_refused_before_any_request(url: str, tmp_path: Path) -> None:
    assert not host_allowed(url, ["127.0.0.1"])
    with new_session() as session, pytest.raises(FetchError):
        fetch(session, url, tmp_path, allowed_hosts=["127.0.0.1"])
    assert not any(tmp_path.iterdir())


# --- file names from URLs are never paths --------------------------------------------------------


class _AnythingIsAPdf(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"%PDF-1.7\n" + self.path.encode() + b"\n%%EOF\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Disposition", 'attachment; filename="../../../escape.pdf"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def anything_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AnythingIsAPdf)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "path",
    ["/../../escape.pdf", "/%2e%2e/%2e%2e/escape.pdf", "/a/..%2f..%2fescape.pdf", "/escape.pdf%00.txt"],
)
def test_bodies_are_stored_by_content_hash_never_by_a_name_from_the_url(
    anything_server: str, tmp_path: Path, path: str
) -> None:
    raw = tmp_path / "deep" / "raw"
    with new_session() as session:
        result = fetch(session, anything_server + path, raw, allowed_hosts=["127.0.0.1"])
    stored = Path(result.path).resolve()
    assert stored.is_relative_to(raw.resolve())
    assert result.sha256 and stored.name.startswith(result.sha256)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == result.sha256
    assert not [p for p in tmp_path.rglob("*escape*")]


# --- markup from documents is escaped: digest emails and dashboard helpers -----------------------


@pytest.fixture
def hostile_warehouse(tmp_path: Path):
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE_DOCUMENT, encoding="utf-8")
    extraction = extract_file(source)
    assert [d.title for d in extraction.documents] == [HOSTILE_TITLE]
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    load_issue(
        con,
        IssueRecord(issue_id="hostile-2024-01", source_id="ningxia-gazette", published_date="2024-02-18"),
        FetchedFile(sha256=hashlib.sha256(source.read_bytes()).hexdigest(), url=source.as_uri()),
        extraction.pages,
        extraction.documents,
        today=date(2024, 2, 20),
    )
    yield con
    con.close()


def _settings(home: Path, port: int, user: str | None = None) -> Settings:
    return Settings(
        home=home,
        smtp=SmtpSettings(
            host="127.0.0.1",
            port=port,
            user=user,
            password_env="GAZETTE_SMTP_PASSWORD",
            sender="宁夏公报监测 <monitor@gazette.example.org>",
        ),
        dashboard_url="https://dash.example.org/document?id={document_id}",
        unsubscribe_url="https://dash.example.org/unsubscribe",
    )


def test_a_script_in_a_document_title_is_escaped_in_the_digest_email(
    hostile_warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)
    add_subscriber(
        hostile_warehouse,
        validate_spec({"email": "wang@example.org", "keywords": ["营商环境"]}),
        backfill=True,
    )
    _, text, html = preview_digest(hostile_warehouse, _settings(tmp_path, 25), "wang@example.org", now=NOW)
    assert "营商环境的通知" in html  # the document is in the digest
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" in text  # the plain-text part shows the title as published: text is not markup


def test_dashboard_helpers_escape_document_text() -> None:
    snippet = marked_snippet(f"…{queries.MARKS[0]}营商环境{queries.MARKS[1]}<script>alert(1)</script>…")
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet and "<mark>营商环境</mark>" in snippet
    import pandas as pd

    empty = pd.DataFrame(columns=["document_id", "doc_number", "title", "relation", "evidence"])
    graph = relation_graph("d1", HOSTILE_TITLE, empty, empty)
    # a DOT string label, quotes escaped: the title cannot close the label or become an HTML label
    assert '<script>alert(\\"x\\")</script>' in graph
    assert "label=<" not in graph


# --- SQL only with bound parameters: hostile strings through the query functions -----------------


@pytest.mark.parametrize("hostile", INJECTIONS)
def test_hostile_strings_through_dashboard_queries_match_nothing_and_change_nothing(
    hostile_warehouse, hostile: str
) -> None:
    before = hostile_warehouse.execute("SELECT count(*) FROM documents").fetchone()[0]
    for query in (queries.find_documents(hostile), queries.document(hostile), queries.sightings(hostile)):
        rows = hostile_warehouse.execute(query.sql, list(query.params)).fetchall()
        assert rows == []
        assert hostile not in query.sql  # the value travels as a parameter, never as SQL text
    try:
        search = queries.search_query(hostile)
    except queries.SearchInputError:
        pass  # refused with a clear message is fine too
    else:
        assert hostile not in search.sql
    assert hostile_warehouse.execute("SELECT count(*) FROM documents").fetchone()[0] == before


# --- unsubscribe tokens are signed and checked ---------------------------------------------------


def test_a_tampered_or_foreign_unsubscribe_token_is_refused() -> None:
    secret = UNSUBSCRIBE_SECRET.encode()
    emails = {1: "wang@example.org", 2: "li@example.org"}
    token = make_unsubscribe_token(1, emails[1], secret)
    assert verify_unsubscribe_token(token, emails, secret) == 1
    number, signature = token.split(".", 1)  # signature: <timestamp>.<mac>
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    forgeries = [
        f"{number}.{flipped}",  # one character of the signature changed
        f"2.{signature}",  # someone else's number with this signature
        make_unsubscribe_token(1, emails[1], b"another-secret-of-enough-length"),
        "1.",
        "../../1.x",
        "",
    ]
    for forged in forgeries:
        with pytest.raises(TokenError):
            verify_unsubscribe_token(forged, emails, secret)


# --- the SMTP password is never written anywhere -------------------------------------------------


class _AuthInbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == SMTP_PASSWORD
    return AuthResult(success=ok)


@pytest.mark.slow  # a real SMTP session with AUTH, sent and refused: ~30 s
def test_no_secret_is_written_to_logs_the_warehouse_the_outbox_or_any_file_after_a_real_digest_run(
    hostile_warehouse,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture,
) -> None:
    monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", UNSUBSCRIBE_SECRET)
    inbox = _AuthInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=_authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        add_subscriber(
            hostile_warehouse,
            validate_spec({"email": "wang@example.org", "keywords": ["营商环境"]}),
            backfill=True,
        )
        settings = _settings(tmp_path, port, user="monitor@gazette.example.org")
        with caplog.at_level(logging.DEBUG):
            report = send_due_digests(hostile_warehouse, settings, now=NOW)
            # and a run whose login is refused: the error names the user, never the password
            monkeypatch.setenv("GAZETTE_SMTP_PASSWORD", SMTP_PASSWORD + "-wrong")
            add_subscriber(
                hostile_warehouse,
                validate_spec({"email": "li@example.org", "keywords": ["营商环境"]}),
                backfill=True,
            )
            refused = send_due_digests(hostile_warehouse, settings, now=NOW)
    finally:
        controller.stop()
    assert len(inbox.messages) == 1, report
    hostile_warehouse.execute("CHECKPOINT")

    printed = capsys.readouterr()
    secrets = [SMTP_PASSWORD, UNSUBSCRIBE_SECRET]
    texts = {
        "logs": caplog.text,
        "stdout": printed.out,
        "stderr": printed.err,
        "report": repr(report) + repr(refused),
    }
    texts["email"] = inbox.messages[0].as_string()
    for table in ("outbox", "events", "subscribers", "flow_runs"):
        try:
            texts[table] = repr(hostile_warehouse.execute(f"SELECT * FROM {table}").fetchall())
        except Exception:
            continue
    for name, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret in {name}"
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"a secret in {path}"
