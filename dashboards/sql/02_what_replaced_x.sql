-- What replaced (repealed, superseded or amended) a given document, from when, and the sentence that says so?
-- Variables: doc_number (VARCHAR, e.g. '宁政规发〔2020〕5号').
SELECT relation, old_doc_number, old_title, new_doc_number, new_title, takes_effect, evidence
FROM replacements
WHERE old_doc_number = getvariable('doc_number')
ORDER BY takes_effect;
