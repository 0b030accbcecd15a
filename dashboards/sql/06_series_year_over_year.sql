-- Annual series (全区2023年政务公开工作要点 → 2024 …): each edition beside the previous one.
-- Uses documents.series_key (set by reconciliation); without it, falls back to the title with
-- the year taken out, so that the query works on any snapshot.
WITH editions AS (
    SELECT coalesce(series_key, regexp_replace(normalized_title, '(19|20)[0-9]{2}年', '年', 'g')) AS series,
           doc_number, title, issued_date,
           CAST(regexp_extract(title, '((19|20)[0-9]{2})年', 1) AS INTEGER) AS edition_year
    FROM documents
    WHERE regexp_matches(title, '(19|20)[0-9]{2}年')
)
SELECT series, edition_year, doc_number, title, issued_date,
       lag(doc_number) OVER w AS previous_doc_number,
       lag(edition_year) OVER w AS previous_year
FROM editions
WINDOW w AS (PARTITION BY series ORDER BY edition_year, issued_date)
ORDER BY series, edition_year;
