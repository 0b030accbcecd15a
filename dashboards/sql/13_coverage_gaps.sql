-- Pages without a text layer (scanned images) per publication: where documents may be missing.
SELECT i.issue_id, i.title, i.published_date, count(*) AS pages,
       count(*) FILTER (WHERE NOT p.has_text) AS pages_without_text,
       list(p.printed_number ORDER BY p.page_index) FILTER (WHERE NOT p.has_text) AS printed_numbers
FROM pages p
JOIN issues i USING (issue_id)
GROUP BY ALL
HAVING count(*) FILTER (WHERE NOT p.has_text) > 0
ORDER BY i.published_date;
