-- 010: the two tables that carry full texts (versions, pages) lose their PRIMARY KEY / UNIQUE
-- constraints (issue 4, bulk load speed).
-- Measured (bench/RESULTS.md, "Warehouse"): with an ART index on a table whose rows carry 2-20 k
-- characters of text, every commit-and-checkpoint of a load rewrote text blocks of that table:
-- the file grew by ~2x the data appended and the per-issue load time grew with the warehouse
-- (0.5 s per issue at 5,000 documents, 9.5-17.7 s at 100,000). The same appends into the same
-- columns without the index keep a flat cost per issue and the baseline's file size.
-- The constraints were never what made loads idempotent: the loader (warehouse/load.py) is the
-- only writer of both tables, and every insert is an anti-join on the key (NOT EXISTS on
-- version_id, on (file_sha256, page_index)), deduplicated within the batch (QUALIFY). The keys
-- stay what they were; only their enforcement by an index goes.
-- DuckDB cannot drop a constraint with ALTER, so each table is rebuilt in this migration's
-- transaction: same name, same columns in the same order, same rows. Views that read them
-- (document_history, current_texts, version_diffs) bind by name and need no change.
-- No function DEFAULTs (see 001).

CREATE TABLE versions_010 (
    version_id             VARCHAR NOT NULL,
    document_id            VARCHAR NOT NULL,
    version_number         INTEGER NOT NULL,
    content_sha256         VARCHAR NOT NULL,
    text                   VARCHAR NOT NULL,
    normalized_text        VARCHAR NOT NULL,
    char_count             INTEGER NOT NULL,
    first_published_date   DATE,
    first_seen_issue_id    VARCHAR,
    first_seen_file_sha256 VARCHAR,
    loaded_at              TIMESTAMP NOT NULL
);
INSERT INTO versions_010
SELECT version_id, document_id, version_number, content_sha256, text, normalized_text, char_count,
       first_published_date, first_seen_issue_id, first_seen_file_sha256, loaded_at
FROM versions ORDER BY document_id, version_number;
DROP TABLE versions;
ALTER TABLE versions_010 RENAME TO versions;
COMMENT ON TABLE versions IS 'One row per distinct content of a document: a new row only when the normalized text changes (extraction noise does not). version_id is unique (the loader inserts by anti-join on it); no index enforces it, so that appending texts stays cheap.';
COMMENT ON COLUMN versions.version_id IS 'Id of the version: document_id, -v, and the first 12 hex digits of content_sha256; unique.';
COMMENT ON COLUMN versions.document_id IS 'The document this is a version of (documents.document_id).';
COMMENT ON COLUMN versions.version_number IS '1 for the first text seen, 2 for the next distinct text, ...';
COMMENT ON COLUMN versions.content_sha256 IS 'sha256 of normalized_text: equal hashes are equal content; unique per document.';
COMMENT ON COLUMN versions.text IS 'Full text as extracted (with its line breaks).';
COMMENT ON COLUMN versions.normalized_text IS 'Text without extraction noise (whitespace, widths, page footers): what content_sha256 is computed from.';
COMMENT ON COLUMN versions.char_count IS 'Number of characters in normalized_text.';
COMMENT ON COLUMN versions.first_published_date IS 'Publication date of the issue this text was first seen in.';
COMMENT ON COLUMN versions.first_seen_issue_id IS 'Issue this text was first seen in (issues.issue_id).';
COMMENT ON COLUMN versions.first_seen_file_sha256 IS 'File this text was first read from (fetched_files.sha256).';
COMMENT ON COLUMN versions.loaded_at IS 'When the version was loaded (UTC).';

CREATE TABLE pages_010 (
    file_sha256    VARCHAR NOT NULL,
    page_index     INTEGER NOT NULL,
    issue_id       VARCHAR NOT NULL,
    printed_number INTEGER,
    has_text       BOOLEAN NOT NULL,
    ocr            BOOLEAN NOT NULL DEFAULT false,
    text           VARCHAR NOT NULL,
    char_count     INTEGER NOT NULL
);
INSERT INTO pages_010
SELECT file_sha256, page_index, issue_id, printed_number, has_text, ocr, text, char_count
FROM pages ORDER BY file_sha256, page_index;
DROP TABLE pages;
ALTER TABLE pages_010 RENAME TO pages;
COMMENT ON TABLE pages IS 'Text of every page of every loaded file, in reading order, running headers and footers removed. (file_sha256, page_index) is unique (the loader inserts by anti-join on it); no index enforces it, so that appending texts stays cheap.';
COMMENT ON COLUMN pages.file_sha256 IS 'File the page belongs to (fetched_files.sha256).';
COMMENT ON COLUMN pages.page_index IS '0-based position of the page in the file.';
COMMENT ON COLUMN pages.issue_id IS 'Publication the file belongs to (issues.issue_id).';
COMMENT ON COLUMN pages.printed_number IS 'Page number printed on the page (the one to cite); NULL when none is printed.';
COMMENT ON COLUMN pages.has_text IS 'False for pages with no text layer (scanned images): a visible coverage gap, not an empty page.';
COMMENT ON COLUMN pages.ocr IS 'True when the text was recognized from an image rather than read from the text layer.';
COMMENT ON COLUMN pages.text IS 'Page text in reading order.';
COMMENT ON COLUMN pages.char_count IS 'Number of characters in text.';
