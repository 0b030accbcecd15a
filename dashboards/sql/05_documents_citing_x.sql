-- Which documents cite, implement, amend or repeal a given document (by number or by title as written)?
-- Variables: target (VARCHAR): a document number or a title fragment, e.g. '优化营商环境条例'.
SELECT DISTINCT r.relation, s.doc_number, s.title, s.issued_date,
       coalesce(t.doc_number, r.target_doc_number) AS target_doc_number,
       coalesce(t.title, r.target_title) AS target_title
FROM document_references r
JOIN documents s ON s.document_id = r.source_document_id
LEFT JOIN documents t ON t.document_id = r.target_document_id
WHERE coalesce(t.doc_number, r.target_doc_number) = getvariable('target')
   OR contains(coalesce(t.title, r.target_title, ''), getvariable('target'))
ORDER BY s.issued_date, s.doc_number, r.relation;
