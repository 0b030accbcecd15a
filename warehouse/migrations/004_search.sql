-- 004: the full-text search corpus. DuckDB's fts extension splits on whitespace, so Chinese
-- text is stored pre-tokenized by jieba (words separated by spaces); the index itself
-- (schema fts_main_search_documents) is rebuilt by warehouse.search.build_search_index.

CREATE TABLE search_documents (
    document_id VARCHAR PRIMARY KEY,
    version_id  VARCHAR NOT NULL,
    title_tokens VARCHAR NOT NULL,
    body_tokens  VARCHAR NOT NULL,
    indexed_at   TIMESTAMP NOT NULL
);
COMMENT ON TABLE search_documents IS 'The text the full-text index covers: the latest version of each document, tokenized by jieba (search mode) into space-separated words.';
COMMENT ON COLUMN search_documents.document_id IS 'The document (documents.document_id).';
COMMENT ON COLUMN search_documents.version_id IS 'The version whose text was tokenized (versions.version_id); re-tokenized when the document gets a newer version.';
COMMENT ON COLUMN search_documents.title_tokens IS 'jieba tokens of the title and document number, separated by spaces.';
COMMENT ON COLUMN search_documents.body_tokens IS 'jieba tokens of the text, separated by spaces.';
COMMENT ON COLUMN search_documents.indexed_at IS 'When the text was tokenized (UTC).';
