-- 006: an index of the WARC archive. Every HTTP response the monitor received is kept raw in
-- $GAZETTE_HOME/warc/gazette-YYYYMMDD.warc.gz (extractors/warc.py); this table says which record
-- holds which URL's answer, so that an extraction can be re-run offline from the archive, and so
-- that "what did the site answer for this URL, and when" is one query.
-- No function DEFAULTs (see 001): writers set every timestamp themselves.
CREATE TABLE warc_records (
    record_id    VARCHAR PRIMARY KEY,
    url          VARCHAR NOT NULL,
    source_id    VARCHAR,
    http_status  INTEGER NOT NULL,
    sha256       VARCHAR,
    warc_file    VARCHAR NOT NULL,
    warc_offset  BIGINT NOT NULL,
    warc_length  BIGINT NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    flow_run_id  VARCHAR
);
COMMENT ON TABLE warc_records IS 'One row per HTTP response archived in the WARC files (200, 304 and error answers alike): where to read it back.';
COMMENT ON COLUMN warc_records.record_id IS 'WARC-Record-ID of the response record (<urn:uuid:...>).';
COMMENT ON COLUMN warc_records.url IS 'URL requested.';
COMMENT ON COLUMN warc_records.source_id IS 'Source whose poll made the request (sources.source_id).';
COMMENT ON COLUMN warc_records.http_status IS 'Status of the answer (200, 304, 404, 503 ...).';
COMMENT ON COLUMN warc_records.sha256 IS 'sha256 of the body for a 200 (fetched_files.sha256); NULL otherwise.';
COMMENT ON COLUMN warc_records.warc_file IS 'File name under $GAZETTE_HOME/warc/.';
COMMENT ON COLUMN warc_records.warc_offset IS 'Byte offset of the record (its gzip member) in that file.';
COMMENT ON COLUMN warc_records.warc_length IS 'Compressed length of the record in bytes.';
COMMENT ON COLUMN warc_records.fetched_at IS 'When the answer was received (UTC).';
COMMENT ON COLUMN warc_records.flow_run_id IS 'Flow run that fetched it (flow_runs.flow_run_id), when run by a flow.';
