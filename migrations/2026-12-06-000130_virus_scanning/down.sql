DELETE FROM notifications WHERE kind = 'virus_found';
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest',
                    'upload_receipt', 'upload_invitation'));
DROP INDEX file_uploads_scanning;
DROP INDEX file_uploads_key_owner;
CREATE UNIQUE INDEX file_uploads_key_owner
    ON file_uploads (storage_location_id, s3_key)
 WHERE owns_key AND status IN ('uploading', 'completed') AND s3_key <> '';
ALTER TABLE file_uploads DROP CONSTRAINT file_uploads_scan_result;
ALTER TABLE file_uploads DROP COLUMN quarantine_key;
ALTER TABLE file_uploads DROP COLUMN virus_name;
ALTER TABLE file_uploads DROP COLUMN scan_result;
UPDATE file_uploads SET status = 'failed' WHERE status IN ('scanning', 'quarantined');
ALTER TABLE file_uploads DROP CONSTRAINT file_uploads_status_valid;
ALTER TABLE file_uploads ADD CONSTRAINT file_uploads_status_valid
    CHECK (status IN ('pending', 'uploading', 'completed', 'failed', 'skipped'));
