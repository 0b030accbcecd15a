-- The most referenced documents the warehouse does not hold yet (candidates for a new source).
SELECT coalesce(target_doc_number, target_title) AS target, relation,
       count(DISTINCT source_document_id) AS referenced_by
FROM document_references
WHERE target_document_id IS NULL
GROUP BY ALL
ORDER BY referenced_by DESC, target
LIMIT 20;
