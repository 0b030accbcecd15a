-- Which issuers publish the most, and how much of it is still in force?
-- Variables: since (DATE; default 2000-01-01) — count documents written on or after it.
SELECT coalesce(issuer, '(issuer unknown)') AS issuer,
       count(*) AS documents,
       count(*) FILTER (WHERE status IN ('in_force', 'amended')) AS in_force,
       min(issued_date) AS first_issued, max(issued_date) AS last_issued
FROM documents
WHERE coalesce(issued_date, first_published_date) >= coalesce(getvariable('since'), DATE '2000-01-01')
GROUP BY ALL
ORDER BY documents DESC, issuer;
