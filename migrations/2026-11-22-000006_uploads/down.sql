ALTER TABLE projects DROP COLUMN allowed_file_types;
DROP INDEX idx_file_uploads_cycle_id;
DROP INDEX idx_file_uploads_review_pending;
DROP INDEX idx_file_uploads_abort_pending;
DROP INDEX idx_file_uploads_uploading;
DROP INDEX idx_file_uploads_cycle_key;
DROP INDEX idx_file_uploads_cycle_checksum;
DROP TRIGGER file_uploads_set_updated_at ON file_uploads;
ALTER TABLE file_uploads
    DROP CONSTRAINT file_uploads_review_status_valid,
    DROP COLUMN updated_at,
    DROP COLUMN reviewed_at,
    DROP COLUMN reviewed_by,
    DROP COLUMN review_reason,
    DROP COLUMN review_status,
    DROP COLUMN content_type,
    DROP COLUMN replaced_by,
    DROP COLUMN duplicate_of,
    DROP COLUMN s3_upload_id,
    DROP COLUMN cycle_id;
