"""Which events of the change log concern a subscriber, and why (the why is shown in the email).

An event matches when its kind is one the subscriber wants (their event_kind
subscriptions, else every change to a document) and at least one topic
matches: a keyword found among the jieba tokens of the document's title and
text, its issuer, type or source, or the document itself (its revisions,
repeal and expiry). A subscriber who follows only event kinds gets every
event of those kinds.

Keywords match tokens, not substrings: 法 does not match 办法, and 营商环境
matches a text where a PDF line break fell inside the word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb

from core.vocabulary import DOCUMENT_EVENT_KINDS, TOPIC_KINDS, EventKind
from notify.subscribers import Subscriber
from warehouse.search import highlight, tokenize

EXCERPT_WIDTH = 110
_BREAK_BETWEEN_CJK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")
_REASON_LABELS = {
    "zh": {
        "keyword": "关键词",
        "issuer": "发文机关",
        "doc_type": "文种",
        "source": "来源",
        "document": "关注的文件",
        "event_kind": "事件类型",
    },
    "en": {
        "keyword": "keyword",
        "issuer": "issuer",
        "doc_type": "document type",
        "source": "source",
        "document": "followed document",
        "event_kind": "event kind",
    },
}


@dataclass(frozen=True)
class EventRow:
    """An event with the facts about its document that matching and the digest need."""

    event_id: int
    kind: str
    document_id: str | None
    version_id: str | None
    related_document_id: str | None
    source_id: str | None
    title: str | None
    doc_number: str | None
    issuer: str | None
    doc_type: str | None
    text: str
    details: dict = field(kw_only=True)  # by name: the query's first eleven columns fill the rest


@dataclass(frozen=True)
class Match:
    event_id: int
    reasons: tuple[str, ...]
    excerpt: str

    @property
    def matched_because(self) -> str:
        return "；".join(self.reasons)


@dataclass
class Interests:
    """A subscriber's subscriptions, by kind."""

    keyword: list[str] = field(default_factory=list)
    issuer: list[str] = field(default_factory=list)
    doc_type: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    document: list[str] = field(default_factory=list)
    event_kind: list[str] = field(default_factory=list)

    @property
    def has_topics(self) -> bool:
        return any(getattr(self, kind) for kind in TOPIC_KINDS)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.event_kind) or DOCUMENT_EVENT_KINDS


def load_interests(con: duckdb.DuckDBPyConnection, subscriber_id: int) -> Interests:
    interests = Interests()
    for kind, value in con.execute(
        "SELECT kind, value FROM subscriptions WHERE subscriber_id = ? ORDER BY subscription_id",
        [subscriber_id],
    ).fetchall():
        getattr(interests, kind).append(value)
    return interests


def load_events(con: duckdb.DuckDBPyConnection, after_event_id: int) -> list[EventRow]:
    """Events after `after_event_id` with their document's title, number, issuer, type and text.

    The text is the version the event is about, else the document's latest:
    a repeal matches on what the repealed document says.
    """
    rows = con.execute(
        """
        SELECT e.event_id, e.kind, e.document_id, e.version_id, e.related_document_id, e.source_id,
               d.title, d.doc_number, d.issuer, d.doc_type, coalesce(v.text, lv.text, ''), e.details
        FROM events e
        LEFT JOIN documents d ON d.document_id = e.document_id
        LEFT JOIN versions v ON v.version_id = e.version_id
        LEFT JOIN versions lv ON lv.version_id = d.latest_version_id
        WHERE e.event_id > ?
        ORDER BY e.event_id
        """,
        [after_event_id],
    ).fetchall()
    return [EventRow(*row[:11], details=json.loads(row[11]) if row[11] else {}) for row in rows]


class Matcher:
    """Matches events against subscribers, tokenizing each document text once per run."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str | None, str | None, int], frozenset[str]] = {}

    def tokens(self, event: EventRow) -> frozenset[str]:
        key = (event.document_id, event.version_id, len(event.text))
        if key not in self._tokens:
            flat = _BREAK_BETWEEN_CJK.sub("", f"{event.title or ''}\n{event.text}")
            self._tokens[key] = frozenset(tokenize(flat))
        return self._tokens[key]

    def keyword_found(self, keyword: str, event: EventRow) -> bool:
        """Every word of the keyword (space-separated) is a token of the document, or all its parts are."""
        tokens = self.tokens(event)
        for word in keyword.lower().split():
            if word in tokens:
                continue
            parts = tokenize(word)
            if not parts or not all(part in tokens for part in parts):
                return False
        return True

    def match(self, event: EventRow, interests: Interests, language: str = "zh") -> Match | None:
        if event.kind not in interests.kinds:
            return None
        labels = _REASON_LABELS.get(language, _REASON_LABELS["zh"])
        reasons: list[str] = []
        keywords = [k for k in interests.keyword if self.keyword_found(k, event)]
        reasons += [f"{labels['keyword']}：{k}" for k in keywords]
        if event.issuer:
            reasons += [f"{labels['issuer']}：{i}" for i in interests.issuer if i in event.issuer]
        reasons += [f"{labels['doc_type']}：{t}" for t in interests.doc_type if t == event.doc_type]
        reasons += [f"{labels['source']}：{s}" for s in interests.source if s == event.source_id]
        followed = [d for d in interests.document if d in (event.document_id, event.related_document_id)]
        if followed:
            reasons.append(f"{labels['document']}：{event.doc_number or event.title or followed[0]}")
        if not interests.has_topics:
            reasons.append(f"{labels['event_kind']}：{event.kind}")
        if not reasons:
            return None
        return Match(event.event_id, tuple(reasons), excerpt(event, keywords))


def excerpt(event: EventRow, keywords: Sequence[str] = ()) -> str:
    """The sentence that states a repeal or amendment, else the text around the keyword, else its start."""
    evidence = (
        event.details.get("evidence")
        if event.kind in (EventKind.REPEALED, EventKind.AMENDED, EventKind.CORRECTED)
        else None
    )
    if evidence:
        return highlight(str(evidence), [], width=EXCERPT_WIDTH)
    terms = _terms(keywords)
    body = event.text
    if event.title and body.startswith(event.title[:8]):
        body = body[len(event.title) :] if body.startswith(event.title) else body
    return highlight(body or event.title or "", terms, width=EXCERPT_WIDTH)


def _terms(keywords: Iterable[str]) -> list[str]:
    terms: list[str] = []
    for keyword in keywords:
        for word in keyword.split():
            terms.append(word)
            terms.extend(tokenize(word))
    return terms


def match_subscriber(
    matcher: Matcher, events: Sequence[EventRow], subscriber: Subscriber, interests: Interests
) -> list[Match]:
    """The matches among events the subscriber has not been matched against yet."""
    found = []
    for event in events:
        if event.event_id <= subscriber.last_digest_event_id:
            continue
        hit = matcher.match(event, interests, subscriber.language)
        if hit:
            found.append(hit)
    return found
