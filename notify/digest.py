"""Digests, end to end: the function a flow (or `gazette digest --send`) calls once per run.

`send_due_digests` queues what is new for every subscriber, builds the
digests that are due (immediate: now; daily: once per local day from
`digest_hour`; weekly: once per local ISO week, from Monday's `digest_hour`)
and sends every digest still owed, including ones an earlier run could not
send. One subscriber's problem never stops the others; a server that is down
stops the sending, not the queueing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import duckdb

from core.config import Settings
from notify.content import DigestContent, build_content
from notify.matching import Matcher, load_events, load_interests, match_subscriber
from notify.render import Unsubscribe, build_message, render_bodies, sender_domain
from notify.smtp import SmtpConfigError, SmtpUnavailable, connect, deliver
from notify.subscribers import Subscriber, get_subscriber, list_subscribers
from notify.tokens import TokenError, make_unsubscribe_token, unsubscribe_secret
from warehouse import outbox
from warehouse.events import last_event_id

log = logging.getLogger(__name__)


@dataclass
class DigestRunReport:
    """What one run did; `ok` is False when a digest failed for good or the run could not work."""

    queued: int = 0
    built: list[str] = field(default_factory=list)
    sent: list[tuple[str, str, int]] = field(default_factory=list)  # (digest_id, recipient, items)
    deferred: list[tuple[str, str, str]] = field(default_factory=list)  # (digest_id, recipient, error)
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (digest_id, recipient, error)
    not_due: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def summary(self) -> str:
        return (
            f"{self.queued} alert(s) queued, {len(self.built)} digest(s) built, {len(self.sent)} sent, "
            f"{len(self.deferred)} deferred, {len(self.failed)} failed, {self.not_due} subscriber(s) not due"
        )

    def failure_reason(self) -> str:
        """Why the run is a failure, in one line (the flow's state message); empty when `ok`."""
        reasons = list(self.errors)
        reasons += [
            f"digest {digest_id} to {recipient} refused: {error}"
            for digest_id, recipient, error in self.failed
        ]
        return "; ".join(reasons)

    def markdown(self) -> str:
        """The run's report for operators (the digest flow's artifact)."""
        lines = [f"# digest run: {'completed' if self.ok else 'failed'}", "", f"- {self.summary()}"]
        if not self.ok:
            lines += ["", "## Why it failed", ""] + [
                f"- {reason}" for reason in self.failure_reason().split("; ")
            ]
        if self.deferred:
            lines += ["", "## Deferred (sent on a later run)", ""]
            lines += [f"- `{digest_id}`: {error}" for digest_id, _, error in self.deferred]
        return "\n".join(lines) + "\n"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def is_due(subscriber: Subscriber, now: datetime, digest_hour: int) -> bool:
    """Whether the subscriber's next digest may be built at `now` (aware), in their own time zone."""
    if subscriber.frequency == "immediate":
        return True
    try:
        zone = ZoneInfo(subscriber.timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = now.astimezone(zone)
    last = (
        subscriber.last_digest_at.replace(tzinfo=UTC).astimezone(zone) if subscriber.last_digest_at else None
    )
    if subscriber.frequency == "daily":
        return local.hour >= digest_hour and (last is None or last.date() < local.date())
    monday = (local - timedelta(days=local.weekday())).date()
    started = local.weekday() > 0 or local.hour >= digest_hour
    return started and (last is None or last.date() < monday)


def unsubscribe_for(settings: Settings, subscriber: Subscriber, secret: bytes | None) -> Unsubscribe | None:
    if secret is None:
        return None
    token = make_unsubscribe_token(subscriber.subscriber_id, subscriber.email, secret)
    return Unsubscribe(
        token=token, url=settings.unsubscribe_url, mailto=parseaddr(settings.smtp.sender)[1] or None
    )


def queue_new_events(con: duckdb.DuckDBPyConnection, now: datetime | None = None) -> int:
    """Match every active subscriber against the events after their cursor; return outbox rows added."""
    subscribers = list_subscribers(con)
    if not subscribers:
        return 0
    last_event = last_event_id(con)
    start = min(s.last_digest_event_id for s in subscribers)
    events = load_events(con, start) if start < last_event else []
    matcher = Matcher()
    stamp = (now or _utc_now()).astimezone(UTC).replace(tzinfo=None)
    added = 0
    for subscriber in subscribers:
        if subscriber.last_digest_event_id >= last_event:
            continue
        matches = match_subscriber(matcher, events, subscriber, load_interests(con, subscriber.subscriber_id))
        added += outbox.queue_matches(
            con,
            subscriber.subscriber_id,
            [(m.event_id, m.matched_because, m.excerpt) for m in matches],
            last_event,
            stamp,
        )
    return added


def _build(
    con: duckdb.DuckDBPyConnection, settings: Settings, subscriber: Subscriber, secret: bytes, now: datetime
) -> str | None:
    entries = outbox.unbuilt_entries(con, subscriber.subscriber_id)
    if not entries:
        return None
    event_ids = [event_id for event_id, _, _ in entries]
    digest_id = outbox.digest_id_for(subscriber.subscriber_id, event_ids)
    message_id = f"<{digest_id}@{sender_domain(settings.smtp.sender)}>"
    content = build_content(con, subscriber, entries, settings.dashboard_url, now)
    message = build_message(
        content,
        sender=settings.smtp.sender,
        message_id=message_id,
        unsubscribe=unsubscribe_for(settings, subscriber, secret),
    )
    outbox.store_digest(
        con,
        digest_id=digest_id,
        subscriber_id=subscriber.subscriber_id,
        recipient=subscriber.email,
        event_ids=event_ids,
        subject=content.subject,
        message_id=message_id,
        message=message.as_string(),
        now=now.astimezone(UTC).replace(tzinfo=None),
    )
    return digest_id


def build_due_digests(
    con: duckdb.DuckDBPyConnection, settings: Settings, report: DigestRunReport, now: datetime
) -> None:
    """Build the due digests; with subscribers but no signing secret, build none and say why.

    Every digest carries an unsubscribe link, so none is built without the secret: that
    is an error of the run (the flow ends Failed), not a quiet "0 digests built".
    """
    subscribers = list_subscribers(con)
    if not subscribers:
        return
    try:
        secret = unsubscribe_secret(settings.unsubscribe_secret_env)
    except TokenError as exc:
        report.errors.append(f"no digest built for {len(subscribers)} subscriber(s): {exc}")
        return
    for subscriber in subscribers:
        if not is_due(subscriber, now, settings.digest_hour):
            report.not_due += 1
            continue
        try:
            digest_id = _build(con, settings, subscriber, secret, now)
        except Exception as exc:  # one subscriber's bad data never stops the others' digests
            log.exception("digest for %s not built", subscriber.email)
            report.errors.append(f"digest for {subscriber.email} not built: {type(exc).__name__}: {exc}")
            continue
        if digest_id:
            report.built.append(digest_id)


def send_pending(
    con: duckdb.DuckDBPyConnection, settings: Settings, report: DigestRunReport, now: datetime
) -> None:
    """Send every digest still owed; a server that is down leaves them all queued for the next run."""
    pending = outbox.pending_digests(con)
    if not pending:
        return
    stamp = now.astimezone(UTC).replace(tzinfo=None)
    envelope_from = parseaddr(settings.smtp.sender)[1]
    try:
        session = connect(settings.smtp)
    except (SmtpUnavailable, SmtpConfigError) as exc:
        for digest in pending:
            outbox.begin_attempt(con, digest.digest_id, stamp)
            outbox.record_deferred(con, digest, str(exc))
            report.deferred.append((digest.digest_id, digest.recipient, str(exc)))
        if isinstance(exc, SmtpConfigError):  # a setting to fix, not a server to wait for
            report.errors.append(str(exc))
        return
    try:
        for index, digest in enumerate(pending):
            outbox.begin_attempt(con, digest.digest_id, stamp)
            try:
                delivery = deliver(session, envelope_from, digest.recipient, digest.message)
            except SmtpUnavailable as exc:
                for left in pending[index:]:
                    outbox.record_deferred(con, left, str(exc))
                    report.deferred.append((left.digest_id, left.recipient, str(exc)))
                return
            if delivery.outcome == "sent":
                outbox.record_sent(con, digest, stamp)
                report.sent.append((digest.digest_id, digest.recipient, digest.item_count))
            elif delivery.outcome == "deferred":
                outbox.record_deferred(con, digest, delivery.error or "deferred")
                report.deferred.append((digest.digest_id, digest.recipient, delivery.error or "deferred"))
            else:
                outbox.record_refused(con, digest, delivery.error or "refused", stamp)
                report.failed.append((digest.digest_id, digest.recipient, delivery.error or "refused"))
    finally:
        try:
            session.quit()
        except Exception:  # the session may already be gone; nothing is owed to it
            session.close()


def send_due_digests(
    con: duckdb.DuckDBPyConnection, settings: Settings, now: datetime | None = None
) -> DigestRunReport:
    """Queue new matches, build the digests that are due, send everything owed. For flows and the CLI."""
    now = now or _utc_now()
    report = DigestRunReport()
    report.queued = queue_new_events(con, now)
    build_due_digests(con, settings, report, now)
    send_pending(con, settings, report, now)
    return report


def preview_digest(
    con: duckdb.DuckDBPyConnection, settings: Settings, ref: str | int, now: datetime | None = None
) -> tuple[DigestContent, str, str]:
    """(content, text, HTML) of the digest the subscriber would get now, without writing anything.

    It shows what is queued and not yet in a digest plus what would be queued
    from events not matched yet.
    """
    now = now or _utc_now()
    subscriber = get_subscriber(con, ref)
    entries = {
        event_id: (event_id, because, text)
        for event_id, because, text in outbox.unbuilt_entries(con, subscriber.subscriber_id)
    }
    events = load_events(con, subscriber.last_digest_event_id)
    interests = load_interests(con, subscriber.subscriber_id)
    for match in match_subscriber(Matcher(), events, subscriber, interests):
        entries.setdefault(match.event_id, (match.event_id, match.matched_because, match.excerpt))
    content = build_content(con, subscriber, list(entries.values()), settings.dashboard_url, now)
    try:
        secret: bytes | None = unsubscribe_secret(settings.unsubscribe_secret_env)
    except TokenError:
        secret = None
    unsubscribe = unsubscribe_for(settings, subscriber, secret)
    text, html = render_bodies(content, unsubscribe.link if unsubscribe else None)
    return content, text, html
