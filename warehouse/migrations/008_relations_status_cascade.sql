-- 008: relations between documents (issue 6 part B): how each reference was resolved or why it
-- is still open, the status of a document on any date with the document that caused it, a
-- 'corrected' event kind, and the stored clause alignment of a policy cascade.
-- No function DEFAULTs (see 001): writers set timestamps themselves.

-- Late binding: every reconcile re-checks open references; the near miss stays visible.
ALTER TABLE document_references ADD COLUMN checked_at TIMESTAMP;
ALTER TABLE document_references ADD COLUMN best_candidate_id VARCHAR;
ALTER TABLE document_references ADD COLUMN best_candidate_score DOUBLE;
ALTER TABLE document_references ADD COLUMN resolution_note VARCHAR;
COMMENT ON COLUMN document_references.resolution_method IS 'How the target was found: doc_number (exact after normalization, unique), doc_number+title (the number names several documents; the title chose), title (exact title key) or title_fuzzy (rapidfuzz, score >= 0.90, same numbers in both titles); NULL while unresolved.';
COMMENT ON COLUMN document_references.resolution_score IS 'Confidence of the resolution, 0..1: 1.0 for a unique number or an exact title; the rapidfuzz title score otherwise.';
COMMENT ON COLUMN document_references.checked_at IS 'When reconcile last looked for the target (UTC); open references are re-checked on every reconcile.';
COMMENT ON COLUMN document_references.best_candidate_id IS 'While unresolved: the closest document by title (documents.document_id), shown so an analyst can judge the near miss; NULL when nothing came close.';
COMMENT ON COLUMN document_references.best_candidate_score IS 'Title score of best_candidate_id, 0..1 (below the 0.90 threshold, or refused for a reason in resolution_note).';
COMMENT ON COLUMN document_references.resolution_note IS 'Why the reference is (still) unresolved or how a tie was broken, in one line.';

-- The cause of the stored status.
ALTER TABLE documents ADD COLUMN status_by_document_id VARCHAR;
ALTER TABLE documents ADD COLUMN status_since DATE;
COMMENT ON COLUMN documents.status IS 'Status as of status_as_of: not_yet_in_force, in_force, amended, expired, superseded, repealed. For another date use document_status(date).';
COMMENT ON COLUMN documents.status_by_document_id IS 'The document that made the status what it is (the repealing, superseding or latest amending one); NULL otherwise.';
COMMENT ON COLUMN documents.status_since IS 'Since when the status holds (repeal or amendment taking effect, day after expiry, entry into force).';

