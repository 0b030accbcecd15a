-- What changed since Monday of this week (the change log subscribers receive), oldest first?
-- Variables: since (DATE; default Monday of the current week).
SELECT event_id, kind, recorded_at, occurred_on, doc_number, summary
FROM changes_since(coalesce(getvariable('since'), date_trunc('week', current_date)))
ORDER BY event_id;
