"""Digests end to end with real parts: sample documents extracted and loaded into a DuckDB file,
a real SMTP server (aiosmtpd) on 127.0.0.1, and the HTML rendered by headless Chromium.

The change log comes from the sample corpus: gazette 2024 No. 2 and the 2020 营商环境 issue
(seed texts), then the constructed 2024 No. 3, which revises order No. 130 and repeals
宁政规发〔2020〕5号.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller
from PIL import Image, ImageStat

from core.config import Settings, SmtpSettings
from extractors.pipeline import extract_file
from notify.digest import is_due, preview_digest, send_due_digests
from notify.smtp import connect, deliver
from notify.subscribers import add_subscriber, get_subscriber, validate_spec
from notify.tokens import verify_unsubscribe_token
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.outbox import begin_attempt, pending_digests
from warehouse.records import FetchedFile, IssueRecord

CORPUS = Path(__file__).resolve().parent.parent / "replica" / "corpus"


def issue_page(issue_id: str) -> str:
    """Where the publisher shows the issue (constructed address in the shape of the real site's)."""
    return f"https://www.nx.gov.cn/zwgk/zfgb/{issue_id}.html"


SECRET = "a-long-random-unsubscribe-secret"
NOW = datetime(2024, 2, 20, 9, 0, tzinfo=UTC)  # 17:00 in Asia/Shanghai: daily digests are due
ISSUES = {
    "nx-2024-02": ("seeds/004_e3e902c520636e6f.txt", "2024-01-31"),
    "nx-2020-11": ("seeds/001_f426c9d5139ab6f6.txt", "2020-06-15"),
    "nx-2024-03": ("constructed/nx-2024-03.txt", "2024-02-15"),
}


def load_sample_issue(con: duckdb.DuckDBPyConnection, issue_id: str) -> None:
    name, published = ISSUES[issue_id]
    path = CORPUS / name
    result = extract_file(path)
    load_issue(
        con,
        IssueRecord(
            issue_id=issue_id, source_id="ningxia-gazette", published_date=published, url=issue_page(issue_id)
        ),
        FetchedFile(sha256=hashlib.sha256(path.read_bytes()).hexdigest(), url=path.as_uri()),
        result.pages,
        result.documents,
        today=date(2024, 2, 20),
    )


@pytest.fixture(scope="module")
def loaded_warehouse(tmp_path_factory) -> Path:
    """A warehouse file holding the first two sample issues (the third is loaded by tests)."""
    path = tmp_path_factory.mktemp("notify") / "template.duckdb"
    con = open_warehouse(path)
    load_sample_issue(con, "nx-2024-02")
    load_sample_issue(con, "nx-2020-11")
    con.close()
    return path


@pytest.fixture
def con(loaded_warehouse: Path, tmp_path: Path):
    target = tmp_path / "warehouse.duckdb"
    shutil.copy(loaded_warehouse, target)
    con = open_warehouse(target)
    yield con
    con.close()


class Inbox:
    """An aiosmtpd handler that keeps every message and refuses the addresses it is told to."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.messages: list = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def settings(tmp_path: Path, smtp_port: int, monkeypatch) -> Settings:
    monkeypatch.setenv("GAZETTE_UNSUBSCRIBE_SECRET", SECRET)
    return Settings(
        home=tmp_path,
        smtp=SmtpSettings(
            host="127.0.0.1", port=smtp_port, sender="宁夏公报监测 <monitor@gazette.example.org>"
        ),
        dashboard_url="https://dash.example.org/document?id={document_id}",
        unsubscribe_url="https://dash.example.org/unsubscribe",
    )


def serve(inbox: Inbox, port: int) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def subscribe(con, email: str, **follows) -> int:
    return add_subscriber(con, validate_spec({"email": email, "name": "王芳", **follows}), backfill=True)


def subject_of(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_a_digest_groups_the_changes_and_says_why_each_matched(con, settings, smtp_port) -> None:
    subscribe(con, "wang@example.org", keywords="营商环境", documents="宁夏回族自治区人民政府令第130号")
    load_sample_issue(con, "nx-2024-03")
    inbox = Inbox()
    controller = serve(inbox, smtp_port)
    try:
        report = send_due_digests(con, settings, now=NOW)
    finally:
        controller.stop()

    assert report.ok and len(report.sent) == 1, report
    [message] = inbox.messages
    # RFC 2047-encoded on the wire, the summary line once decoded
    assert "=?utf-8?" in message.as_string().split("\n\n")[0].lower()
    assert subject_of(message) == "宁夏公报监测：4 项新文件，1 项修订，1 项废止"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "== 新文件 (4) ==" in text and "== 修订 (1) ==" in text and "== 废止 (1) ==" in text
    assert "匹配原因: 关键词：营商环境" in text
    assert "«营商环境»" in text  # the match, shown in the excerpt
    assert "匹配原因: 关注的文件：宁夏回族自治区人民政府令第130号" in text
    assert "同时废止" in text  # a repeal shows the sentence that states it
    assert "修改对比尚未生成" in text  # no diff stored yet: the revision is still there, with a note
    assert '<strong style="background-color:#fef08a' in html and "style=" in html and "<style" not in html
    document_id = con.execute(
        "SELECT document_id FROM documents WHERE doc_number = '宁政规发〔2020〕5号'"
    ).fetchone()[0]
    assert f'href="https://dash.example.org/document?id={document_id}"' in html
    # every change links the publisher's page it appeared on: the repeal, its repealing issue
    assert text.count("原文: https://www.nx.gov.cn/zwgk/zfgb/") == 6
    assert html.count('href="https://www.nx.gov.cn/zwgk/zfgb/') == 6
    assert f"原文: {issue_page('nx-2024-03')}" in text
    # the idempotency key is the digest id, in the Message-ID; unsubscribe is signed and one-click
    digest_id = report.sent[0][0]
    assert message["Message-ID"] == f"<{digest_id}@gazette.example.org>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message["List-Unsubscribe"].split(",")[0].strip("<> ")
    token = link.split("token=")[1]
    assert (
        verify_unsubscribe_token(token, con, SECRET.encode())
        == get_subscriber(con, "wang@example.org").subscriber_id
    )
    assert con.execute("SELECT DISTINCT status FROM outbox").fetchall() == [("sent",)]


def test_a_second_run_sends_nothing_and_new_events_make_a_new_digest(con, settings, smtp_port) -> None:
    subscribe(con, "wang@example.org", keywords="营商环境", frequency="immediate")
    inbox = Inbox()
    controller = serve(inbox, smtp_port)
    try:
        first = send_due_digests(con, settings, now=NOW)
        second = send_due_digests(con, settings, now=NOW)
        load_sample_issue(con, "nx-2024-03")
        third = send_due_digests(con, settings, now=NOW)
    finally:
        controller.stop()

    assert len(first.sent) == 1 and second.sent == [] and second.queued == 0
    assert len(third.sent) == 1 and len(inbox.messages) == 2
    assert subject_of(inbox.messages[1]) == "宁夏公报监测：1 项新文件，1 项废止"
    # each (subscriber, event) once: nothing of the first digest is in the second
    first_ids = {m["Message-ID"] for m in inbox.messages}
    assert len(first_ids) == 2
    sent_twice = con.execute(
        "SELECT count(*) FROM (SELECT event_id FROM outbox GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()[0]
    assert sent_twice == 0


def test_when_smtp_is_down_the_digest_stays_queued_and_goes_out_next_run(con, settings, smtp_port) -> None:
    subscribe(con, "wang@example.org", keywords="营商环境")

    down = send_due_digests(con, settings, now=NOW)

    assert down.ok and down.sent == [] and len(down.deferred) == 1
    assert "unavailable" in down.deferred[0][2]
    assert con.execute("SELECT status, attempts FROM digests").fetchall() == [("queued", 1)]
    inbox = Inbox()
    controller = serve(inbox, smtp_port)
    try:
        up = send_due_digests(con, settings, now=NOW)
    finally:
        controller.stop()
    assert [digest_id for digest_id, _, _ in up.sent] == [down.deferred[0][0]]
    assert len(inbox.messages) == 1
    assert con.execute("SELECT status, attempts FROM digests").fetchall() == [("sent", 2)]


def test_a_refused_address_is_a_visible_failure_and_the_others_still_get_theirs(
    con, settings, smtp_port
) -> None:
    subscribe(con, "wang@example.org", keywords="营商环境")
    subscribe(con, "nobody@example.org", keywords="营商环境")
    inbox = Inbox(refuse=("nobody@example.org",))
    controller = serve(inbox, smtp_port)
    try:
        report = send_due_digests(con, settings, now=NOW)
    finally:
        controller.stop()

    assert not report.ok
    assert [recipient for _, recipient, _ in report.sent] == ["wang@example.org"]
    [(_, recipient, error)] = report.failed
    assert recipient == "nobody@example.org" and "550" in error
    assert get_subscriber(con, "nobody@example.org").delivery_error.startswith("nobody@example.org: 550")
    statuses = con.execute(
        "SELECT s.email, o.status, count(*) FROM outbox o JOIN subscribers s USING (subscriber_id) "
        "GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert [(email, status) for email, status, _ in statuses] == [
        ("nobody@example.org", "failed"),
        ("wang@example.org", "sent"),
    ]


def test_a_crash_between_sending_and_recording_resends_with_the_same_message_id(
    con, settings, smtp_port
) -> None:
    subscribe(con, "wang@example.org", keywords="营商环境")
    send_due_digests(con, settings, now=NOW)  # SMTP down: built and queued
    inbox = Inbox()
    controller = serve(inbox, smtp_port)
    try:
        # what a run does until it dies: mark sending, hand the message over, never record it
        [digest] = pending_digests(con)
        begin_attempt(con, digest.digest_id, NOW.replace(tzinfo=None))
        session = connect(settings.smtp)
        assert (
            deliver(session, "monitor@gazette.example.org", digest.recipient, digest.message).outcome
            == "sent"
        )
        session.quit()
        report = send_due_digests(con, settings, now=NOW)
    finally:
        controller.stop()

    assert [m["Message-ID"] for m in inbox.messages] == [digest.message_id, digest.message_id]
    assert [d for d, _, _ in report.sent] == [digest.digest_id]
    assert con.execute("SELECT DISTINCT status FROM outbox").fetchall() == [("sent",)]


def test_a_revision_with_a_stored_diff_shows_the_changed_clause_old_and_new(con, settings) -> None:
    subscribe(con, "wang@example.org", documents="宁夏回族自治区人民政府令第130号", event_kinds="new_version")
    load_sample_issue(con, "nx-2024-03")
    new_version, document_id = con.execute(
        "SELECT version_id, document_id FROM events WHERE kind = 'new_version'"
    ).fetchone()
    old_version = con.execute(
        "SELECT version_id FROM versions WHERE document_id = ? AND version_number = 1", [document_id]
    ).fetchone()[0]
    diff_id = f"{old_version}->{new_version}"
    con.execute(
        "INSERT INTO diffs (diff_id, document_id, old_version_id, new_version_id, hunk_count, computed_at) "
        "VALUES (?, ?, ?, ?, 1, now())",
        [diff_id, document_id, old_version, new_version],
    )
    con.execute(
        "INSERT INTO diff_hunks (diff_id, hunk_number, kind, locator, old_text, new_text) VALUES "
        "(?, 0, 'unchanged', '第一条', '为了贯彻落实', '为了贯彻落实'), "
        "(?, 1, 'changed', '第三十五条', '本办法自2024年2月1日起施行。', '本办法自2024年3月1日起施行。')",
        [diff_id, diff_id],
    )

    content, text, html = preview_digest(con, settings, "wang@example.org", now=NOW)

    assert content.subject == "宁夏公报监测：1 项修订"
    assert "- 第三十五条" in text
    assert "原: 本办法自2024年2月1日起施行。" in text and "新: 本办法自2024年3月1日起施行。" in text
    assert "第一条" not in text  # unchanged clauses are left out
    assert "line-through" in html and "本办法自2024年3月1日起施行" in html
    assert con.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # a preview writes nothing


def test_daily_and_weekly_digests_follow_the_subscribers_clock(con) -> None:
    subscriber = get_subscriber(con, add_subscriber(con, validate_spec({"email": "a@example.org"})))
    early = datetime(2024, 2, 19, 22, 0, tzinfo=UTC)  # 06:00 Tuesday in Shanghai
    assert not is_due(subscriber, early, digest_hour=7)
    assert is_due(subscriber, early.replace(hour=23), digest_hour=7)
    sent_today = subscriber.__class__(
        **{**subscriber.__dict__, "last_digest_at": datetime(2024, 2, 20, 0, 0)}
    )
    assert not is_due(sent_today, datetime(2024, 2, 20, 12, 0, tzinfo=UTC), digest_hour=7)
    weekly = sent_today.__class__(**{**sent_today.__dict__, "frequency": "weekly"})
    assert not is_due(weekly, datetime(2024, 2, 23, 12, 0, tzinfo=UTC), digest_hour=7)  # same week
    assert is_due(weekly, datetime(2024, 2, 26, 0, 0, tzinfo=UTC), digest_hour=7)  # Monday 08:00 local


@pytest.mark.slow
def test_the_html_digest_renders_in_headless_chromium_with_its_chinese_text(con, settings, tmp_path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium is not installed: run scripts/setup-system.sh (make installs it)")
    subscribe(con, "wang@example.org", keywords="营商环境")
    load_sample_issue(con, "nx-2024-03")
    content, _, html = preview_digest(con, settings, "wang@example.org", now=NOW)
    page = tmp_path / "digest.html"
    page.write_text(html, encoding="utf-8")
    flags = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]

    shot = tmp_path / "digest.png"
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=800,1400", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [*flags, "--dump-dom", page.as_uri()], check=True, capture_output=True, timeout=120, text=True
    ).stdout

    image = Image.open(shot).convert("L")
    assert max(ImageStat.Stat(image).var) > 100  # not a blank page
    assert len(image.getcolors(maxcolors=1_000_000) or []) > 20  # text, not one flat colour
    assert content.subject in dom
    assert "营商环境" in dom and "新文件" in dom and "废止" in dom


def test_the_preview_command_prints_the_text_and_writes_the_html(
    loaded_warehouse, tmp_path, monkeypatch
) -> None:
    from typer.testing import CliRunner

    from gazette.cli import app

    shutil.copy(loaded_warehouse, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("GAZETTE_HOME", str(tmp_path))
    monkeypatch.delenv("GAZETTE_UNSUBSCRIBE_SECRET", raising=False)  # a preview needs no secret
    runner = CliRunner()
    added = runner.invoke(app, ["subscribers", "add", "wang@example.org", "-k", "营商环境", "--backfill"])
    assert added.exit_code == 0, added.output

    shown = runner.invoke(
        app, ["digest", "--preview", "wang@example.org", "--output", str(tmp_path / "d.html")]
    )

    assert shown.exit_code == 0, shown.output
    assert "Subject: 宁夏公报监测：2 项新文件" in shown.output and "关键词：营商环境" in shown.output
    assert "营商环境" in (tmp_path / "d.html").read_text(encoding="utf-8")
    unknown = runner.invoke(app, ["digest", "--preview", "nobody@example.org"])
    assert unknown.exit_code == 1 and "no subscriber" in unknown.output


def test_without_the_signing_secret_nothing_is_built_and_the_run_says_why(con, settings, monkeypatch) -> None:
    subscribe(con, "wang@example.org", keywords="营商环境")
    load_sample_issue(con, "nx-2024-03")
    monkeypatch.delenv("GAZETTE_UNSUBSCRIBE_SECRET")

    report = send_due_digests(con, settings, now=NOW)

    assert not report.ok and report.built == []
    assert "GAZETTE_UNSUBSCRIBE_SECRET" in report.failure_reason()
    assert "no digest built for 1 subscriber(s)" in report.failure_reason()
    assert "## Why it failed" in report.markdown()
    assert con.execute("SELECT count(*) FROM digests").fetchone() == (0,)


def test_with_no_subscribers_a_missing_secret_is_not_an_error(con, settings, monkeypatch) -> None:
    monkeypatch.delenv("GAZETTE_UNSUBSCRIBE_SECRET")
    report = send_due_digests(con, settings, now=NOW)
    assert report.ok and report.failure_reason() == ""


def test_a_dashboard_base_url_links_the_dashboards_own_document_route() -> None:
    from notify.content import document_link, source_link

    assert document_link("https://dash.example.org/", "doc-1") == "https://dash.example.org/document?id=doc-1"
    assert document_link("https://dash.example.org", "doc-1") == "https://dash.example.org/document?id=doc-1"
    assert (
        document_link("https://dash.example.org/document?id={document_id}", "doc-1")
        == "https://dash.example.org/document?id=doc-1"
    )
    assert source_link("javascript:alert(1)") is None and source_link("/srv/raw/x.pdf") is None
