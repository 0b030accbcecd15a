-- Which documents were repealed by a date, by which document, and from when?
-- Variables: as_of (DATE; default today).
SELECT s.doc_number, s.title, s.repealed_on, r.doc_number AS repealed_by_number, r.title AS repealed_by_title
FROM document_status(coalesce(getvariable('as_of'), current_date)) s
JOIN documents r ON r.document_id = s.repealed_by
WHERE s.status = 'repealed'
ORDER BY s.repealed_on, s.doc_number;
