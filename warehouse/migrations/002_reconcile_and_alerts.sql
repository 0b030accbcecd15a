-- 002: what reconciliation (issue 6) and digests (issue 7) store: how a reference was
-- resolved, annual series, diffs between versions, subscribers, subscriptions, the outbox.

ALTER TABLE document_references ADD COLUMN resolution_method VARCHAR;
ALTER TABLE document_references ADD COLUMN resolution_score DOUBLE;
COMMENT ON COLUMN document_references.resolution_method IS 'How the target was found: doc_number (exact, after normalization) or title (fuzzy); NULL while unresolved.';
COMMENT ON COLUMN document_references.resolution_score IS 'Confidence of the resolution, 0..1 (1.0 for a number match; the fuzzy score for a title match).';

ALTER TABLE documents ADD COLUMN series_key VARCHAR;
COMMENT ON COLUMN documents.series_key IS 'Documents of one annual series share it (the normalized title with the year removed: 全区年政务公开工作要点); NULL when not part of a series.';

CREATE TABLE diffs (
    diff_id        VARCHAR PRIMARY KEY,
    document_id    VARCHAR NOT NULL,
    old_version_id VARCHAR NOT NULL,
    new_version_id VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL DEFAULT 'revision' CHECK (kind IN ('revision', 'series', 'implementation')),
    similarity     DOUBLE,
    hunk_count     INTEGER NOT NULL DEFAULT 0,
    algorithm      VARCHAR,
    computed_at    TIMESTAMP NOT NULL,
    UNIQUE (old_version_id, new_version_id)
);
COMMENT ON TABLE diffs IS 'A comparison between two versions (a revision, next year''s edition, or a lower-level document against the one it implements).';
COMMENT ON COLUMN diffs.diff_id IS 'old_version_id, ->, new_version_id.';
COMMENT ON COLUMN diffs.document_id IS 'Document of the new version (documents.document_id).';
COMMENT ON COLUMN diffs.old_version_id IS 'Version compared from (versions.version_id).';
COMMENT ON COLUMN diffs.new_version_id IS 'Version compared to (versions.version_id).';
COMMENT ON COLUMN diffs.kind IS 'revision (same document), series (next edition of an annual document) or implementation (lower level vs. what it implements).';
COMMENT ON COLUMN diffs.similarity IS 'Overall similarity of the two texts, 0..1.';
COMMENT ON COLUMN diffs.hunk_count IS 'Number of rows in diff_hunks for this diff that are not unchanged.';
COMMENT ON COLUMN diffs.algorithm IS 'Name and version of the diff algorithm, so that diffs can be recomputed when it improves.';
COMMENT ON COLUMN diffs.computed_at IS 'When the diff was computed (UTC).';

CREATE TABLE diff_hunks (
    diff_id      VARCHAR NOT NULL,
    hunk_number  INTEGER NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('unchanged', 'changed', 'added', 'removed', 'moved')),
    locator      VARCHAR,
    old_position INTEGER,
    new_position INTEGER,
    old_text     VARCHAR,
    new_text     VARCHAR,
    similarity   DOUBLE,
    PRIMARY KEY (diff_id, hunk_number)
);
COMMENT ON TABLE diff_hunks IS 'The pieces of a diff at the level a reader thinks in (article 第X条, numbered item, paragraph), in the new version''s order.';
COMMENT ON COLUMN diff_hunks.diff_id IS 'The diff (diffs.diff_id).';
COMMENT ON COLUMN diff_hunks.hunk_number IS '0-based order of the hunk.';
COMMENT ON COLUMN diff_hunks.kind IS 'unchanged, changed, added, removed or moved.';
COMMENT ON COLUMN diff_hunks.locator IS 'Where in the document: 第三条, 二、（一）, paragraph 4 ...';
COMMENT ON COLUMN diff_hunks.old_position IS 'Position of the block in the old version (NULL for added).';
COMMENT ON COLUMN diff_hunks.new_position IS 'Position of the block in the new version (NULL for removed).';
COMMENT ON COLUMN diff_hunks.old_text IS 'Old text of the block.';
COMMENT ON COLUMN diff_hunks.new_text IS 'New text of the block.';
COMMENT ON COLUMN diff_hunks.similarity IS 'Similarity of old and new text of the block, 0..1.';

