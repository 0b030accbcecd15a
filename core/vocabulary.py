"""The warehouse's vocabulary: every closed set of words the stages, the database and the users share.

Each set is written once, here. The database's CHECK constraints must list exactly these
values (tests/test_vocabulary.py compares them), and every consumer — the loader and
reconcile writing events, the dashboard's filters, the digest's groups, the CLI's help —
draws its choices from these enums instead of spelling the words again. A new kind is
then a change in one place plus a migration, and a test fails until both agree.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """`events.kind`: what happened, as the append-only change log records it."""

    NEW_DOCUMENT = "new_document"
    NEW_VERSION = "new_version"
    REVERTED = "reverted"  # the publisher serves an earlier version again (migration 011)
    REPEALED = "repealed"
    AMENDED = "amended"
    CORRECTED = "corrected"
    EXPIRING_SOON = "expiring_soon"
    EXPIRED = "expired"
    EXTRACTION_PROBLEM = "extraction_problem"


# What a subscriber gets when they name no event kind: changes to documents, not operators' problems.
DOCUMENT_EVENT_KINDS: tuple[EventKind, ...] = tuple(
    k for k in EventKind if k is not EventKind.EXTRACTION_PROBLEM
)


class DocumentStatus(StrEnum):
    """A document's status on a date (`documents.status`, the `document_status(as_of)` macro)."""

    NOT_YET_IN_FORCE = "not_yet_in_force"
    IN_FORCE = "in_force"
    AMENDED = "amended"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    REPEALED = "repealed"


# Statuses under which a document still applies (documents_in_force).
APPLICABLE_STATUSES: tuple[DocumentStatus, ...] = (DocumentStatus.IN_FORCE, DocumentStatus.AMENDED)


class RelationKind(StrEnum):
    """`document_references.relation`: what a document says it does to the one it names."""

    REPEALS = "repeals"
    SUPERSEDES = "supersedes"
    AMENDS = "amends"
    CORRECTS = "corrects"
    IMPLEMENTS = "implements"
    CITES = "cites"
    SAME_SERIES = "same_series"


# How the target side reads a relation (the dashboard's "incoming" links).
INVERSE_RELATION: dict[RelationKind, str] = {
    RelationKind.REPEALS: "repealed by",
    RelationKind.SUPERSEDES: "superseded by",
    RelationKind.AMENDS: "amended by",
    RelationKind.CORRECTS: "corrected by",
    RelationKind.IMPLEMENTS: "implemented by",
    RelationKind.CITES: "cited by",
    RelationKind.SAME_SERIES: "same series as",
}


class RunStatus(StrEnum):
    """`flow_runs.status`."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CRASHED = "crashed"


class DiffKind(StrEnum):
    """`diffs.kind`: between two versions, two editions of a series, or a plan and what it implements."""

    REVISION = "revision"
    SERIES = "series"
    IMPLEMENTATION = "implementation"


class HunkKind(StrEnum):
    """`diff_hunks.kind`."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    MOVED = "moved"


class CascadeKind(StrEnum):
    """`cascade_alignments.kind`: what an implementing document did with a clause of its parent."""

    KEPT = "kept"
    CHANGED = "changed"
    ADDED = "added"
    LEFT_OUT = "left_out"


class DuplicateMethod(StrEnum):
    """`document_duplicates.method`."""

    EXACT = "exact"
    NEAR = "near"


class Frequency(StrEnum):
    """`subscribers.frequency`: how often a subscriber's digest is due."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    WEEKLY = "weekly"


class SubscriptionKind(StrEnum):
    """`subscriptions.kind`: the topics (what a change is about) and the event-kind filter."""

    KEYWORD = "keyword"
    ISSUER = "issuer"
    DOC_TYPE = "doc_type"
    SOURCE = "source"
    DOCUMENT = "document"
    EVENT_KIND = "event_kind"


TOPIC_KINDS: tuple[SubscriptionKind, ...] = tuple(
    k for k in SubscriptionKind if k is not SubscriptionKind.EVENT_KIND
)


class OutboxStatus(StrEnum):
    """`outbox.status`: one matched event waiting for (or done with) its digest."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class DigestStatus(StrEnum):
    """`digests.status`: one email, stored before it is sent (at-least-once delivery)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


# Which enum each CHECK constraint of the schema must equal: (table, column) → enum.
CHECKED_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("events", "kind"): EventKind,
    ("flow_runs", "status"): RunStatus,
    ("diffs", "kind"): DiffKind,
    ("diff_hunks", "kind"): HunkKind,
    ("cascade_alignments", "kind"): CascadeKind,
    ("document_duplicates", "method"): DuplicateMethod,
    ("subscribers", "frequency"): Frequency,
    ("subscriptions", "kind"): SubscriptionKind,
    ("outbox", "status"): OutboxStatus,
    ("digests", "status"): DigestStatus,
}
