-- Pages without a text layer (scanned images) per publication: where documents may be missing,
-- or, for the pages OCR read (read_by_ocr), where their text may be inexact.
SELECT i.issue_id, i.title, i.published_date, count(*) AS pages,
       count(*) FILTER (WHERE NOT p.has_text OR p.ocr) AS pages_without_text,
       count(*) FILTER (WHERE p.ocr) AS read_by_ocr,
       list(p.printed_number ORDER BY p.page_index) FILTER (WHERE NOT p.has_text OR p.ocr) AS printed_numbers
FROM pages p
JOIN issues i USING (issue_id)
GROUP BY ALL
HAVING count(*) FILTER (WHERE NOT p.has_text OR p.ocr) > 0
ORDER BY i.published_date;
