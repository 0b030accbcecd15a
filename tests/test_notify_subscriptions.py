"""Subscribers and subscriptions: validated on the way in, duplicates refused with a clear message.

Real DuckDB files, real import files, the real `gazette` command (Typer's runner).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sample_loads as samples
from typer.testing import CliRunner

from gazette.cli import app
from notify.subscribers import (
    DuplicateError,
    SubscriberError,
    add_subscriber,
    add_subscriptions,
    import_subscribers,
    list_subscriptions,
    normalize_email,
    remove_subscriber,
    validate_spec,
)
from notify.tokens import TokenError, make_unsubscribe_token, verify_unsubscribe_token
from warehouse.connect import open_warehouse
from warehouse.load import load_issue

SECRET = b"test-secret-for-unsubscribe-tokens"


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = open_warehouse(tmp_path / "warehouse.duckdb")
    load_issue(con, *samples.issue_2024_02())
    yield con
    con.close()


def test_addresses_are_checked_and_their_domain_lower_cased() -> None:
    assert normalize_email(" Wang.Fang@Example.ORG ") == "Wang.Fang@example.org"
    assert normalize_email("li@例子.中国") == "li@xn--fsqu00a.xn--fiqs8s"
    for bad in (
        "no-at-sign",
        "two@@example.org",
        "a b@example.org",
        "x@localhost",
        "x@example.123",
        "x..y@a.org",
    ):
        with pytest.raises(SubscriberError):
            normalize_email(bad)


def test_a_spec_refuses_unknown_frequency_language_time_zone_and_event_kind() -> None:
    base = {"email": "a@example.org"}
    for field, value in [("frequency", "hourly"), ("language", "fr"), ("timezone", "Mars/Olympus")]:
        with pytest.raises(SubscriberError, match=field if field != "timezone" else "time zone"):
            validate_spec({**base, field: value})
    with pytest.raises(SubscriberError, match="unknown event kind"):
        validate_spec({**base, "event_kinds": "published"})
    spec = validate_spec({**base, "keywords": "营商环境; 民营经济", "frequency": "Weekly"})
    assert spec.follows == {"keyword": ["营商环境", "民营经济"]} and spec.frequency == "weekly"


def test_the_same_address_twice_is_refused_whatever_its_case(con) -> None:
    add_subscriber(con, validate_spec({"email": "wang@example.org", "keywords": ["营商环境"]}))
    with pytest.raises(DuplicateError, match=r"wang@example\.org is already subscriber 1"):
        add_subscriber(con, validate_spec({"email": "WANG@EXAMPLE.ORG"}))


def test_a_new_subscriber_starts_at_the_end_of_the_change_log_unless_backfilled(con) -> None:
    fresh = add_subscriber(con, validate_spec({"email": "new@example.org"}))
    old = add_subscriber(con, validate_spec({"email": "old@example.org"}), backfill=True)
    cursors = dict(con.execute("SELECT subscriber_id, last_digest_event_id FROM subscribers").fetchall())
    assert cursors == {fresh: 4, old: 0}  # issue 2024 No. 2 recorded four events


def test_a_document_is_followed_by_its_number_and_stored_by_its_id(con) -> None:
    subscriber = add_subscriber(con, validate_spec({"email": "a@example.org"}))
    add_subscriptions(con, subscriber, {"document": ["宁政办发[2023]53 号"]})
    rows = list_subscriptions(con, "a@example.org")
    assert [(kind, value.startswith("doc-")) for _, _, kind, value in rows] == [("document", True)]
    with pytest.raises(SubscriberError, match="no document"):
        add_subscriptions(con, subscriber, {"document": ["宁政办发〔1999〕1号"]})
    with pytest.raises(DuplicateError, match="already follows document"):
        add_subscriptions(con, subscriber, {"document": ["宁政办发〔2023〕53号"]})


def test_removing_keeps_the_record_and_skips_what_was_queued(con) -> None:
    subscriber = add_subscriber(con, validate_spec({"email": "a@example.org"}), backfill=True)
    con.execute("INSERT INTO outbox (subscriber_id, event_id, queued_at) VALUES (?, 1, now())", [subscriber])
    remove_subscriber(con, "a@example.org")
    assert con.execute("SELECT active FROM subscribers").fetchone() == (False,)
    assert con.execute("SELECT status FROM outbox").fetchone() == ("skipped",)
    with pytest.raises(DuplicateError, match="--reactivate"):
        add_subscriber(con, validate_spec({"email": "a@example.org"}))
    assert add_subscriber(con, validate_spec({"email": "a@example.org"}), reactivate=True) == subscriber


def test_a_csv_import_adds_good_rows_and_names_each_bad_one(con, tmp_path: Path) -> None:
    csv_file = tmp_path / "subscribers.csv"
    csv_file.write_text(
        "email,name,frequency,keywords,issuers,event_kinds\n"
        "wang@example.org,王芳,daily,营商环境;民营经济,,\n"
        "li@example.org,李明,weekly,,自治区人民政府办公厅,repealed|amended\n"
        "not-an-address,坏,daily,营商环境,,\n"
        "WANG@example.org,重复,daily,,,\n",
        encoding="utf-8",
    )
    report = import_subscribers(con, csv_file)
    assert report.added == ["wang@example.org", "li@example.org"]
    assert len(report.errors) == 2
    assert report.errors[0].startswith("subscribers.csv row 3: 'not-an-address' is not an email address")
    assert "row 4" in report.errors[1] and "appears twice in the file (rows 1 and 4)" in report.errors[1]
    kinds = con.execute(
        "SELECT kind, value FROM subscriptions JOIN subscribers USING (subscriber_id) "
        "WHERE email = 'li@example.org' ORDER BY kind, value"
    ).fetchall()
    assert kinds == [
        ("event_kind", "amended"),
        ("event_kind", "repealed"),
        ("issuer", "自治区人民政府办公厅"),
    ]


def test_a_yaml_import_of_an_existing_subscriber_is_a_clear_refusal(con, tmp_path: Path) -> None:
    add_subscriber(con, validate_spec({"email": "wang@example.org"}))
    yaml_file = tmp_path / "people.yaml"
    yaml_file.write_text(
        "subscribers:\n"
        "  - email: wang@example.org\n"
        "  - email: zhao@example.org\n    language: en\n    timezone: Europe/Berlin\n"
        "    keywords: [营商环境]\n    doc_types: [通知]\n",
        encoding="utf-8",
    )
    report = import_subscribers(con, yaml_file)
    assert report.added == ["zhao@example.org"]
    assert report.errors == ["people.yaml row 1: wang@example.org is already subscriber 1"]


def test_unsubscribe_tokens_verify_only_for_the_address_they_were_made_for() -> None:
    token = make_unsubscribe_token(7, "wang@example.org", SECRET)
    assert verify_unsubscribe_token(token, {7: "wang@example.org"}, SECRET) == 7
    with pytest.raises(TokenError, match="signature"):
        verify_unsubscribe_token(token, {7: "li@example.org"}, SECRET)
    with pytest.raises(TokenError, match="signature"):
        verify_unsubscribe_token(token.replace("7.", "8.", 1), {8: "wang@example.org"}, SECRET)
    with pytest.raises(TokenError, match="signature"):
        verify_unsubscribe_token(token, {7: "wang@example.org"}, b"another-secret-entirely")
    with pytest.raises(TokenError, match="malformed"):
        verify_unsubscribe_token("garbage", {7: "wang@example.org"}, SECRET)


def test_an_old_unsubscribe_token_is_refused_with_a_message_saying_what_to_do(monkeypatch) -> None:
    import time

    from itsdangerous import TimestampSigner

    fresh = make_unsubscribe_token(7, "wang@example.org", SECRET)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 100 * 86400)
    old = make_unsubscribe_token(7, "wang@example.org", SECRET)
    monkeypatch.undo()

    assert verify_unsubscribe_token(fresh, {7: "wang@example.org"}, SECRET) == 7
    assert verify_unsubscribe_token(old, {7: "wang@example.org"}, SECRET, max_age_days=120) == 7
    with pytest.raises(TokenError, match=r"expired: issued on \d{4}-\d\d-\d\d, links are valid 90 days; use"):
        verify_unsubscribe_token(old, {7: "wang@example.org"}, SECRET)
    # the format the tokens had before they expired is refused too, never taken as valid
    with pytest.raises(TokenError, match="malformed"):
        verify_unsubscribe_token("7.3q2hXb6nJmVh1pKx0Zt9Yw8A", {7: "wang@example.org"}, SECRET)


def test_the_cli_manages_subscribers_with_one_line_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GAZETTE_HOME", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(app, ["subscribers", "add", "wang@example.org", "--name", "王芳", "-k", "营商环境"])
    assert added.exit_code == 0, added.output
    assert "subscriber 1: wang@example.org (daily, 1 subscription(s))" in added.output
    again = runner.invoke(app, ["subscribers", "add", "Wang@Example.org"])
    assert again.exit_code == 1
    assert "already subscriber 1" in again.output and "Traceback" not in again.output
    bad = runner.invoke(app, ["subscribers", "add", "wang@", "--frequency", "daily"])
    assert bad.exit_code == 1 and "not a valid domain" in bad.output
    more = runner.invoke(app, ["subscriptions", "add", "wang@example.org", "--event-kind", "repealed"])
    assert more.exit_code == 0, more.output
    listing = runner.invoke(app, ["subscriptions", "list", "wang@example.org"])
    assert "营商环境" in listing.output and "repealed" in listing.output
    removed = runner.invoke(app, ["subscribers", "remove", "wang@example.org"])
    assert removed.exit_code == 0 and "unsubscribed wang@example.org" in removed.output


def test_smtp_settings_come_from_config_and_a_password_in_the_file_is_refused(tmp_path: Path) -> None:
    from core.config import ConfigError, load_settings

    (tmp_path / "config.yaml").write_text(
        "smtp: {host: smtp.example.org, port: 587, security: starttls, user: bot@example.org,\n"
        "       password_env: MY_SMTP_PASSWORD}\n"
        "dashboard_url: https://dash.example.org/document?id={document_id}\n",
        encoding="utf-8",
    )
    settings = load_settings(tmp_path)
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "smtp.example.org",
        587,
        "starttls",
    )
    assert settings.smtp.password_env == "MY_SMTP_PASSWORD"
    (tmp_path / "config.yaml").write_text("smtp: {host: h, password: hunter2}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no password in files") as refused:
        load_settings(tmp_path)
    assert "hunter2" not in str(refused.value)
