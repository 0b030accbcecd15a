-- Which documents stop being valid within N days (有效期至…), counted from a date?
-- Variables: days (INTEGER; default 30), as_of (DATE; default today).
SELECT doc_number, title, issuer, expiry_date, days_left
FROM expiring_within(coalesce(getvariable('days'), 30), as_of := coalesce(getvariable('as_of'), current_date))
ORDER BY expiry_date;
