-- The policy cascade: which lower-level documents implement which higher-level ones
-- (county plan → city plan → regional measures), resolved links only.
SELECT p.doc_number AS parent_number, p.title AS parent_title, p.issuer AS parent_issuer,
       c.doc_number AS child_number, c.title AS child_title, c.issuer AS child_issuer, c.issued_date
FROM (SELECT DISTINCT source_document_id, target_document_id FROM document_references
      WHERE relation = 'implements' AND target_document_id IS NOT NULL
        AND target_document_id <> source_document_id) r
JOIN documents c ON c.document_id = r.source_document_id
JOIN documents p ON p.document_id = r.target_document_id
ORDER BY p.doc_number, c.issued_date;
