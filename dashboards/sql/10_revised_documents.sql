-- Which documents have more than one distinct text (real revisions, not extraction noise),
-- with when each version was first published.
SELECT d.doc_number, d.title, d.version_count,
       list(v.first_published_date ORDER BY v.version_number) AS version_dates
FROM documents d
JOIN versions v ON v.document_id = d.document_id
WHERE d.version_count > 1
GROUP BY ALL
ORDER BY d.version_count DESC, d.doc_number;
