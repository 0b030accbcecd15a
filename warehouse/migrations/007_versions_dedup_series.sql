-- 007: reconcile (issue 6, part A): copies of a version that differ by extraction noise only,
-- near-duplicate documents under different identities, and annual series.
-- No function DEFAULTs (see 001): writers set timestamps themselves.

CREATE TABLE version_copies (
    document_id            VARCHAR NOT NULL,
    content_sha256         VARCHAR NOT NULL,
    version_id             VARCHAR NOT NULL,
    text                   VARCHAR NOT NULL,
    char_count             INTEGER NOT NULL,
    reason                 VARCHAR NOT NULL,
    similarity             DOUBLE,
    first_seen_issue_id    VARCHAR,
    first_seen_file_sha256 VARCHAR,
    recorded_at            TIMESTAMP NOT NULL,
    PRIMARY KEY (document_id, content_sha256)
);
COMMENT ON TABLE version_copies IS 'Texts of a document that differ from a known version by extraction noise only (line breaks, widths, a title repeated above a web article, a scanned page without text): sightings of that version, not new versions.';
COMMENT ON COLUMN version_copies.document_id IS 'The document (documents.document_id).';
COMMENT ON COLUMN version_copies.content_sha256 IS 'sha256 of this copy''s normalized text (what the loader would have made a version of).';
COMMENT ON COLUMN version_copies.version_id IS 'The version this copy is a noisy copy of (versions.version_id).';
COMMENT ON COLUMN version_copies.text IS 'This copy''s text as extracted; the longest copy of a version is the one diffs use (it has no scan gap).';
COMMENT ON COLUMN version_copies.char_count IS 'Number of characters in text.';
COMMENT ON COLUMN version_copies.reason IS 'Why it is the same version (the noise that explains every difference).';
COMMENT ON COLUMN version_copies.similarity IS 'Similarity of the two canonical texts, 0..1.';
COMMENT ON COLUMN version_copies.first_seen_issue_id IS 'Issue this copy was first seen in (issues.issue_id).';
COMMENT ON COLUMN version_copies.first_seen_file_sha256 IS 'File this copy was first read from (fetched_files.sha256).';
COMMENT ON COLUMN version_copies.recorded_at IS 'When the copy was recorded (UTC).';

CREATE TABLE document_duplicates (
    document_id           VARCHAR PRIMARY KEY,
    canonical_document_id VARCHAR NOT NULL,
    method                VARCHAR NOT NULL CHECK (method IN ('exact', 'near')),
    similarity            DOUBLE,
    reason                VARCHAR,
    found_at              TIMESTAMP NOT NULL
);
COMMENT ON TABLE document_duplicates IS 'Documents whose identity keys differ (a number missed in one copy, a date read differently) but whose latest texts are the same once extraction noise is removed: document_id is a copy of canonical_document_id (the earlier one).';
COMMENT ON COLUMN document_duplicates.document_id IS 'The later document (documents.document_id).';
COMMENT ON COLUMN document_duplicates.canonical_document_id IS 'The document it duplicates, first seen earlier (documents.document_id).';
COMMENT ON COLUMN document_duplicates.method IS 'exact (same canonical text) or near (MinHash LSH candidate, then no difference but noise).';
COMMENT ON COLUMN document_duplicates.similarity IS 'Similarity of the canonical texts, 0..1.';
COMMENT ON COLUMN document_duplicates.reason IS 'The noise that explains the differences.';
COMMENT ON COLUMN document_duplicates.found_at IS 'When reconcile found it (UTC).';

CREATE TABLE series_links (
    older_document_id VARCHAR NOT NULL,
    newer_document_id VARCHAR NOT NULL,
    series_key        VARCHAR NOT NULL,
    older_year        INTEGER NOT NULL,
    newer_year        INTEGER NOT NULL,
    diff_id           VARCHAR,
    found_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (older_document_id, newer_document_id)
);
COMMENT ON TABLE series_links IS 'Consecutive editions of an annual document (全区2023年政务公开工作要点 → 2024年): titles equal once the year is removed (documents.series_key); the year-over-year diff is in diffs (kind series).';
COMMENT ON COLUMN series_links.older_document_id IS 'The earlier edition (documents.document_id).';
COMMENT ON COLUMN series_links.newer_document_id IS 'The next edition (documents.document_id).';
COMMENT ON COLUMN series_links.series_key IS 'The shared title without the year (documents.series_key).';
COMMENT ON COLUMN series_links.older_year IS 'Year in the older edition''s title.';
COMMENT ON COLUMN series_links.newer_year IS 'Year in the newer edition''s title.';
COMMENT ON COLUMN series_links.diff_id IS 'The year-over-year diff of their latest versions (diffs.diff_id).';
COMMENT ON COLUMN series_links.found_at IS 'When reconcile linked them (UTC).';

CREATE OR REPLACE VIEW version_diffs AS
SELECT f.diff_id, f.kind, f.document_id, d.title, d.doc_number,
       ov.document_id AS old_document_id, ov.version_number AS old_version_number,
       nv.version_number AS new_version_number,
       ov.first_published_date AS old_published_date, nv.first_published_date AS new_published_date,
       f.similarity, f.hunk_count, f.algorithm, f.computed_at
FROM diffs f
JOIN documents d ON d.document_id = f.document_id
JOIN versions ov ON ov.version_id = f.old_version_id
JOIN versions nv ON nv.version_id = f.new_version_id;
COMMENT ON VIEW version_diffs IS 'Every stored diff with the document and version numbers it compares: revisions of one document and year-over-year series diffs; the changed blocks are in diff_hunks.';
