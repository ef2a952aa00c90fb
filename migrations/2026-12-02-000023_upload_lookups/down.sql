DROP INDEX file_uploads_current_path;
CREATE INDEX file_uploads_current_path ON file_uploads (cycle_id, file_path)
    WHERE status = 'completed' AND replaced_by IS NULL AND deleted_at IS NULL;
DROP INDEX file_uploads_content_claims;
CREATE INDEX file_uploads_content_claims ON file_uploads (cycle_id, checksum)
    WHERE status = 'uploading' AND checksum IS NOT NULL;
DROP INDEX idx_file_uploads_cycle_checksum;
CREATE INDEX idx_file_uploads_cycle_checksum ON file_uploads (cycle_id, checksum)
    WHERE status = 'completed' AND replaced_by IS NULL AND deleted_at IS NULL;
CREATE INDEX idx_file_uploads_status ON file_uploads (status);
DROP FUNCTION file_uploads_refresh_statistics();
