-- What an upload needs beyond the seed's columns.
ALTER TABLE file_uploads
    -- The cycle, denormalised from the session, so duplicate checks use one index.
    ADD COLUMN cycle_id INTEGER REFERENCES cycles (id) ON DELETE SET NULL,
    -- The S3 multipart upload in flight: the reaper aborts it by this id after a crash.
    ADD COLUMN s3_upload_id VARCHAR(1024),
    -- A skipped duplicate points at the file it duplicates.
    ADD COLUMN duplicate_of INTEGER REFERENCES file_uploads (id) ON DELETE SET NULL,
    -- A later upload to the same key replaced this file's object; the row stays as history.
    ADD COLUMN replaced_by INTEGER REFERENCES file_uploads (id) ON DELETE SET NULL,
    ADD COLUMN content_type VARCHAR(255),
    ADD COLUMN review_status VARCHAR(20),
    ADD COLUMN review_reason VARCHAR(500),
    ADD COLUMN reviewed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN reviewed_at TIMESTAMPTZ,
    ADD COLUMN updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ADD CONSTRAINT file_uploads_review_status_valid
        CHECK (review_status IS NULL OR review_status IN ('pending', 'accepted', 'rejected'));

CREATE TRIGGER file_uploads_set_updated_at BEFORE UPDATE ON file_uploads
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- "Has this content already arrived in this cycle?"
CREATE INDEX idx_file_uploads_cycle_checksum ON file_uploads (cycle_id, checksum)
    WHERE status = 'completed' AND replaced_by IS NULL AND deleted_at IS NULL;
-- The current file at a key, to mark it replaced.
CREATE INDEX idx_file_uploads_cycle_key ON file_uploads (cycle_id, s3_key)
    WHERE status = 'completed' AND replaced_by IS NULL;
-- The reaper's and the review queue's scans.
CREATE INDEX idx_file_uploads_uploading ON file_uploads (updated_at) WHERE status = 'uploading';
CREATE INDEX idx_file_uploads_abort_pending ON file_uploads (id) WHERE s3_upload_id IS NOT NULL;
CREATE INDEX idx_file_uploads_review_pending ON file_uploads (company_id, created_at)
    WHERE review_status = 'pending';
CREATE INDEX idx_file_uploads_cycle_id ON file_uploads (cycle_id);

-- A project may accept only some kinds of files (extensions, e.g. {pdf,xlsx}); empty = any.
ALTER TABLE projects ADD COLUMN allowed_file_types TEXT[] NOT NULL DEFAULT '{}';
