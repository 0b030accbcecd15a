-- Where and in which version was a document published: every sighting, oldest first.
-- Variables: doc_number (VARCHAR, e.g. '宁政办发〔2023〕53号').
SELECT version_number, issue_id, issue_title, published_date, start_page, end_page, file_url
FROM document_history
WHERE doc_number = getvariable('doc_number')
ORDER BY published_date, issue_id, version_number;
