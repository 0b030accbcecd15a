"""What one digest says: its items grouped by kind of change, and its one-line summary subject.

For a revision the reader wants the changed clauses, not a link to two long
texts: the comparison comes from the reconcile stage's `diffs`/`diff_hunks`
tables, cut to the changed part of each clause. A revision whose diff is not
computed yet still appears, with a note, instead of holding the digest back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import duckdb

from core.routes import document_url
from core.vocabulary import EventKind
from notify.subscribers import Subscriber
from warehouse.diffs import revision_diff_of

MAX_CHANGES_SHOWN = 5
CHANGE_CONTEXT = 18
CHANGE_WIDTH = 160

# Digest groups in the order they appear, with the event kinds they collect.
# Every EventKind belongs to exactly one group (tests/test_vocabulary.py checks it).
GROUPS: tuple[tuple[str, tuple[EventKind, ...]], ...] = (
    ("new", (EventKind.NEW_DOCUMENT,)),
    ("revised", (EventKind.NEW_VERSION, EventKind.REVERTED, EventKind.AMENDED, EventKind.CORRECTED)),
    ("repealed", (EventKind.REPEALED,)),
    ("expiring", (EventKind.EXPIRING_SOON,)),
    ("expired", (EventKind.EXPIRED,)),
    ("problems", (EventKind.EXTRACTION_PROBLEM,)),
)
_GROUP_OF = {kind: group for group, kinds in GROUPS for kind in kinds}

# Per language: one-line strings, and tables (summary, group, kind) keyed by group or event kind.
LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "product": "宁夏公报监测",
        "summary": {
            "new": "{n} 项新文件",
            "revised": "{n} 项修订",
            "repealed": "{n} 项废止",
            "expiring": "{n} 项即将到期",
            "expired": "{n} 项已失效",
            "problems": "{n} 项提取问题",
        },
        "group": {
            "new": "新文件",
            "revised": "修订",
            "repealed": "废止",
            "expiring": "即将到期",
            "expired": "已失效",
            "problems": "提取问题",
        },
        "kind": {
            "new_document": "新文件",
            "new_version": "新版本",
            "reverted": "恢复旧版",
            "amended": "被修改",
            "corrected": "被更正",
            "repealed": "被废止",
            "expiring_soon": "即将到期",
            "expired": "已失效",
            "extraction_problem": "提取问题",
        },
        "number": "文号",
        "issuer": "发文机关",
        "date": "日期",
        "why": "匹配原因",
        "open": "在看板中查看",
        "source": "原文",
        "old": "原",
        "new": "新",
        "more_changes": "另有 {n} 处修改",
        "no_diff": "修改对比尚未生成，请在看板中查看。",
        "by": "依据",
        "greeting": "{name}，您好：",
        "intro": "自上次摘要以来，您关注的主题有以下变化（{when}）。",
        "unsubscribe": "退订",
        "footer": "您收到此邮件，是因为订阅了公报监测摘要。",
        "nothing": "没有新的变化。",
    },
    "en": {
        "product": "Gazette monitor",
        "summary": {
            "new": "{n} new",
            "revised": "{n} revised",
            "repealed": "{n} repealed",
            "expiring": "{n} expiring",
            "expired": "{n} expired",
            "problems": "{n} extraction problems",
        },
        "group": {
            "new": "New documents",
            "revised": "Revisions",
            "repealed": "Repealed",
            "expiring": "Expiring soon",
            "expired": "Expired",
            "problems": "Extraction problems",
        },
        "kind": {
            "new_document": "new",
            "new_version": "new version",
            "reverted": "reverted to an earlier version",
            "amended": "amended",
            "corrected": "corrected",
            "repealed": "repealed",
            "expiring_soon": "expiring soon",
            "expired": "expired",
            "extraction_problem": "extraction problem",
        },
        "number": "Number",
        "issuer": "Issuer",
        "date": "Date",
        "why": "Matched",
        "open": "Open in the dashboard",
        "source": "Official source",
        "old": "old",
        "new": "new",
        "more_changes": "{n} more changes",
        "no_diff": "The clause comparison is not computed yet; see the dashboard.",
        "by": "by",
        "greeting": "Hello {name},",
        "intro": "Changes in the topics you follow since your last digest ({when}).",
        "unsubscribe": "Unsubscribe",
        "footer": "You receive this because you subscribed to gazette monitor digests.",
        "nothing": "No new changes.",
    },
}


@dataclass(frozen=True)
class Change:
    """One changed clause, cut to what differs (with a little context on either side)."""

    locator: str | None
    kind: str
    old: str
    new: str


@dataclass
class DigestItem:
    event_id: int
    kind: str
    kind_label: str
    document_id: str | None
    title: str
    doc_number: str | None
    issuer: str | None
    date: date | None
    reasons: list[str]
    excerpt: str
    link: str | None  # the dashboard's document page
    source_link: str | None = None  # the publisher's page the change appeared on
    related_title: str | None = None
    changes: list[Change] = field(default_factory=list)
    more_changes: int = 0
    diff_missing: bool = False


@dataclass
class DigestGroup:
    key: str
    label: str
    items: list[DigestItem]


@dataclass
class DigestContent:
    subscriber: Subscriber
    groups: list[DigestGroup]
    subject: str
    generated_local: str
    labels: dict
    unsubscribe_url: str | None = None

    @property
    def items(self) -> list[DigestItem]:
        return [item for group in self.groups for item in group.items]


def document_link(dashboard_url: str | None, document_id: str | None) -> str | None:
    """The document's page in the dashboard.

    `dashboard_url` is a pattern with `{document_id}` (e.g. `https://host/document?id={document_id}`)
    or the dashboard's base URL, to which the document page's own route is added
    (`https://host/` → `https://host/document?id=<id>`, dashboards/routes.py).
    """
    if not dashboard_url or not document_id:
        return None
    if "{document_id}" in dashboard_url:
        return dashboard_url.replace("{document_id}", quote(document_id, safe=""))
    return f"{dashboard_url.split('?')[0].rstrip('/')}/{document_url(quote(document_id, safe=''))}"


def source_link(url: str | None) -> str | None:
    """The official page the change was published on; only web addresses (never a local path)."""
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def summary_subject(counts: dict[str, int], language: str) -> str:
    """宁夏公报监测：3 项新文件，1 项修订，1 项废止 — only the kinds present, in digest order."""
    labels = LABELS.get(language, LABELS["zh"])
    parts = [labels["summary"][key].format(n=counts[key]) for key, _ in GROUPS if counts.get(key)]
    separator, colon = ("，", "：") if language == "zh" else (", ", ": ")
    return labels["product"] + colon + (separator.join(parts) or labels["nothing"])


def compact_change(old: str | None, new: str | None) -> tuple[str, str]:
    """Old and new text with their common start and end cut down to a little context."""
    old, new = " ".join((old or "").split()), " ".join((new or "").split())
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start = max(0, prefix - CHANGE_CONTEXT)

    def cut(text: str) -> str:
        end = min(len(text), len(text) - suffix + CHANGE_CONTEXT)
        piece = text[start:end]
        if len(piece) > CHANGE_WIDTH:
            piece = piece[:CHANGE_WIDTH] + "…"
        return (
            ("…" if start > 0 else "") + piece + ("…" if end < len(text) and not piece.endswith("…") else "")
        )

    return cut(old), cut(new)


def _changes(con: duckdb.DuckDBPyConnection, version_id: str) -> tuple[list[Change], int, bool]:
    """(changes shown, how many more, whether no diff is stored yet) for a new version."""
    diff = revision_diff_of(con, version_id)
    if diff is None:
        return [], 0, True
    rows = [(hunk.locator, hunk.kind, hunk.old_text, hunk.new_text) for hunk in diff.changes]
    changes = []
    for locator, kind, old_text, new_text in rows[:MAX_CHANGES_SHOWN]:
        old, new = (
            compact_change(old_text, new_text)
            if kind == "changed"
            else (
                compact_change(old_text, "")[0] if old_text else "",
                compact_change("", new_text)[1] if new_text else "",
            )
        )
        changes.append(Change(locator, kind, old, new))
    return changes, max(0, len(rows) - MAX_CHANGES_SHOWN), False


def build_content(
    con: duckdb.DuckDBPyConnection,
    subscriber: Subscriber,
    entries: Sequence[tuple[int, str, str]],
    dashboard_url: str | None = None,
    now: datetime | None = None,
) -> DigestContent:
    """The digest for `entries` = (event_id, matched_because, excerpt), read from the warehouse."""
    labels = LABELS.get(subscriber.language, LABELS["zh"])
    why = {event_id: (because, text) for event_id, because, text in entries}
    rows = con.execute(
        """
        SELECT e.event_id, e.kind, e.document_id, e.version_id, e.occurred_on, e.summary,
               d.title, d.doc_number, d.issuer, r.title,
               -- the issue the change was published in, else the last one the document was seen in
               coalesce(i.url, (SELECT si.url FROM sightings s JOIN issues si USING (issue_id)
                                WHERE s.document_id = e.document_id AND si.url IS NOT NULL
                                ORDER BY s.loaded_at DESC LIMIT 1))
        FROM events e
        LEFT JOIN documents d ON d.document_id = e.document_id
        LEFT JOIN documents r ON r.document_id = e.related_document_id
        LEFT JOIN issues i ON i.issue_id = e.issue_id
        WHERE e.event_id IN (SELECT unnest(?::BIGINT[]))
        ORDER BY e.event_id
        """,
        [sorted(why)],
    ).fetchall()
    grouped: dict[str, list[DigestItem]] = {key: [] for key, _ in GROUPS}
    for row in rows:
        event_id, kind, document_id, version_id, occurred_on, summary, title, number, issuer, related, url = (
            row
        )
        because, text = why[event_id]
        item = DigestItem(
            event_id=event_id,
            kind=kind,
            kind_label=labels["kind"].get(kind, kind),
            document_id=document_id,
            title=title or summary,
            doc_number=number,
            issuer=issuer,
            date=occurred_on,
            reasons=[r for r in (because or "").split("；") if r],
            excerpt=text or "",
            link=document_link(dashboard_url, document_id),
            source_link=source_link(url),
            related_title=related,
        )
        if kind in ("new_version", "reverted") and version_id:
            item.changes, item.more_changes, item.diff_missing = _changes(con, version_id)
        grouped.setdefault(_GROUP_OF.get(kind, "problems"), []).append(item)
    groups = [DigestGroup(key, labels["group"][key], grouped[key]) for key, _ in GROUPS if grouped.get(key)]
    counts = {group.key: len(group.items) for group in groups}
    local = (now or datetime.now(ZoneInfo("UTC"))).astimezone(_zone(subscriber.timezone))
    return DigestContent(
        subscriber=subscriber,
        groups=groups,
        subject=summary_subject(counts, subscriber.language),
        generated_local=f"{local:%Y-%m-%d %H:%M} {subscriber.timezone}",
        labels=labels,
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # validated on the way in; an old row with a bad zone reads as UTC
        return ZoneInfo("UTC")
