"""Subscribers and what they follow: validated on the way in, refused clearly when duplicated.

A subscriber starts at the current end of the change log (a new reader gets
what changes from now on, not the whole history) unless `backfill` is asked
for. Removing a subscriber keeps the row for the record: it turns inactive and
its queued alerts are marked skipped, so nothing owed to it is sent later.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import yaml

LANGUAGES = ("zh", "en")
FREQUENCIES = ("immediate", "daily", "weekly")
TOPIC_KINDS = ("keyword", "issuer", "doc_type", "source", "document")
SUBSCRIPTION_KINDS = (*TOPIC_KINDS, "event_kind")
EVENT_KINDS = (
    "new_document",
    "new_version",
    "reverted",
    "amended",
    "corrected",
    "repealed",
    "expiring_soon",
    "expired",
    "extraction_problem",
)
# What a subscriber gets when they name no event_kind: changes to documents, not operators' problems.
DEFAULT_EVENT_KINDS = (
    "new_document",
    "new_version",
    "reverted",
    "amended",
    "corrected",
    "repealed",
    "expiring_soon",
    "expired",
)
# Import files name the subscription kinds in the plural (keywords: 营商环境; 民营经济).
IMPORT_COLUMNS = {
    "keywords": "keyword",
    "issuers": "issuer",
    "doc_types": "doc_type",
    "sources": "source",
    "documents": "document",
    "event_kinds": "event_kind",
}
_LIST_SEPARATOR = re.compile(r"[;；|]")
_LOCAL_PART = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")
_DOMAIN_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_DOC_ID = re.compile(r"^doc-[0-9a-f]{16}$")


class SubscriberError(ValueError):
    """A subscriber or subscription that cannot be accepted; the message says which and why."""


class DuplicateError(SubscriberError):
    """The subscriber or subscription exists already."""


@dataclass
class SubscriberSpec:
    """A subscriber as given by a person (CLI options, one row of an import file), validated."""

    email: str
    name: str | None = None
    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    frequency: str = "daily"
    follows: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Subscriber:
    subscriber_id: int
    email: str
    name: str | None
    language: str
    timezone: str
    frequency: str
    active: bool
    last_digest_event_id: int
    last_digest_at: datetime | None
    delivery_error: str | None = None


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_SUBSCRIBER_COLUMNS = (
    "subscriber_id, email, name, language, timezone, frequency, active, last_digest_event_id, "
    "last_digest_at, delivery_error"
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def normalize_email(raw: str) -> str:
    """The address with its domain lower-cased (and IDNA-encoded); a clear error when it is not one."""
    address = (raw or "").strip()
    if address.count("@") != 1 or any(c.isspace() for c in address):
        raise SubscriberError(f"{raw!r} is not an email address (expected name@domain)")
    local, domain = address.split("@")
    if not local or len(local) > 64 or not _LOCAL_PART.match(local) or ".." in local:
        raise SubscriberError(f"{raw!r}: the part before @ is not valid in an email address")
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise SubscriberError(f"{raw!r}: the domain {domain!r} is not a valid domain name") from exc
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.match(label) for label in labels) or labels[-1].isdigit():
        raise SubscriberError(f"{raw!r}: the domain {domain!r} is not a valid domain name")
    return f"{local}@{ascii_domain}"


def validate_spec(raw: Mapping[str, object]) -> SubscriberSpec:
    """A SubscriberSpec from loosely typed input (CLI, CSV row, YAML mapping)."""
    email = normalize_email(str(raw.get("email") or ""))
    language = str(raw.get("language") or "zh").strip().lower()
    if language not in LANGUAGES:
        raise SubscriberError(f"{email}: language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    timezone = str(raw.get("timezone") or "Asia/Shanghai").strip()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SubscriberError(f"{email}: unknown time zone {timezone!r} (use an IANA name)") from exc
    frequency = str(raw.get("frequency") or "daily").strip().lower()
    if frequency not in FREQUENCIES:
        raise SubscriberError(
            f"{email}: frequency must be one of {', '.join(FREQUENCIES)}, not {frequency!r}"
        )
    follows: dict[str, list[str]] = {}
    for column, kind in IMPORT_COLUMNS.items():
        values = _as_list(raw.get(column))
        if values:
            follows[kind] = [validate_subscription_value(kind, value, email) for value in values]
    name = raw.get("name")
    return SubscriberSpec(
        email=email,
        name=str(name).strip() if name else None,
        language=language,
        timezone=timezone,
        frequency=frequency,
        follows=follows,
    )


def _as_list(value: object) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple) else _LIST_SEPARATOR.split(str(value))
    return [str(item).strip() for item in items if str(item).strip()]


def validate_subscription_value(kind: str, value: str, who: str = "") -> str:
    """The value trimmed, or a clear error when it can never match anything."""
    prefix = f"{who}: " if who else ""
    if kind not in SUBSCRIPTION_KINDS:
        raise SubscriberError(f"{prefix}unknown subscription kind {kind!r} ({', '.join(SUBSCRIPTION_KINDS)})")
    value = (value or "").strip()
    if not value:
        raise SubscriberError(f"{prefix}empty {kind}")
    if kind == "event_kind" and value not in EVENT_KINDS:
        raise SubscriberError(f"{prefix}unknown event kind {value!r} ({', '.join(EVENT_KINDS)})")
    if kind == "keyword":
        from warehouse.search import tokenize

        if not tokenize(value):
            raise SubscriberError(f"{prefix}keyword {value!r} has no word to match")
    return value


def resolve_document(con: duckdb.DuckDBPyConnection, value: str) -> str:
    """A document id from an id or a document number (宁政规发〔2020〕5号), or a clear error."""
    if _DOC_ID.match(value):
        row = con.execute("SELECT document_id FROM documents WHERE document_id = ?", [value]).fetchone()
    else:
        from warehouse.identity import normalize_doc_number

        number = normalize_doc_number(value) or value
        row = con.execute(
            "SELECT min(document_id) FROM documents WHERE doc_number = ? HAVING count(*) > 0", [number]
        ).fetchone()
    if not row:
        raise SubscriberError(f"no document with id or number {value!r} in the warehouse")
    return row[0]


def get_subscriber(con: duckdb.DuckDBPyConnection, ref: str | int) -> Subscriber:
    """A subscriber by number or email address (case-insensitive)."""
    text = str(ref).strip()
    if text.isdigit():
        row = con.execute(
            f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE subscriber_id = ?", [int(text)]
        ).fetchone()
    else:
        row = con.execute(
            f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers WHERE lower(email) = lower(?)", [text]
        ).fetchone()
    if not row:
        raise SubscriberError(f"no subscriber {text!r}")
    return Subscriber(*row)


def list_subscribers(con: duckdb.DuckDBPyConnection, include_inactive: bool = False) -> list[Subscriber]:
    where = "" if include_inactive else "WHERE active"
    rows = con.execute(f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers {where} ORDER BY subscriber_id")
    return [Subscriber(*row) for row in rows.fetchall()]


def add_subscriber(
    con: duckdb.DuckDBPyConnection, spec: SubscriberSpec, backfill: bool = False, reactivate: bool = False
) -> int:
    """Insert the subscriber and their subscriptions in one transaction; return the subscriber number.

    The same address twice is refused (DuplicateError) rather than merged: an
    import that silently changed an existing subscriber's topics would be a
    surprise. An unsubscribed address comes back only with `reactivate`.
    """
    existing = con.execute(
        "SELECT subscriber_id, active, unsubscribed_at, email FROM subscribers WHERE lower(email) = lower(?)",
        [spec.email],
    ).fetchone()
    if existing and (existing[1] or not reactivate):
        state = "" if existing[1] else f" (unsubscribed on {existing[2]:%Y-%m-%d}; add it with --reactivate)"
        raise DuplicateError(f"{existing[3]} is already subscriber {existing[0]}{state}")
    documents = [resolve_document(con, value) for value in spec.follows.get("document", [])]
    follows = {**spec.follows, **({"document": documents} if documents else {})}
    start = 0 if backfill else con.execute("SELECT coalesce(max(event_id), 0) FROM events").fetchone()[0]
    now = _now()
    con.execute("BEGIN TRANSACTION")
    try:
        if existing:
            subscriber_id = existing[0]
            con.execute(
                "UPDATE subscribers SET name = ?, language = ?, timezone = ?, frequency = ?, active = true, "
                "unsubscribed_at = NULL, last_digest_event_id = ?, delivery_error = NULL "
                "WHERE subscriber_id = ?",
                [spec.name, spec.language, spec.timezone, spec.frequency, start, subscriber_id],
            )
        else:
            subscriber_id = con.execute("SELECT nextval('subscriber_id_seq')").fetchone()[0]
            con.execute(
                "INSERT INTO subscribers (subscriber_id, email, name, language, timezone, frequency, "
                "last_digest_event_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    subscriber_id,
                    spec.email,
                    spec.name,
                    spec.language,
                    spec.timezone,
                    spec.frequency,
                    start,
                    now,
                ],
            )
        _insert_subscriptions(con, subscriber_id, follows, now)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return subscriber_id


def _insert_subscriptions(
    con: duckdb.DuckDBPyConnection, subscriber_id: int, follows: Mapping[str, Iterable[str]], now: datetime
) -> int:
    added = 0
    for kind, values in follows.items():
        for value in dict.fromkeys(values):
            taken = con.execute(
                "SELECT subscription_id FROM subscriptions "
                "WHERE subscriber_id = ? AND kind = ? AND value = ?",
                [subscriber_id, kind, value],
            ).fetchone()
            if taken:
                raise DuplicateError(
                    f"subscriber {subscriber_id} already follows {kind} {value!r} (subscription {taken[0]})"
                )
            con.execute(
                "INSERT INTO subscriptions (subscription_id, subscriber_id, kind, value, created_at) "
                "VALUES (nextval('subscription_id_seq'), ?, ?, ?, ?)",
                [subscriber_id, kind, value, now],
            )
            added += 1
    return added


def add_subscriptions(
    con: duckdb.DuckDBPyConnection, ref: str | int, follows: Mapping[str, Sequence[str]]
) -> int:
    """Add topics to an existing subscriber, all or none; a topic they already follow is refused."""
    subscriber = get_subscriber(con, ref)
    checked: dict[str, list[str]] = {}
    for kind, values in follows.items():
        cleaned = [validate_subscription_value(kind, value, subscriber.email) for value in values]
        if kind == "document":
            cleaned = [resolve_document(con, value) for value in cleaned]
        if cleaned:
            checked[kind] = cleaned
    if not checked:
        raise SubscriberError(
            "nothing to follow: give at least one keyword, issuer, type, source, document or kind"
        )
    con.execute("BEGIN TRANSACTION")
    try:
        added = _insert_subscriptions(con, subscriber.subscriber_id, checked, _now())
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return added


def list_subscriptions(
    con: duckdb.DuckDBPyConnection, ref: str | int | None = None
) -> list[tuple[int, str, str, str]]:
    """(subscription_id, email, kind, value) of one subscriber, or of every active subscriber."""
    sql = (
        "SELECT t.subscription_id, s.email, t.kind, t.value FROM subscriptions t "
        "JOIN subscribers s USING (subscriber_id) WHERE {where} ORDER BY s.subscriber_id, t.kind, t.value"
    )
    if ref is None:
        return con.execute(sql.format(where="s.active")).fetchall()
    subscriber = get_subscriber(con, ref)
    return con.execute(sql.format(where="s.subscriber_id = ?"), [subscriber.subscriber_id]).fetchall()


def remove_subscription(con: duckdb.DuckDBPyConnection, subscription_id: int) -> tuple[str, str]:
    row = con.execute(
        "SELECT kind, value FROM subscriptions WHERE subscription_id = ?", [subscription_id]
    ).fetchone()
    if not row:
        raise SubscriberError(f"no subscription {subscription_id}")
    con.execute("DELETE FROM subscriptions WHERE subscription_id = ?", [subscription_id])
    return row


def remove_subscriber(con: duckdb.DuckDBPyConnection, ref: str | int) -> Subscriber:
    """Deactivate (kept for the record) and skip whatever was still queued for them."""
    subscriber = get_subscriber(con, ref)
    if not subscriber.active:
        raise SubscriberError(f"{subscriber.email} is not subscribed (already removed)")
    now = _now()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "UPDATE subscribers SET active = false, unsubscribed_at = ? WHERE subscriber_id = ?",
            [now, subscriber.subscriber_id],
        )
        con.execute(
            "UPDATE outbox SET status = 'skipped', last_error = 'unsubscribed' "
            "WHERE subscriber_id = ? AND status = 'queued'",
            [subscriber.subscriber_id],
        )
        con.execute(
            "UPDATE digests SET status = 'failed', last_error = 'unsubscribed before sending' "
            "WHERE subscriber_id = ? AND status IN ('queued', 'sending')",
            [subscriber.subscriber_id],
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return subscriber


def read_import_file(path: Path) -> list[dict[str, object]]:
    """Rows of a CSV (header: email,name,language,timezone,frequency,keywords,...) or YAML file.

    YAML is a list of mappings (or {subscribers: [...]}); list values may be
    YAML lists or strings separated by ; or |.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriberError(f"{path}: cannot read: {exc}") from exc
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SubscriberError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from exc
        if isinstance(data, dict):
            data = data.get("subscribers")
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise SubscriberError(f"{path}: expected a list of subscribers (mappings with an email)")
        return data
    if path.suffix.lower() != ".csv":
        raise SubscriberError(f"{path}: import reads .csv, .yaml or .yml files")
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "email" not in [f.strip() for f in reader.fieldnames]:
        raise SubscriberError(f"{path}: the CSV needs a header row with an email column")
    allowed = {"email", "name", "language", "timezone", "frequency", *IMPORT_COLUMNS}
    unknown = {f.strip() for f in reader.fieldnames} - allowed
    if unknown:
        raise SubscriberError(f"{path}: unknown column(s) {sorted(unknown)}; known: {sorted(allowed)}")
    return [{k.strip(): v for k, v in row.items() if k} for row in reader]


def import_subscribers(con: duckdb.DuckDBPyConnection, path: Path, backfill: bool = False) -> ImportReport:
    """Add every valid row; each bad or duplicate row is reported with its row number and skipped."""
    report = ImportReport()
    seen: dict[str, int] = {}
    for number, row in enumerate(read_import_file(path), start=1):
        where = f"{path.name} row {number}"
        try:
            spec = validate_spec(row)
            if spec.email.lower() in seen:
                raise DuplicateError(
                    f"{spec.email} appears twice in the file (rows {seen[spec.email.lower()]} and {number})"
                )
            seen[spec.email.lower()] = number
            add_subscriber(con, spec, backfill=backfill)
        except SubscriberError as exc:
            report.errors.append(f"{where}: {exc}")
            continue
        report.added.append(spec.email)
    return report
