-- 001: the core model: where documents come from, what they say, and the change log.
-- Conventions: timestamps are UTC (TIMESTAMP without zone); dates are DATE; ids that
-- can be derived from content are derived from it (stable across rebuilds).
-- Relationships are documented in comments, not enforced with FOREIGN KEY constraints:
-- DuckDB forbids updating any row that a foreign key references, and documents are
-- updated (status, latest version) on every load.
-- No column has a function DEFAULT (now(), nextval()): DuckDB 1.5.5 cannot replay from its
-- WAL an ALTER (or COMMENT ON COLUMN) of a table with such a default, so a crash after a
-- migration would leave a file that no longer opens. Writers set timestamps themselves.

CREATE TABLE sources (
    source_id     VARCHAR PRIMARY KEY,
    name          VARCHAR,
    kind          VARCHAR,
    homepage_url  VARCHAR,
    first_seen_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE sources IS 'Publishers the monitor polls, one row per configured source (e.g. the Ningxia regional government gazette).';
COMMENT ON COLUMN sources.source_id IS 'Short stable id of the source, as in the source configuration (e.g. ningxia-gazette).';
COMMENT ON COLUMN sources.name IS 'Human name of the publisher or publication.';
COMMENT ON COLUMN sources.kind IS 'What the source publishes: gazette_issue, compilation, article.';
COMMENT ON COLUMN sources.homepage_url IS 'Where a person would start browsing this source.';
COMMENT ON COLUMN sources.first_seen_at IS 'When the warehouse first recorded this source (UTC).';

CREATE TABLE fetched_files (
    sha256            VARCHAR PRIMARY KEY,
    url               VARCHAR,
    http_status       INTEGER,
    etag              VARCHAR,
    last_modified     VARCHAR,
    fetched_at        TIMESTAMP,
    storage_path      VARCHAR,
    content_type      VARCHAR,
    size_bytes        BIGINT,
    extra             JSON,
    first_recorded_at TIMESTAMP NOT NULL
);
COMMENT ON TABLE fetched_files IS 'Every distinct file the monitor downloaded, identified by the sha256 of its bytes; the same bytes from two URLs are one row.';
COMMENT ON COLUMN fetched_files.sha256 IS 'sha256 of the raw bytes (hex); the file''s identity.';
COMMENT ON COLUMN fetched_files.url IS 'URL the bytes were downloaded from (the first one, if several served the same bytes).';
COMMENT ON COLUMN fetched_files.http_status IS 'HTTP status of the download (200).';
COMMENT ON COLUMN fetched_files.etag IS 'ETag header the server sent, kept for conditional GETs.';
COMMENT ON COLUMN fetched_files.last_modified IS 'Last-Modified header the server sent, verbatim.';
COMMENT ON COLUMN fetched_files.fetched_at IS 'When the bytes were downloaded (UTC).';
COMMENT ON COLUMN fetched_files.storage_path IS 'Where the raw bytes are kept (content-addressed file or WARC record).';
COMMENT ON COLUMN fetched_files.content_type IS 'Content-Type header (application/pdf, text/html ...).';
COMMENT ON COLUMN fetched_files.size_bytes IS 'Size of the raw bytes.';
COMMENT ON COLUMN fetched_files.extra IS 'Other fetch facts as JSON (e.g. WARC record id and offset).';
COMMENT ON COLUMN fetched_files.first_recorded_at IS 'When the warehouse first recorded this file (UTC).';

CREATE TABLE issues (
    issue_id           VARCHAR PRIMARY KEY,
    source_id          VARCHAR NOT NULL,
    kind               VARCHAR NOT NULL,
    title              VARCHAR,
    year               INTEGER,
    number             INTEGER,
    total_number       INTEGER,
    published_date     DATE,
    page_count         INTEGER,
    url                VARCHAR,
    loaded_file_sha256 VARCHAR,
    first_loaded_at    TIMESTAMP,
    loaded_at          TIMESTAMP
);
COMMENT ON TABLE issues IS 'Publications: gazette issues (期), compilations (汇编) and web articles, one row each.';
COMMENT ON COLUMN issues.issue_id IS 'Stable slug of the publication (e.g. nx-2024-02).';
COMMENT ON COLUMN issues.source_id IS 'The source that published it (sources.source_id).';
COMMENT ON COLUMN issues.kind IS 'gazette_issue, compilation or article.';
COMMENT ON COLUMN issues.title IS 'Title of the publication (宁夏回族自治区人民政府公报).';
COMMENT ON COLUMN issues.year IS 'Year of the issue.';
COMMENT ON COLUMN issues.number IS 'Issue number within the year (期).';
COMMENT ON COLUMN issues.total_number IS 'Running issue number since the first issue (总第N期).';
COMMENT ON COLUMN issues.published_date IS 'Publication date printed on the issue (出版日期).';
COMMENT ON COLUMN issues.page_count IS 'Number of pages in the file.';
COMMENT ON COLUMN issues.url IS 'Page where the issue is listed or can be read.';
COMMENT ON COLUMN issues.loaded_file_sha256 IS 'sha256 of the file whose contents were last loaded completely (fetched_files.sha256); equal sha256 means a reload has nothing to do.';
COMMENT ON COLUMN issues.first_loaded_at IS 'When the issue was first loaded (UTC).';
COMMENT ON COLUMN issues.loaded_at IS 'When the issue was last loaded (UTC).';

CREATE TABLE pages (
    file_sha256    VARCHAR NOT NULL,
    page_index     INTEGER NOT NULL,
    issue_id       VARCHAR NOT NULL,
    printed_number INTEGER,
    has_text       BOOLEAN NOT NULL,
    ocr            BOOLEAN NOT NULL DEFAULT false,
    text           VARCHAR NOT NULL,
    char_count     INTEGER NOT NULL,
    PRIMARY KEY (file_sha256, page_index)
);
COMMENT ON TABLE pages IS 'Text of every page of every loaded file, in reading order, running headers and footers removed.';
COMMENT ON COLUMN pages.file_sha256 IS 'File the page belongs to (fetched_files.sha256).';
COMMENT ON COLUMN pages.page_index IS '0-based position of the page in the file.';
COMMENT ON COLUMN pages.issue_id IS 'Publication the file belongs to (issues.issue_id).';
COMMENT ON COLUMN pages.printed_number IS 'Page number printed on the page (the one to cite); NULL when none is printed.';
COMMENT ON COLUMN pages.has_text IS 'False for pages with no text layer (scanned images): a visible coverage gap, not an empty page.';
COMMENT ON COLUMN pages.ocr IS 'True when the text was recognized from an image rather than read from the text layer.';
COMMENT ON COLUMN pages.text IS 'Page text in reading order.';
COMMENT ON COLUMN pages.char_count IS 'Number of characters in text.';

CREATE TABLE documents (
    document_id            VARCHAR PRIMARY KEY,
    identity_key           VARCHAR NOT NULL UNIQUE,
    doc_number             VARCHAR,
    doc_number_issuer_code VARCHAR,
    doc_number_year        INTEGER,
    doc_number_serial      INTEGER,
    issuer                 VARCHAR,
    title                  VARCHAR NOT NULL,
    normalized_title       VARCHAR NOT NULL,
    doc_type               VARCHAR,
    issued_date            DATE,
    effective_date         DATE,
    effective_on_issue     BOOLEAN NOT NULL DEFAULT false,
    expiry_date            DATE,
    publication_note       VARCHAR,
    is_public              BOOLEAN,
    addressees             VARCHAR[],
    attachments            VARCHAR[],
    status                 VARCHAR NOT NULL DEFAULT 'in_force',
    status_as_of           DATE,
    first_published_date   DATE,
    first_seen_issue_id    VARCHAR,
    latest_version_id      VARCHAR,
    version_count          INTEGER NOT NULL DEFAULT 1,
    first_loaded_at        TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
COMMENT ON TABLE documents IS 'One row per real-world official document (公文), however many times and places it was published.';
COMMENT ON COLUMN documents.document_id IS 'Canonical id of the document: doc- plus 16 hex digits of the sha256 of identity_key (stable across rebuilds).';
COMMENT ON COLUMN documents.identity_key IS 'What makes two sightings the same document: number:<发文字号>|<issuer> when there is a number, else title:<normalized title>|<成文日期>.';
COMMENT ON COLUMN documents.doc_number IS 'Document number (发文字号), normalized: 宁政办发〔2023〕24号.';
COMMENT ON COLUMN documents.doc_number_issuer_code IS 'Issuer code part of the number (宁政办发).';
COMMENT ON COLUMN documents.doc_number_year IS 'Year part of the number (the 2023 in 〔2023〕).';
COMMENT ON COLUMN documents.doc_number_serial IS 'Serial part of the number (the 24 in 24号).';
COMMENT ON COLUMN documents.issuer IS 'Issuing organ(s), joined with 、 when several.';
COMMENT ON COLUMN documents.title IS 'Title as first published.';
COMMENT ON COLUMN documents.normalized_title IS 'Title without spaces, brackets and quotes of one width: the comparison key for titles.';
COMMENT ON COLUMN documents.doc_type IS 'Kind of document: 通知, 意见, 办法, 令, 批复, 方案 ...';
COMMENT ON COLUMN documents.issued_date IS 'Date of writing (成文日期).';
COMMENT ON COLUMN documents.effective_date IS 'Date the document takes effect (自…起施行; the 成文日期 when it takes effect on issue); NULL when not stated.';
COMMENT ON COLUMN documents.effective_on_issue IS 'True when the text says it takes effect on issue (自印发之日起施行).';
COMMENT ON COLUMN documents.expiry_date IS 'Last day of validity (有效期至…, or computed from 有效期N年); NULL when open-ended.';
COMMENT ON COLUMN documents.publication_note IS 'Publication note as printed (此件公开发布 / 此件不公开 ...).';
COMMENT ON COLUMN documents.is_public IS 'Whether the publication note says the document is public.';
COMMENT ON COLUMN documents.addressees IS 'Addressees (主送).';
COMMENT ON COLUMN documents.attachments IS 'Attachment titles (附件).';
COMMENT ON COLUMN documents.status IS 'Status as of status_as_of: not_yet_in_force, in_force, amended, expired, repealed. For another date use document_status(date).';
COMMENT ON COLUMN documents.status_as_of IS 'Date on which status was computed.';
COMMENT ON COLUMN documents.first_published_date IS 'Publication date of the earliest issue the document was seen in.';
COMMENT ON COLUMN documents.first_seen_issue_id IS 'Issue the document was first loaded from (issues.issue_id).';
COMMENT ON COLUMN documents.latest_version_id IS 'Most recent version of the text (versions.version_id).';
COMMENT ON COLUMN documents.version_count IS 'Number of distinct texts (versions) seen for this document.';
COMMENT ON COLUMN documents.first_loaded_at IS 'When the document was first loaded (UTC).';
COMMENT ON COLUMN documents.updated_at IS 'When this row last changed (UTC).';

CREATE TABLE versions (
    version_id             VARCHAR PRIMARY KEY,
    document_id            VARCHAR NOT NULL,
    version_number         INTEGER NOT NULL,
    content_sha256         VARCHAR NOT NULL,
    text                   VARCHAR NOT NULL,
    normalized_text        VARCHAR NOT NULL,
    char_count             INTEGER NOT NULL,
    first_published_date   DATE,
    first_seen_issue_id    VARCHAR,
    first_seen_file_sha256 VARCHAR,
    loaded_at              TIMESTAMP NOT NULL,
    UNIQUE (document_id, content_sha256)
);
COMMENT ON TABLE versions IS 'One row per distinct content of a document: a new row only when the normalized text changes (extraction noise does not).';
COMMENT ON COLUMN versions.version_id IS 'Id of the version: document_id, -v, and the first 12 hex digits of content_sha256.';
COMMENT ON COLUMN versions.document_id IS 'The document this is a version of (documents.document_id).';
COMMENT ON COLUMN versions.version_number IS '1 for the first text seen, 2 for the next distinct text, ...';
COMMENT ON COLUMN versions.content_sha256 IS 'sha256 of normalized_text: equal hashes are equal content.';
COMMENT ON COLUMN versions.text IS 'Full text as extracted (with its line breaks).';
COMMENT ON COLUMN versions.normalized_text IS 'Text without extraction noise (whitespace, widths, page footers): what content_sha256 is computed from.';
COMMENT ON COLUMN versions.char_count IS 'Number of characters in normalized_text.';
COMMENT ON COLUMN versions.first_published_date IS 'Publication date of the issue this text was first seen in.';
COMMENT ON COLUMN versions.first_seen_issue_id IS 'Issue this text was first seen in (issues.issue_id).';
COMMENT ON COLUMN versions.first_seen_file_sha256 IS 'File this text was first read from (fetched_files.sha256).';
COMMENT ON COLUMN versions.loaded_at IS 'When the version was loaded (UTC).';

CREATE TABLE sightings (
    file_sha256           VARCHAR NOT NULL,
    position              INTEGER NOT NULL,
    issue_id              VARCHAR NOT NULL,
    document_id           VARCHAR NOT NULL,
    version_id            VARCHAR NOT NULL,
    start_page            INTEGER,
    end_page              INTEGER,
    title_as_printed      VARCHAR,
    doc_number_as_printed VARCHAR,
    loaded_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (file_sha256, position)
);
COMMENT ON TABLE sightings IS 'Every place a version was seen: which file of which issue, which pages.';
COMMENT ON COLUMN sightings.file_sha256 IS 'File it was read from (fetched_files.sha256).';
COMMENT ON COLUMN sightings.position IS '0-based order of the document within that file.';
COMMENT ON COLUMN sightings.issue_id IS 'Issue it was published in (issues.issue_id).';
COMMENT ON COLUMN sightings.document_id IS 'The document seen (documents.document_id).';
COMMENT ON COLUMN sightings.version_id IS 'The version of its text seen here (versions.version_id).';
COMMENT ON COLUMN sightings.start_page IS 'First page (printed number where printed, else 1-based index).';
COMMENT ON COLUMN sightings.end_page IS 'Last page, same numbering as start_page.';
COMMENT ON COLUMN sightings.title_as_printed IS 'Title exactly as extracted from this file.';
COMMENT ON COLUMN sightings.doc_number_as_printed IS 'Document number as extracted from this file, before identity normalization.';
COMMENT ON COLUMN sightings.loaded_at IS 'When the sighting was loaded (UTC).';

CREATE TABLE document_references (
    reference_id       VARCHAR PRIMARY KEY,
    source_document_id VARCHAR NOT NULL,
    source_version_id  VARCHAR NOT NULL,
    position           INTEGER NOT NULL,
    relation           VARCHAR NOT NULL,
    evidence           VARCHAR NOT NULL,
    target_doc_number  VARCHAR,
    target_title       VARCHAR,
    target_document_id VARCHAR,
    resolved_at        TIMESTAMP,
    found_at           TIMESTAMP NOT NULL
);
COMMENT ON TABLE document_references IS 'Relations one document states about another (repeals, amends, implements, cites ...), with the sentence that states them; targets not yet in the warehouse stay unresolved until they arrive.';
COMMENT ON COLUMN document_references.reference_id IS 'source_version_id, #, position.';
COMMENT ON COLUMN document_references.source_document_id IS 'The document whose text states the relation (documents.document_id).';
COMMENT ON COLUMN document_references.source_version_id IS 'The version whose text states it (versions.version_id).';
COMMENT ON COLUMN document_references.position IS '0-based order of the reference within that version.';
COMMENT ON COLUMN document_references.relation IS 'repeals, supersedes, amends, implements, cites, same_series or corrects: what the source does to the target.';
COMMENT ON COLUMN document_references.evidence IS 'The sentence that states the relation, for checking.';
COMMENT ON COLUMN document_references.target_doc_number IS 'Document number of the target as written, normalized; NULL when only a title is given.';
COMMENT ON COLUMN document_references.target_title IS 'Title of the target as written (inside 《》).';
COMMENT ON COLUMN document_references.target_document_id IS 'The target once found in the warehouse (documents.document_id); NULL while unresolved.';
COMMENT ON COLUMN document_references.resolved_at IS 'When the target was resolved (UTC).';
COMMENT ON COLUMN document_references.found_at IS 'When the reference was loaded (UTC).';

CREATE TABLE events (
    event_id            BIGINT PRIMARY KEY,
    event_key           VARCHAR NOT NULL UNIQUE,
    kind                VARCHAR NOT NULL CHECK (kind IN ('new_document', 'new_version', 'repealed', 'amended',
                                                          'expiring_soon', 'expired', 'extraction_problem')),
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
COMMENT ON TABLE events IS 'Append-only change log, the project''s stream of changes: rows are only ever added, in event_id order; digests and dashboards read it.';
COMMENT ON COLUMN events.event_id IS 'Monotonically increasing number: a reader that remembers the last id it saw reads exactly what is new.';
COMMENT ON COLUMN events.event_key IS 'What the event is about, e.g. new_version:<version_id>; unique, so that a replayed load never records an event twice.';
COMMENT ON COLUMN events.kind IS 'new_document, new_version, repealed, amended, expiring_soon, expired or extraction_problem.';
COMMENT ON COLUMN events.document_id IS 'Document the event is about (documents.document_id).';
COMMENT ON COLUMN events.version_id IS 'Version concerned, for new_document and new_version (versions.version_id).';
COMMENT ON COLUMN events.related_document_id IS 'The other document: the repealing or amending one for repealed and amended.';
COMMENT ON COLUMN events.issue_id IS 'Issue whose load produced the event (issues.issue_id).';
COMMENT ON COLUMN events.source_id IS 'Source of that issue (sources.source_id).';
COMMENT ON COLUMN events.occurred_on IS 'Date the change happened in the world (publication, repeal taking effect, expiry).';
COMMENT ON COLUMN events.recorded_at IS 'When the warehouse recorded the event (UTC).';
COMMENT ON COLUMN events.summary IS 'One-line description for people (title and number).';
COMMENT ON COLUMN events.details IS 'Kind-specific facts as JSON (the problem text, the evidence, the version numbers ...).';
COMMENT ON COLUMN events.flow_run_id IS 'Flow run that recorded it (flow_runs.flow_run_id), when run by a flow.';

CREATE TABLE flow_runs (
    flow_run_id      VARCHAR PRIMARY KEY,
    flow_name        VARCHAR NOT NULL,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    status           VARCHAR NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'crashed')),
    issues_seen      INTEGER NOT NULL DEFAULT 0,
    issues_loaded    INTEGER NOT NULL DEFAULT 0,
    issues_unchanged INTEGER NOT NULL DEFAULT 0,
    documents_new    INTEGER NOT NULL DEFAULT 0,
    versions_new     INTEGER NOT NULL DEFAULT 0,
    events_new       INTEGER NOT NULL DEFAULT 0,
    error_count      INTEGER NOT NULL DEFAULT 0,
    errors           JSON,
    parameters       JSON
);
COMMENT ON TABLE flow_runs IS 'One row per run of an ingestion flow: what it saw, what it loaded, what failed.';
COMMENT ON COLUMN flow_runs.flow_run_id IS 'Id of the run (the orchestrator''s run id).';
COMMENT ON COLUMN flow_runs.flow_name IS 'Name of the flow (e.g. ingest-source).';
COMMENT ON COLUMN flow_runs.started_at IS 'When the run started (UTC).';
COMMENT ON COLUMN flow_runs.finished_at IS 'When it finished (UTC); NULL while running or after a crash.';
COMMENT ON COLUMN flow_runs.status IS 'running, completed, failed or crashed.';
COMMENT ON COLUMN flow_runs.issues_seen IS 'Issues listed by the sources during the run.';
COMMENT ON COLUMN flow_runs.issues_loaded IS 'Issues whose contents were loaded.';
COMMENT ON COLUMN flow_runs.issues_unchanged IS 'Issues skipped because the same file was already loaded.';
COMMENT ON COLUMN flow_runs.documents_new IS 'Documents seen for the first time.';
COMMENT ON COLUMN flow_runs.versions_new IS 'New versions of documents already known.';
COMMENT ON COLUMN flow_runs.events_new IS 'Events recorded.';
COMMENT ON COLUMN flow_runs.error_count IS 'Number of items that failed (one bad file never stops the others).';
COMMENT ON COLUMN flow_runs.errors IS 'The failures as JSON: [{"item": ..., "error": ...}].';
COMMENT ON COLUMN flow_runs.parameters IS 'Parameters the run was started with, as JSON.';