CREATE SEQUENCE subscriber_id_seq START 1;
CREATE TABLE subscribers (
    subscriber_id        BIGINT PRIMARY KEY,
    email                VARCHAR NOT NULL UNIQUE,
    name                 VARCHAR,
    language             VARCHAR NOT NULL DEFAULT 'zh',
    timezone             VARCHAR NOT NULL DEFAULT 'Asia/Shanghai',
    frequency            VARCHAR NOT NULL DEFAULT 'daily' CHECK (frequency IN ('immediate', 'daily', 'weekly')),
    active               BOOLEAN NOT NULL DEFAULT true,
    last_digest_event_id BIGINT NOT NULL DEFAULT 0,
    last_digest_at       TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    unsubscribed_at      TIMESTAMP
);
COMMENT ON TABLE subscribers IS 'People who receive change-alert digests by email.';
COMMENT ON COLUMN subscribers.subscriber_id IS 'Number of the subscriber; assign it with nextval(''subscriber_id_seq'').';
COMMENT ON COLUMN subscribers.email IS 'Email address (validated, lower-cased domain); unique.';
COMMENT ON COLUMN subscribers.name IS 'Name used in the greeting.';
COMMENT ON COLUMN subscribers.language IS 'Language of the digest (zh, en).';
COMMENT ON COLUMN subscribers.timezone IS 'IANA time zone used for dates in the digest and for daily/weekly sending.';
COMMENT ON COLUMN subscribers.frequency IS 'immediate, daily or weekly.';
COMMENT ON COLUMN subscribers.active IS 'False after unsubscribing; kept for the record.';
COMMENT ON COLUMN subscribers.last_digest_event_id IS 'Highest events.event_id covered by a digest already built for this subscriber.';
COMMENT ON COLUMN subscribers.last_digest_at IS 'When the last digest was built (UTC).';
COMMENT ON COLUMN subscribers.created_at IS 'When the subscriber was added (UTC).';
COMMENT ON COLUMN subscribers.unsubscribed_at IS 'When the subscriber unsubscribed (UTC).';

CREATE SEQUENCE subscription_id_seq START 1;
CREATE TABLE subscriptions (
    subscription_id BIGINT PRIMARY KEY,
    subscriber_id   BIGINT NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('keyword', 'issuer', 'doc_type', 'source', 'document', 'event_kind')),
    value           VARCHAR NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (subscriber_id, kind, value)
);
COMMENT ON TABLE subscriptions IS 'What each subscriber follows; an event matches a subscriber when it matches any of their subscriptions (and their event_kind filters, if any).';
COMMENT ON COLUMN subscriptions.subscription_id IS 'Number of the subscription; assign it with nextval(''subscription_id_seq'').';
COMMENT ON COLUMN subscriptions.subscriber_id IS 'Who follows (subscribers.subscriber_id).';
COMMENT ON COLUMN subscriptions.kind IS 'keyword (matched on tokenized title and text), issuer, doc_type, source, document (one document_id) or event_kind (restricts which events are sent).';
COMMENT ON COLUMN subscriptions.value IS 'The keyword, issuer name, type, source_id, document_id or event kind.';
COMMENT ON COLUMN subscriptions.created_at IS 'When the subscription was added (UTC).';

CREATE TABLE outbox (
    subscriber_id   BIGINT NOT NULL,
    event_id        BIGINT NOT NULL,
    digest_id       VARCHAR,
    status          VARCHAR NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
    matched_because VARCHAR,
    message_id      VARCHAR,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      VARCHAR,
    queued_at       TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    PRIMARY KEY (subscriber_id, event_id)
);
COMMENT ON TABLE outbox IS 'Alerts owed and sent: one row per (subscriber, event), so that each change reaches each subscriber at most once and is never lost.';
COMMENT ON COLUMN outbox.subscriber_id IS 'Recipient (subscribers.subscriber_id).';
COMMENT ON COLUMN outbox.event_id IS 'The change (events.event_id).';
COMMENT ON COLUMN outbox.digest_id IS 'The digest email that carries it; also the idempotency key in the Message-ID.';
COMMENT ON COLUMN outbox.status IS 'queued, sent, failed (bounced or refused: see last_error) or skipped.';
COMMENT ON COLUMN outbox.matched_because IS 'Why the event matched this subscriber (the keyword, issuer ...), shown in the email.';
COMMENT ON COLUMN outbox.message_id IS 'Message-ID of the email that carried it.';
COMMENT ON COLUMN outbox.attempts IS 'Number of sending attempts.';
COMMENT ON COLUMN outbox.last_error IS 'Last SMTP error, verbatim.';
COMMENT ON COLUMN outbox.queued_at IS 'When the alert was queued (UTC).';
COMMENT ON COLUMN outbox.sent_at IS 'When the SMTP server accepted it (UTC).';
