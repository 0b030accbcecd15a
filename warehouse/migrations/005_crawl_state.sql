-- The fetcher's incremental state: per URL, the validators the server sent last and the sha256 of
-- the body it answered with. A poll sends If-None-Match / If-Modified-Since from here, so a poll
-- with nothing new costs only conditional requests. Whether a publication needs loading is decided
-- by comparing crawl_state.sha256 with issues.loaded_file_sha256, not by the 304 alone.
CREATE TABLE crawl_state (
    url              VARCHAR PRIMARY KEY,
    source_id        VARCHAR NOT NULL,
    etag             VARCHAR,
    last_modified    VARCHAR,
    sha256           VARCHAR,
    content_type     VARCHAR,
    last_status      INTEGER,
    last_checked_at  TIMESTAMP NOT NULL,
    last_changed_at  TIMESTAMP
);
COMMENT ON TABLE crawl_state IS 'One row per URL the monitor polls (listing pages, issue pages, PDFs, articles): what the server said last, for conditional GETs.';
COMMENT ON COLUMN crawl_state.url IS 'Absolute URL polled.';
COMMENT ON COLUMN crawl_state.source_id IS 'Source whose listing led to this URL (sources.source_id).';
COMMENT ON COLUMN crawl_state.etag IS 'ETag of the last 200 or 304 answer, sent back as If-None-Match.';
COMMENT ON COLUMN crawl_state.last_modified IS 'Last-Modified of the last answer, sent back as If-Modified-Since.';
COMMENT ON COLUMN crawl_state.sha256 IS 'sha256 of the body last downloaded; the raw bytes are kept under $GAZETTE_HOME/raw/<2>/<sha256>.';
COMMENT ON COLUMN crawl_state.content_type IS 'Content-Type of the last downloaded body.';
COMMENT ON COLUMN crawl_state.last_status IS 'HTTP status of the last request (200 or 304).';
COMMENT ON COLUMN crawl_state.last_checked_at IS 'When the URL was last requested (UTC).';
COMMENT ON COLUMN crawl_state.last_changed_at IS 'When the URL last answered with a new body (UTC).';
