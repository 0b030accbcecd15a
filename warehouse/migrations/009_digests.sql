-- 009: change-alert digests (issue 7). Migration 002 created subscribers, subscriptions and the
-- outbox; this adds the digest emails themselves (rendered once, so that a retry after an SMTP
-- failure or a crash sends byte-for-byte the same message with the same Message-ID), the
-- delivery state of an address, and restates what the digest cursor means.
-- No function DEFAULTs (see 001): writers set timestamps themselves.

CREATE TABLE digests (
    digest_id       VARCHAR PRIMARY KEY,
    subscriber_id   BIGINT NOT NULL,
    recipient       VARCHAR NOT NULL,
    status          VARCHAR NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    first_event_id  BIGINT NOT NULL,
    last_event_id   BIGINT NOT NULL,
    item_count      INTEGER NOT NULL,
    subject         VARCHAR NOT NULL,
    message_id      VARCHAR NOT NULL UNIQUE,
    message         VARCHAR NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    last_attempt_at TIMESTAMP,
    sent_at         TIMESTAMP
);
COMMENT ON TABLE digests IS 'Digest emails, one row per email built for a subscriber; the outbox rows it carries point to it with outbox.digest_id.';
COMMENT ON COLUMN digests.digest_id IS 'Id of the digest: dg-<subscriber_id>-<first_event_id>-<last_event_id>-<hash of the event ids>; also the idempotency key in the Message-ID.';
COMMENT ON COLUMN digests.subscriber_id IS 'Recipient (subscribers.subscriber_id).';
COMMENT ON COLUMN digests.recipient IS 'Email address the digest is addressed to, as it was when the digest was built.';
COMMENT ON COLUMN digests.status IS 'queued (built, not yet accepted by SMTP; retried on the next run), sending (a send was started: if a run dies here the next run sends again with the same Message-ID), sent, failed (the server refused the address permanently: see last_error).';
COMMENT ON COLUMN digests.first_event_id IS 'Lowest events.event_id in the digest.';
COMMENT ON COLUMN digests.last_event_id IS 'Highest events.event_id in the digest.';
COMMENT ON COLUMN digests.item_count IS 'Number of changes (outbox rows) in the digest.';
COMMENT ON COLUMN digests.subject IS 'Subject line, e.g. 宁夏公报监测：3 项新文件，1 项修订，1 项废止.';
COMMENT ON COLUMN digests.message_id IS 'Message-ID header: <digest_id@sender domain>; a resend carries the same one, so mail systems can drop the duplicate.';
COMMENT ON COLUMN digests.message IS 'The complete MIME message (multipart text + HTML) as sent, without any credential.';
COMMENT ON COLUMN digests.attempts IS 'Number of SMTP sending attempts.';
COMMENT ON COLUMN digests.last_error IS 'Last SMTP error (connection refused, 4xx deferral, 5xx refusal), verbatim.';
COMMENT ON COLUMN digests.created_at IS 'When the digest was built (UTC).';
COMMENT ON COLUMN digests.last_attempt_at IS 'When sending was last attempted (UTC).';
COMMENT ON COLUMN digests.sent_at IS 'When the SMTP server accepted it (UTC).';

ALTER TABLE subscribers ADD COLUMN delivery_error VARCHAR;
ALTER TABLE subscribers ADD COLUMN delivery_failed_at TIMESTAMP;
COMMENT ON COLUMN subscribers.delivery_error IS 'Permanent refusal of the address by the SMTP server (5xx), verbatim; NULL once a digest to it is accepted again.';
COMMENT ON COLUMN subscribers.delivery_failed_at IS 'When the address was last refused permanently (UTC).';
COMMENT ON COLUMN subscribers.last_digest_event_id IS 'Highest events.event_id already matched against this subscriber''s subscriptions: every later event is still to be examined, every earlier one that matched is in the outbox.';

ALTER TABLE outbox ADD COLUMN excerpt VARCHAR;
COMMENT ON COLUMN outbox.excerpt IS 'Short excerpt of the document around the match (keyword marked with «»), shown in the email.';
