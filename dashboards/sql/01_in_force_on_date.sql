-- Which documents are in force on a date (in force or amended, not repealed, not expired)?
-- Variables: as_of (DATE; default today).  duckdb CLI: SET VARIABLE as_of = DATE '2024-03-01';
SELECT doc_number, title, issuer, in_force_from, expiry_date, status
FROM documents_in_force(coalesce(getvariable('as_of'), current_date))
ORDER BY in_force_from DESC, doc_number;
