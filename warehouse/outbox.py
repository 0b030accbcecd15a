"""The outbox: every (subscriber, event) owed is written down before anything is sent.

Three steps, each its own transaction, so that a crash anywhere leaves a state
the next run continues from:

1. queue: match the events after the subscriber's cursor; insert the matches
   into `outbox` and move the cursor in the same transaction (never lost:
   an event is either before the cursor and in the outbox, or after it and
   matched again next time; never twice: the outbox key is (subscriber, event)).
2. build: when the subscriber's digest is due, render one email for all their
   queued rows and store it in `digests` with a Message-ID derived from the
   digest id (the idempotency key).
3. send: mark the digest `sending`, hand it to SMTP, mark it `sent`.

Delivery is at-least-once. A run that dies after the server accepted a digest
but before `sent` was recorded leaves it `sending`; the next run sends the
stored message again, byte for byte, with the same Message-ID, which mail
systems use to drop the copy. The alternative (at-most-once: mark sent before
sending) would lose a digest whenever the send itself failed, and a lost
repeal notice costs more than a duplicate one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from warehouse.transactions import transaction

# What a match queues: (event_id, why it matched, the excerpt shown in the digest).
QueuedMatch = tuple[int, str, str]


@dataclass(frozen=True)
class PendingDigest:
    digest_id: str
    subscriber_id: int
    recipient: str
    status: str
    message_id: str
    message: str
    item_count: int
    attempts: int


def _transaction(con: duckdb.DuckDBPyConnection, statements: Sequence[tuple[str, list[Any]]]) -> None:
    with transaction(con):
        for sql, params in statements:
            con.execute(sql, params)


def queue_matches(
    con: duckdb.DuckDBPyConnection,
    subscriber_id: int,
    matches: Sequence[QueuedMatch],
    cursor: int,
    now: datetime,
) -> int:
    """Insert the matches and move the subscriber's cursor to `cursor`, atomically; return rows added."""
    added = 0
    with transaction(con):
        for event_id, matched_because, excerpt in matches:
            row = con.execute(
                "INSERT INTO outbox (subscriber_id, event_id, status, matched_because, excerpt, queued_at) "
                "VALUES (?, ?, 'queued', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING event_id",
                [subscriber_id, event_id, matched_because, excerpt, now],
            ).fetchall()
            added += len(row)
        con.execute(
            "UPDATE subscribers SET last_digest_event_id = greatest(last_digest_event_id, ?) "
            "WHERE subscriber_id = ?",
            [cursor, subscriber_id],
        )
    return added


def unbuilt_entries(con: duckdb.DuckDBPyConnection, subscriber_id: int) -> list[tuple[int, str, str]]:
    """(event_id, matched_because, excerpt) of queued rows not yet put into a digest."""
    return con.execute(
        "SELECT event_id, matched_because, excerpt FROM outbox "
        "WHERE subscriber_id = ? AND status = 'queued' AND digest_id IS NULL ORDER BY event_id",
        [subscriber_id],
    ).fetchall()


def digest_id_for(subscriber_id: int, event_ids: Sequence[int]) -> str:
    """Deterministic: the same rows always make the same id (and so the same Message-ID)."""
    fingerprint = hashlib.sha256(",".join(map(str, sorted(event_ids))).encode()).hexdigest()[:10]
    return f"dg-{subscriber_id}-{min(event_ids)}-{max(event_ids)}-{fingerprint}"


def store_digest(
    con: duckdb.DuckDBPyConnection,
    *,
    digest_id: str,
    subscriber_id: int,
    recipient: str,
    event_ids: Sequence[int],
    subject: str,
    message_id: str,
    message: str,
    now: datetime,
) -> None:
    """Record the rendered digest and attach its outbox rows to it, in one transaction."""
    ids = sorted(event_ids)
    _transaction(
        con,
        [
            (
                "INSERT INTO digests (digest_id, subscriber_id, recipient, status, first_event_id, "
                "last_event_id, "
                "item_count, subject, message_id, message, created_at) "
                "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)",
                [
                    digest_id,
                    subscriber_id,
                    recipient,
                    ids[0],
                    ids[-1],
                    len(ids),
                    subject,
                    message_id,
                    message,
                    now,
                ],
            ),
            (
                "UPDATE outbox SET digest_id = ?, message_id = ? "
                "WHERE subscriber_id = ? AND event_id IN (SELECT unnest(?::BIGINT[])) AND status = 'queued'",
                [digest_id, message_id, subscriber_id, ids],
            ),
            ("UPDATE subscribers SET last_digest_at = ? WHERE subscriber_id = ?", [now, subscriber_id]),
        ],
    )


def pending_digests(con: duckdb.DuckDBPyConnection) -> list[PendingDigest]:
    """Digests not yet accepted by SMTP, oldest first: queued ones and those a crash left `sending`."""
    rows = con.execute(
        "SELECT g.digest_id, g.subscriber_id, g.recipient, g.status, g.message_id, g.message, g.item_count, "
        "g.attempts FROM digests g JOIN subscribers s USING (subscriber_id) "
        "WHERE g.status IN ('queued', 'sending') AND s.active ORDER BY g.created_at, g.digest_id"
    ).fetchall()
    return [PendingDigest(*row) for row in rows]


def begin_attempt(con: duckdb.DuckDBPyConnection, digest_id: str, now: datetime) -> None:
    """Written before talking to SMTP: a digest found `sending` later was possibly delivered."""
    _transaction(
        con,
        [
            (
                "UPDATE digests SET status = 'sending', attempts = attempts + 1, last_attempt_at = ? "
                "WHERE digest_id = ?",
                [now, digest_id],
            )
        ],
    )


def record_sent(con: duckdb.DuckDBPyConnection, digest: PendingDigest, now: datetime) -> None:
    _transaction(
        con,
        [
            (
                "UPDATE digests SET status = 'sent', sent_at = ?, last_error = NULL WHERE digest_id = ?",
                [now, digest.digest_id],
            ),
            (
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL "
                "WHERE digest_id = ? AND status = 'queued'",
                [now, digest.digest_id],
            ),
            ("UPDATE subscribers SET delivery_error = NULL WHERE subscriber_id = ?", [digest.subscriber_id]),
        ],
    )


def record_deferred(con: duckdb.DuckDBPyConnection, digest: PendingDigest, error: str) -> None:
    """Back to queued: the next run tries again with the same message."""
    _transaction(
        con,
        [
            (
                "UPDATE digests SET status = 'queued', last_error = ? WHERE digest_id = ?",
                [error, digest.digest_id],
            ),
            (
                "UPDATE outbox SET attempts = attempts + 1, last_error = ? "
                "WHERE digest_id = ? AND status = 'queued'",
                [error, digest.digest_id],
            ),
        ],
    )


def record_refused(con: duckdb.DuckDBPyConnection, digest: PendingDigest, error: str, now: datetime) -> None:
    """A permanent refusal: visible on the digest, its outbox rows and the subscriber."""
    _transaction(
        con,
        [
            (
                "UPDATE digests SET status = 'failed', last_error = ? WHERE digest_id = ?",
                [error, digest.digest_id],
            ),
            (
                "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
                "WHERE digest_id = ? AND status = 'queued'",
                [error, digest.digest_id],
            ),
            (
                "UPDATE subscribers SET delivery_error = ?, delivery_failed_at = ? WHERE subscriber_id = ?",
                [error, now, digest.subscriber_id],
            ),
        ],
    )