-- events.kind gains 'corrected': a subscriber who follows a document must hear that a correction
-- notice (更正) changed it, and the notice's own new_document event is about the notice.
-- DuckDB cannot ALTER a CHECK constraint, so the table is rebuilt in this migration's
-- transaction: same columns, same rows, same event_ids (append-only order is kept).
CREATE TABLE events_008 (
    event_id            BIGINT PRIMARY KEY,
    event_key           VARCHAR NOT NULL UNIQUE,
    kind                VARCHAR NOT NULL CHECK (kind IN ('new_document', 'new_version', 'repealed', 'amended',
                                                          'corrected', 'expiring_soon', 'expired',
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
INSERT INTO events_008 (event_id, event_key, kind, document_id, version_id, related_document_id, issue_id,
                        source_id, occurred_on, recorded_at, summary, details, flow_run_id)
SELECT event_id, event_key, kind, document_id, version_id, related_document_id, issue_id,
       source_id, occurred_on, recorded_at, summary, details, flow_run_id
FROM events ORDER BY event_id;
DROP TABLE events;
ALTER TABLE events_008 RENAME TO events;
COMMENT ON TABLE events IS 'Append-only change log, the project''s stream of changes: rows are only ever added, in event_id order; digests and dashboards read it.';
COMMENT ON COLUMN events.event_id IS 'Monotonically increasing number: a reader that remembers the last id it saw reads exactly what is new.';
COMMENT ON COLUMN events.event_key IS 'What the event is about, e.g. new_version:<version_id>; unique, so that a replayed load never records an event twice.';
COMMENT ON COLUMN events.kind IS 'new_document, new_version, repealed (also for supersedes: see details.relation), amended, corrected, expiring_soon, expired or extraction_problem.';
COMMENT ON COLUMN events.document_id IS 'Document the event is about (documents.document_id).';
COMMENT ON COLUMN events.version_id IS 'Version concerned, for new_document and new_version (versions.version_id).';
COMMENT ON COLUMN events.related_document_id IS 'The other document: the repealing, amending or correcting one.';
COMMENT ON COLUMN events.issue_id IS 'Issue whose load produced the event (issues.issue_id).';
COMMENT ON COLUMN events.source_id IS 'Source of that issue (sources.source_id).';
COMMENT ON COLUMN events.occurred_on IS 'Date the change happened in the world (publication, repeal taking effect, expiry).';
COMMENT ON COLUMN events.recorded_at IS 'When the warehouse recorded the event (UTC).';
COMMENT ON COLUMN events.summary IS 'One-line description for people (title and number).';
COMMENT ON COLUMN events.details IS 'Kind-specific facts as JSON (the problem text, the evidence, the version numbers ...).';
COMMENT ON COLUMN events.flow_run_id IS 'Flow run that recorded it (flow_runs.flow_run_id), when run by a flow.';

-- The policy cascade: clauses of an implementing document aligned with the document it implements.
CREATE TABLE cascade_alignments (
    child_version_id    VARCHAR NOT NULL,
    parent_version_id   VARCHAR NOT NULL,
    row_number          INTEGER NOT NULL,
    child_document_id   VARCHAR NOT NULL,
    parent_document_id  VARCHAR NOT NULL,
    kind                VARCHAR NOT NULL CHECK (kind IN ('kept', 'changed', 'added', 'left_out')),
    child_locator       VARCHAR,
    parent_locator      VARCHAR,
    child_text          VARCHAR,
    parent_text         VARCHAR,
    similarity          DOUBLE,
    changes             JSON,
    algorithm           VARCHAR NOT NULL,
    computed_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (child_version_id, parent_version_id, row_number)
);
COMMENT ON TABLE cascade_alignments IS 'Policy cascade: each clause of an implementing (lower-level) document aligned with the clause of the document it implements, in the child''s order, then the parent clauses it left out.';
COMMENT ON COLUMN cascade_alignments.child_version_id IS 'Version of the implementing document (versions.version_id).';
COMMENT ON COLUMN cascade_alignments.parent_version_id IS 'Version of the implemented document (versions.version_id).';
COMMENT ON COLUMN cascade_alignments.row_number IS '0-based order: child clauses first, in the child''s order, then left-out parent clauses in the parent''s order.';
COMMENT ON COLUMN cascade_alignments.child_document_id IS 'The implementing document (documents.document_id).';
COMMENT ON COLUMN cascade_alignments.parent_document_id IS 'The implemented document (documents.document_id).';
COMMENT ON COLUMN cascade_alignments.kind IS 'kept (same content, no changed figure), changed (aligned; deadlines, targets or responsible units differ), added (no parent clause), left_out (parent clause no child clause takes up).';
COMMENT ON COLUMN cascade_alignments.child_locator IS 'Where in the child: 一、/ 1. / （一） / 第三条, with its headings.';
COMMENT ON COLUMN cascade_alignments.parent_locator IS 'Where in the parent, same notation.';
COMMENT ON COLUMN cascade_alignments.child_text IS 'Text of the child clause.';
COMMENT ON COLUMN cascade_alignments.parent_text IS 'Text of the aligned parent clause.';
COMMENT ON COLUMN cascade_alignments.similarity IS 'Aligned rows: rapidfuzz partial_ratio of the two clause bodies, 0..1 (best score found, for added rows). left_out rows: share of the parent clause''s character bigrams found anywhere in the child.';
COMMENT ON COLUMN cascade_alignments.changes IS 'What differs, as JSON: deadlines, targets (numbers with units) and responsible units, each with parent and child values.';
COMMENT ON COLUMN cascade_alignments.algorithm IS 'Name and version of the alignment, so that alignments can be recomputed when it improves.';
COMMENT ON COLUMN cascade_alignments.computed_at IS 'When the alignment was computed (UTC).';

-- The status of every document on a date, with the document that caused it.
CREATE OR REPLACE MACRO document_status(as_of) AS TABLE
WITH link AS (
    SELECT r.relation, r.target_document_id AS document_id, r.source_document_id AS by_id,
           coalesce(s.effective_date, s.issued_date, s.first_published_date) AS on_date
    FROM document_references r
    JOIN documents s ON s.document_id = r.source_document_id
    WHERE r.relation IN ('repeals', 'supersedes', 'amends', 'corrects')
      AND r.target_document_id IS NOT NULL
      AND r.target_document_id <> r.source_document_id
      AND coalesce(s.effective_date, s.issued_date, s.first_published_date) <= CAST(as_of AS DATE)
), repeal AS (
    SELECT document_id, arg_min(by_id, on_date) AS repealed_by, min(on_date) AS repealed_on
    FROM link WHERE relation = 'repeals' GROUP BY document_id
), supersede AS (
    SELECT document_id, arg_min(by_id, on_date) AS superseded_by, min(on_date) AS superseded_on
    FROM link WHERE relation = 'supersedes' GROUP BY document_id
), amend AS (
    SELECT document_id, arg_max(by_id, on_date) AS amended_by, max(on_date) AS amended_on
    FROM link WHERE relation = 'amends' GROUP BY document_id
), correct AS (
    SELECT document_id, arg_max(by_id, on_date) AS corrected_by, max(on_date) AS corrected_on
    FROM link WHERE relation = 'corrects' GROUP BY document_id
), base AS (
    SELECT d.document_id, d.doc_number, d.title, d.issuer, d.doc_type, d.issued_date,
           coalesce(d.effective_date, d.issued_date, d.first_published_date) AS in_force_from,
           d.expiry_date,
           CASE
               WHEN rp.document_id IS NOT NULL THEN 'repealed'
               WHEN sp.document_id IS NOT NULL THEN 'superseded'
               WHEN d.expiry_date < CAST(as_of AS DATE) THEN 'expired'
               WHEN coalesce(d.effective_date, d.issued_date, d.first_published_date) > CAST(as_of AS DATE)
                   THEN 'not_yet_in_force'
               WHEN am.document_id IS NOT NULL THEN 'amended'
               ELSE 'in_force'
           END AS status,
           rp.repealed_by, rp.repealed_on, am.amended_by, am.amended_on,
           CAST(as_of AS DATE) AS as_of,
           sp.superseded_by, sp.superseded_on, co.corrected_by, co.corrected_on
    FROM documents d
    LEFT JOIN repeal rp ON rp.document_id = d.document_id
    LEFT JOIN supersede sp ON sp.document_id = d.document_id
    LEFT JOIN amend am ON am.document_id = d.document_id
    LEFT JOIN correct co ON co.document_id = d.document_id
)
SELECT *,
       CASE status WHEN 'repealed' THEN repealed_by WHEN 'superseded' THEN superseded_by
                   WHEN 'amended' THEN amended_by END AS status_by,
       CASE status WHEN 'repealed' THEN repealed_on WHEN 'superseded' THEN superseded_on
                   WHEN 'expired' THEN expiry_date + 1 WHEN 'amended' THEN amended_on
                   WHEN 'in_force' THEN in_force_from END AS status_since
FROM base;

CREATE OR REPLACE MACRO documents_in_force(as_of) AS TABLE
SELECT * FROM document_status(as_of) WHERE status IN ('in_force', 'amended');

-- Every typed link, resolved or still open, with how it was resolved.
CREATE OR REPLACE VIEW document_relations AS
SELECT r.reference_id, r.relation,
       r.source_document_id, s.doc_number AS source_doc_number, s.title AS source_title,
       r.target_document_id, coalesce(t.doc_number, r.target_doc_number) AS target_doc_number,
       coalesce(t.title, r.target_title) AS target_title,
       r.target_document_id IS NOT NULL AS resolved,
       r.resolution_method, r.resolution_score, r.best_candidate_id, r.best_candidate_score,
       r.resolution_note, r.evidence, r.checked_at
FROM document_references r
JOIN documents s ON s.document_id = r.source_document_id
LEFT JOIN documents t ON t.document_id = r.target_document_id;
COMMENT ON VIEW document_relations IS 'Every relation a document states (repeals, supersedes, amends, implements, corrects, cites, same_series): the target when found (how, with what score), else the target as written and the closest candidate.';

-- The cascade upwards: what each document implements, found or not.
CREATE OR REPLACE VIEW implementation_links AS
SELECT source_document_id AS child_document_id, source_doc_number AS child_doc_number,
       source_title AS child_title, target_document_id AS parent_document_id,
       target_doc_number AS parent_doc_number, target_title AS parent_title, resolved,
       resolution_method, resolution_score, evidence
FROM document_relations
WHERE relation = 'implements';
COMMENT ON VIEW implementation_links IS 'Policy cascade edges: which document implements which; parents not in the warehouse stay listed with resolved = false.';
