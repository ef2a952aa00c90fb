-- Virus scanning before acceptance. A file whose bytes are stored but whose scan has no
-- verdict yet (clamd unreachable, or the bytes came over several requests) waits in
-- `scanning`; a file with a virus ends `quarantined`. Neither counts as stored.
ALTER TABLE file_uploads DROP CONSTRAINT file_uploads_status_valid;
ALTER TABLE file_uploads ADD CONSTRAINT file_uploads_status_valid
    CHECK (status IN ('pending', 'uploading', 'completed', 'failed', 'skipped', 'scanning', 'quarantined'));

-- What the scan said: `clean`, `infected` (with the signature's name), or `too_large`
-- (accepted unscanned by the operator's policy). NULL: not scanned (no scanner).
ALTER TABLE file_uploads ADD COLUMN scan_result VARCHAR(20);
ALTER TABLE file_uploads ADD COLUMN virus_name VARCHAR(200);
-- Where a quarantined file's bytes are kept, when the operator keeps them.
ALTER TABLE file_uploads ADD COLUMN quarantine_key VARCHAR(1024);
ALTER TABLE file_uploads ADD CONSTRAINT file_uploads_scan_result
    CHECK (scan_result IS NULL OR scan_result IN ('clean', 'infected', 'too_large'));

-- A file waiting for its scan owns its stored object as an uploading or completed one does.
DROP INDEX file_uploads_key_owner;
CREATE UNIQUE INDEX file_uploads_key_owner
    ON file_uploads (storage_location_id, s3_key)
 WHERE owns_key AND status IN ('uploading', 'completed', 'scanning') AND s3_key <> '';

-- The scanner's queue.
CREATE INDEX file_uploads_scanning ON file_uploads (id) WHERE status = 'scanning';

-- A company's admins are told of every file with a virus (always: no profile switch).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('request_rejected', 'due_soon', 'overdue', 'upload_digest',
                    'upload_receipt', 'upload_invitation', 'virus_found'));
