"""`gazette subscribers …`, `gazette subscriptions …` and `gazette digest`: thin shells over notify.

Every failure a person can cause (a bad address, a duplicate, a locked
warehouse, an SMTP server that is down) ends in a one-line message and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from core.console import make_console
from core.terminal import clean
from core.vocabulary import EventKind, Frequency

console = make_console()
err_console = make_console(stderr=True)

subscribers_app = typer.Typer(help="People who receive change-alert digests by email.", no_args_is_help=True)
subscriptions_app = typer.Typer(
    help="What subscribers follow: keywords, issuers, document types, sources, documents, event kinds.",
    no_args_is_help=True,
)

KeywordOpt = Annotated[
    list[str] | None, typer.Option("--keyword", "-k", help="Keyword (jieba-tokenized match).")
]
IssuerOpt = Annotated[
    list[str] | None, typer.Option("--issuer", help="Issuing organ (matched inside the issuer).")
]
DocTypeOpt = Annotated[
    list[str] | None, typer.Option("--doc-type", help="Document type: 通知, 意见, 办法 ...")
]
SourceOpt = Annotated[list[str] | None, typer.Option("--source", help="Source id (see `gazette sources`).")]
DocumentOpt = Annotated[
    list[str] | None,
    typer.Option("--document", help="A document id or number to follow (revisions, repeal, expiry)."),
]
EventKindOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--event-kind",
        help=f"Only these kinds: {', '.join(EventKind)} (default: all but {EventKind.EXTRACTION_PROBLEM}).",
    ),
]


def _fail(message: str, code: int = 1) -> None:
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


# How long a command waits for a flow's writer lock before it gives up with a one-line error.
LOCK_WAIT_SECONDS = 10.0


@contextmanager
def _warehouse(holder: str = "gazette subscribers/digest command") -> Iterator:
    """The main warehouse, read-write (subscribers and the outbox live there), under the writer lock.

    Every writer takes `$GAZETTE_HOME/writer.lock` (warehouse.lock): a monitor started during a
    slow `digest --send` then skips cleanly, naming this command, instead of dying on
    DuckDB's file lock; and this command, finding a flow at work, says so in one line.
    """
    from core import paths
    from warehouse.connect import WarehouseDamaged, WarehouseError, open_warehouse
    from warehouse.lock import WriterBusy, writer_lock

    home = paths.gazette_home()
    try:
        with writer_lock(home, wait_seconds=LOCK_WAIT_SECONDS, holder=holder):
            try:
                con = open_warehouse(paths.warehouse_path(home))
            except WarehouseDamaged as exc:
                _fail(str(exc))
            except WarehouseError as exc:
                _fail(f"{exc} (is another program writing to it right now?)")
            try:
                yield con
            finally:
                con.close()
    except WriterBusy as exc:
        _fail(str(exc))


def _follows(**values: list[str] | None) -> dict[str, list[str]]:
    return {kind: list(items) for kind, items in values.items() if items}


@subscribers_app.command("add")
def subscribers_add(
    email: Annotated[str, typer.Argument(help="Email address.")],
    name: Annotated[str | None, typer.Option(help="Name used in the greeting.")] = None,
    language: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    timezone: Annotated[
        str, typer.Option(help="IANA time zone for dates and sending times.")
    ] = "Asia/Shanghai",
    frequency: Annotated[str, typer.Option(help=" or ".join(Frequency))] = Frequency.DAILY.value,
    keyword: KeywordOpt = None,
    issuer: IssuerOpt = None,
    doc_type: DocTypeOpt = None,
    source: SourceOpt = None,
    document: DocumentOpt = None,
    event_kind: EventKindOpt = None,
    backfill: Annotated[
        bool, typer.Option(help="Include changes already recorded (default: from now on).")
    ] = False,
    reactivate: Annotated[bool, typer.Option(help="Subscribe again an address that unsubscribed.")] = False,
) -> None:
    """Add a subscriber, with what they follow."""
    from notify.subscribers import SubscriberError, add_subscriber, validate_spec

    raw = {
        "email": email,
        "name": name,
        "language": language,
        "timezone": timezone,
        "frequency": frequency,
        "keywords": keyword,
        "issuers": issuer,
        "doc_types": doc_type,
        "sources": source,
        "documents": document,
        "event_kinds": event_kind,
    }
    with _warehouse() as con:
        try:
            spec = validate_spec(raw)
            subscriber_id = add_subscriber(con, spec, backfill=backfill, reactivate=reactivate)
        except SubscriberError as exc:
            _fail(str(exc))
    topics = sum(len(v) for v in spec.follows.values())
    console.print(f"subscriber {subscriber_id}: {spec.email} ({spec.frequency}, {topics} subscription(s))")


@subscribers_app.command("list")
def subscribers_list(
    all_: Annotated[bool, typer.Option("--all", help="Include unsubscribed addresses.")] = False,
) -> None:
    """List subscribers with what is queued for them and any delivery failure."""
    from notify.subscribers import list_subscribers

    with _warehouse() as con:
        people = list_subscribers(con, include_inactive=all_)
        queued = dict(
            con.execute(
                "SELECT subscriber_id, count(*) FROM outbox WHERE status = 'queued' GROUP BY ALL"
            ).fetchall()
        )
        follows = dict(
            con.execute("SELECT subscriber_id, count(*) FROM subscriptions GROUP BY ALL").fetchall()
        )
    if not people:
        console.print("no subscribers yet: `gazette subscribers add EMAIL --keyword 营商环境`")
        return
    table = Table("id", "email", "name", "freq", "lang", "follows", "queued", "last digest", "state")
    for p in people:
        state = (
            "unsubscribed"
            if not p.active
            else (f"[red]failing: {p.delivery_error}[/red]" if p.delivery_error else "ok")
        )
        table.add_row(
            str(p.subscriber_id),
            p.email,
            p.name or "",
            p.frequency,
            p.language,
            str(follows.get(p.subscriber_id, 0)),
            str(queued.get(p.subscriber_id, 0)),
            f"{p.last_digest_at:%Y-%m-%d %H:%M}" if p.last_digest_at else "—",
            state,
        )
    console.print(table)


@subscribers_app.command("remove")
def subscribers_remove(
    ref: Annotated[str, typer.Argument(help="Email address or subscriber number.")],
) -> None:
    """Unsubscribe (the record is kept; nothing queued for them is sent)."""
    from notify.subscribers import SubscriberError, remove_subscriber

    with _warehouse() as con:
        try:
            subscriber = remove_subscriber(con, ref)
        except SubscriberError as exc:
            _fail(str(exc))
    console.print(f"unsubscribed {subscriber.email}")


@subscribers_app.command("import")
def subscribers_import(
    file: Annotated[
        Path, typer.Argument(help="CSV (email,name,language,timezone,frequency,keywords,...) or YAML.")
    ],
    backfill: Annotated[bool, typer.Option(help="Include changes already recorded.")] = False,
) -> None:
    """Add subscribers from a file; bad or duplicate rows are reported and skipped (exit code 1)."""
    from notify.subscribers import SubscriberError, import_subscribers

    with _warehouse() as con:
        try:
            report = import_subscribers(con, file, backfill=backfill)
        except SubscriberError as exc:
            _fail(str(exc))
    for error in report.errors:
        err_console.print(f"[red]error:[/red] {escape(error)}", highlight=False, soft_wrap=True)
    console.print(f"imported {len(report.added)} subscriber(s), {len(report.errors)} row(s) refused")
    if report.errors:
        raise typer.Exit(1)


@subscribers_app.command("unsubscribe")
def subscribers_unsubscribe(
    token: Annotated[str, typer.Argument(help="Token from a List-Unsubscribe link.")],
) -> None:
    """Process an unsubscribe request (the signed token from the email's link or mailto subject)."""
    from core.config import load_settings
    from notify.subscribers import SubscriberError, remove_subscriber
    from notify.tokens import TokenError, unsubscribe_secret, verify_unsubscribe_token

    settings = load_settings()
    with _warehouse() as con:
        try:
            subscriber_id = verify_unsubscribe_token(
                token,
                con,
                unsubscribe_secret(settings.unsubscribe_secret_env),
                max_age_days=settings.unsubscribe_token_days,
            )
            subscriber = remove_subscriber(con, subscriber_id)
        except (TokenError, SubscriberError) as exc:
            _fail(str(exc))
    console.print(f"unsubscribed {subscriber.email}")


@subscriptions_app.command("add")
def subscriptions_add(
    subscriber: Annotated[str, typer.Argument(help="Email address or subscriber number.")],
    keyword: KeywordOpt = None,
    issuer: IssuerOpt = None,
    doc_type: DocTypeOpt = None,
    source: SourceOpt = None,
    document: DocumentOpt = None,
    event_kind: EventKindOpt = None,
) -> None:
    """Follow more topics (all or none are added; one already followed is refused)."""
    from notify.subscribers import SubscriberError, add_subscriptions

    follows = _follows(
        keyword=keyword,
        issuer=issuer,
        doc_type=doc_type,
        source=source,
        document=document,
        event_kind=event_kind,
    )
    with _warehouse() as con:
        try:
            added = add_subscriptions(con, subscriber, follows)
        except SubscriberError as exc:
            _fail(str(exc))
    console.print(f"{added} subscription(s) added for {subscriber}")


@subscriptions_app.command("list")
def subscriptions_list(
    subscriber: Annotated[
        str | None, typer.Argument(help="Email address or number (default: everyone).")
    ] = None,
) -> None:
    """List subscriptions."""
    from notify.subscribers import SubscriberError, list_subscriptions

    with _warehouse() as con:
        try:
            rows = list_subscriptions(con, subscriber)
        except SubscriberError as exc:
            _fail(str(exc))
    table = Table("id", "subscriber", "kind", "value")
    for subscription_id, email, kind, value in rows:
        table.add_row(str(subscription_id), email, kind, value)
    console.print(table)


@subscriptions_app.command("remove")
def subscriptions_remove(
    subscription_id: Annotated[int, typer.Argument(help="Number from `subscriptions list`.")],
) -> None:
    """Stop following one topic."""
    from notify.subscribers import SubscriberError, remove_subscription

    with _warehouse() as con:
        try:
            kind, value = remove_subscription(con, subscription_id)
        except SubscriberError as exc:
            _fail(str(exc))
    console.print(f"removed subscription {subscription_id} ({kind} {value})")


def digest(
    preview: Annotated[
        str | None,
        typer.Option(help="Subscriber (email or number): write the HTML to a file, print the text."),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="Where --preview writes the HTML.")] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Queue, build and send the digests that are due.")
    ] = False,
) -> None:
    """Change-alert digests: what is owed to whom; --preview one; --send them."""
    from core import paths
    from core.config import ConfigError, load_settings
    from notify.digest import preview_digest, send_due_digests
    from notify.subscribers import SubscriberError

    try:
        settings = load_settings()
    except ConfigError as exc:
        _fail(str(exc))
    with _warehouse("gazette digest --send" if send else "gazette digest") as con:
        if preview:
            try:
                content, text, html = preview_digest(con, settings, preview)
            except SubscriberError as exc:
                _fail(str(exc))
            target = (
                output or paths.gazette_home() / f"digest-preview-{content.subscriber.subscriber_id}.html"
            )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
            typer.echo(f"Subject: {clean(content.subject)}\n")
            typer.echo(
                clean(text)
            )  # as the recipient reads it: no wrapping or markup by the terminal library
            err_console.print(f"HTML written to {target}", highlight=False)
            return
        if send:
            report = send_due_digests(con, settings)
            for digest_id, recipient, items in report.sent:
                console.print(f"sent {digest_id} to {recipient} ({items} change(s))", highlight=False)
            for digest_id, recipient, error in report.deferred:
                console.print(
                    f"[yellow]queued[/yellow] {digest_id} for {recipient}: {error}", highlight=False
                )
            for digest_id, recipient, error in report.failed:
                err_console.print(f"[red]failed:[/red] {digest_id} for {recipient}: {error}", highlight=False)
            for error in report.errors:
                err_console.print(f"[red]error:[/red] {escape(error)}", highlight=False, soft_wrap=True)
            console.print(report.summary())
            if not report.ok:
                raise typer.Exit(1)
            return
        _print_owed(con)


def _print_owed(con) -> None:
    rows = con.execute(
        """
        SELECT s.email, s.frequency,
               count(*) FILTER (WHERE o.status = 'queued' AND o.digest_id IS NULL) AS waiting,
               count(DISTINCT g.digest_id) FILTER (WHERE g.status IN ('queued', 'sending')) AS unsent,
               count(*) FILTER (WHERE o.status = 'failed') AS failed
        FROM subscribers s
        LEFT JOIN outbox o USING (subscriber_id)
        LEFT JOIN digests g ON g.digest_id = o.digest_id
        WHERE s.active GROUP BY ALL ORDER BY s.email
        """
    ).fetchall()
    table = Table("subscriber", "frequency", "changes waiting", "digests unsent", "failed")
    for email, frequency, waiting, unsent, failed in rows:
        table.add_row(email, frequency, str(waiting), str(unsent), str(failed))
    console.print(table)
    console.print("`gazette digest --preview EMAIL` to see one; `gazette digest --send` to send those due.")


def register(app: typer.Typer) -> None:
    """Attach the digest commands to the main `gazette` command."""
    app.add_typer(subscribers_app, name="subscribers")
    app.add_typer(subscriptions_app, name="subscriptions")
    app.command("digest")(digest)
