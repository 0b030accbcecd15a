-- 003: views and table macros for the questions analysts ask most.
-- Macros take dates as DATE or 'YYYY-MM-DD' strings: SELECT * FROM documents_in_force('2024-03-01').

CREATE OR REPLACE MACRO document_status(as_of) AS TABLE
WITH repeal AS (
    SELECT r.target_document_id AS document_id,
           arg_min(r.source_document_id, coalesce(s.effective_date, s.issued_date, s.first_published_date)) AS repealed_by,
           min(coalesce(s.effective_date, s.issued_date, s.first_published_date)) AS repealed_on
    FROM document_references r
    JOIN documents s ON s.document_id = r.source_document_id
    WHERE r.relation IN ('repeals', 'supersedes')
      AND r.target_document_id IS NOT NULL
      AND r.target_document_id <> r.source_document_id
      AND coalesce(s.effective_date, s.issued_date, s.first_published_date) <= CAST(as_of AS DATE)
    GROUP BY r.target_document_id
), amend AS (
    SELECT r.target_document_id AS document_id,
           arg_max(r.source_document_id, coalesce(s.effective_date, s.issued_date, s.first_published_date)) AS amended_by,
           max(coalesce(s.effective_date, s.issued_date, s.first_published_date)) AS amended_on
    FROM document_references r
    JOIN documents s ON s.document_id = r.source_document_id
    WHERE r.relation = 'amends'
      AND r.target_document_id IS NOT NULL
      AND r.target_document_id <> r.source_document_id
      AND coalesce(s.effective_date, s.issued_date, s.first_published_date) <= CAST(as_of AS DATE)
    GROUP BY r.target_document_id
)
SELECT d.document_id, d.doc_number, d.title, d.issuer, d.doc_type, d.issued_date,
       coalesce(d.effective_date, d.issued_date, d.first_published_date) AS in_force_from,
       d.expiry_date,
       CASE
           WHEN rp.document_id IS NOT NULL THEN 'repealed'
           WHEN d.expiry_date < CAST(as_of AS DATE) THEN 'expired'
           WHEN coalesce(d.effective_date, d.issued_date, d.first_published_date) > CAST(as_of AS DATE)
               THEN 'not_yet_in_force'
           WHEN am.document_id IS NOT NULL THEN 'amended'
           ELSE 'in_force'
       END AS status,
       rp.repealed_by, rp.repealed_on, am.amended_by, am.amended_on,
       CAST(as_of AS DATE) AS as_of
FROM documents d
LEFT JOIN repeal rp ON rp.document_id = d.document_id
LEFT JOIN amend am ON am.document_id = d.document_id;

CREATE OR REPLACE MACRO documents_in_force(as_of) AS TABLE
SELECT * FROM document_status(as_of) WHERE status IN ('in_force', 'amended');

CREATE OR REPLACE MACRO expiring_within(days, as_of := current_date) AS TABLE
SELECT s.*, s.expiry_date - CAST(as_of AS DATE) AS days_left
FROM document_status(as_of) s
WHERE s.status IN ('in_force', 'amended')
  AND s.expiry_date BETWEEN CAST(as_of AS DATE) AND CAST(as_of AS DATE) + CAST(days AS INTEGER)
ORDER BY s.expiry_date, s.document_id;

CREATE OR REPLACE MACRO changes_since(since) AS TABLE
SELECT e.event_id, e.kind, e.recorded_at, e.occurred_on, e.summary,
       e.document_id, d.doc_number, d.title, d.issuer, d.doc_type,
       e.version_id, e.related_document_id, e.issue_id, e.source_id, e.details
FROM events e
LEFT JOIN documents d ON d.document_id = e.document_id
WHERE e.recorded_at >= CAST(since AS TIMESTAMP)
ORDER BY e.event_id;

CREATE OR REPLACE VIEW document_history AS
SELECT d.document_id, d.doc_number, d.title, v.version_number, v.version_id, v.content_sha256, v.char_count,
       s.issue_id, i.title AS issue_title, i.year AS issue_year, i.number AS issue_number,
       i.published_date, s.start_page, s.end_page, s.title_as_printed, s.file_sha256,
       f.url AS file_url, s.loaded_at
FROM sightings s
JOIN versions v ON v.version_id = s.version_id
JOIN documents d ON d.document_id = v.document_id
LEFT JOIN issues i ON i.issue_id = s.issue_id
LEFT JOIN fetched_files f ON f.sha256 = s.file_sha256;
COMMENT ON VIEW document_history IS 'Every sighting of every version of every document, with the issue and pages: filter on document_id or doc_number and order by published_date.';

CREATE OR REPLACE VIEW replacements AS
SELECT r.relation,
       r.target_document_id AS old_document_id,
       coalesce(o.doc_number, r.target_doc_number) AS old_doc_number,
       coalesce(o.title, r.target_title) AS old_title,
       r.source_document_id AS new_document_id,
       n.doc_number AS new_doc_number,
       n.title AS new_title,
       coalesce(n.effective_date, n.issued_date, n.first_published_date) AS takes_effect,
       r.evidence,
       r.target_document_id IS NOT NULL AS resolved
FROM document_references r
JOIN documents n ON n.document_id = r.source_document_id
LEFT JOIN documents o ON o.document_id = r.target_document_id
WHERE r.relation IN ('repeals', 'supersedes', 'amends');
COMMENT ON VIEW replacements IS 'What replaced or amended what: old document (resolved or only as written), new document, the date it takes effect, and the sentence that says so.';

CREATE OR REPLACE VIEW documents_per_issuer_month AS
SELECT coalesce(issuer, '(issuer unknown)') AS issuer,
       CAST(date_trunc('month', coalesce(issued_date, first_published_date)) AS DATE) AS month,
       count(*) AS documents,
       count(doc_number) AS numbered_documents,
       list(DISTINCT doc_type ORDER BY doc_type) FILTER (WHERE doc_type IS NOT NULL) AS doc_types
FROM documents
GROUP BY ALL
ORDER BY month, issuer;
COMMENT ON VIEW documents_per_issuer_month IS 'How many documents each issuer issued per month (by 成文日期, else by first publication).';

CREATE OR REPLACE VIEW current_texts AS
SELECT d.document_id, d.doc_number, d.title, d.issuer, d.doc_type, d.issued_date, d.status,
       v.version_id, v.version_number, v.text, v.normalized_text
FROM documents d
JOIN versions v ON v.version_id = d.latest_version_id;
COMMENT ON VIEW current_texts IS 'Each document with the text of its latest version.';
