-- 011: the document's current version is the one its publisher serves now (issue 17).
-- events.kind gains 'reverted': a publisher that goes back to an earlier text (or a page that
-- comes back whole after a bad copy) makes that earlier version current again, and subscribers
-- following the document must hear of it, with the diff. DuckDB cannot ALTER a CHECK
-- constraint, so the table is rebuilt as in 008: same columns, same rows, same event_ids.
-- No function DEFAULTs (see 001).

CREATE TABLE events_011 (
    event_id            BIGINT PRIMARY KEY,
    event_key           VARCHAR NOT NULL UNIQUE,
    kind                VARCHAR NOT NULL CHECK (kind IN ('new_document', 'new_version', 'repealed', 'amended',
                                                          'corrected', 'reverted', 'expiring_soon', 'expired',
                                                          'extraction_problem')),
    document_id         VARCHAR,
    version_id          VARCHAR,
    related_document_id VARCHAR,
    issue_id            VARCHAR,
    source_id           VARCHAR,
    occurred_on         DATE,
    recorded_at         TIMESTAMP NOT NULL,
    summary             VARCHAR NOT NULL,
    details             JSON,
    flow_run_id         VARCHAR
);
INSERT INTO events_011 (event_id, event_key, kind, document_id, version_id, related_document_id, issue_id,
                        source_id, occurred_on, recorded_at, summary, details, flow_run_id)
SELECT event_id, event_key, kind, document_id, version_id, related_document_id, issue_id,
       source_id, occurred_on, recorded_at, summary, details, flow_run_id
FROM events ORDER BY event_id;
DROP TABLE events;
ALTER TABLE events_011 RENAME TO events;
COMMENT ON TABLE events IS 'Append-only change log, the project''s stream of changes: rows are only ever added, in event_id order; digests and dashboards read it.';
COMMENT ON COLUMN events.event_id IS 'Monotonically increasing number: a reader that remembers the last id it saw reads exactly what is new.';
COMMENT ON COLUMN events.event_key IS 'What the event is about, e.g. new_version:<version_id>; unique, so that a replayed load never records an event twice.';
COMMENT ON COLUMN events.kind IS 'new_document, new_version, reverted (the publisher serves an earlier version again: details.from_version_id and diff_id), repealed (also for supersedes: see details.relation), amended, corrected, expiring_soon, expired or extraction_problem (also a fetch quarantined as implausible: details.stage).';
COMMENT ON COLUMN events.document_id IS 'Document the event is about (documents.document_id).';
COMMENT ON COLUMN events.version_id IS 'Version concerned, for new_document, new_version and reverted (the version served again) (versions.version_id).';
COMMENT ON COLUMN events.related_document_id IS 'The other document: the repealing, amending or correcting one.';
COMMENT ON COLUMN events.issue_id IS 'Issue whose load produced the event (issues.issue_id).';
COMMENT ON COLUMN events.source_id IS 'Source of that issue (sources.source_id).';
COMMENT ON COLUMN events.occurred_on IS 'Date the change happened in the world (publication, repeal taking effect, expiry).';
COMMENT ON COLUMN events.recorded_at IS 'When the warehouse recorded the event (UTC).';
COMMENT ON COLUMN events.summary IS 'One-line description for people (title and number).';
COMMENT ON COLUMN events.details IS 'Kind-specific facts as JSON (the problem text, the evidence, the version numbers ...).';
COMMENT ON COLUMN events.flow_run_id IS 'Flow run that recorded it (flow_runs.flow_run_id), when run by a flow.';

COMMENT ON COLUMN documents.latest_version_id IS 'The current version: the one seen in the newest publication that shows the document (by publication date, then by when that publication was last loaded); a revert makes an earlier version current again (event reverted).';
