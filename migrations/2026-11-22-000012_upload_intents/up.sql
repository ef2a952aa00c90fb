-- Intent before effect. Before Hopper completes an object in S3 (CompleteMultipartUpload
-- or a single PutObject) it records on the uploading row that it is about to, with the
-- checksum and size the object must have. A crash or a failed commit between the two
-- leaves the row `uploading` with this mark; the reconciler then reads the object back and
-- completes the row if the bytes match, or deletes the stray object and fails the row.
ALTER TABLE file_uploads ADD COLUMN completing_since TIMESTAMPTZ;

-- One key per version: a row that is uploading or completed owns its key in its location,
-- so a new version of a file never overwrites the bytes of an older one (which stays
-- retrievable) and a stray object can be deleted knowing no other row points at it.
ALTER TABLE file_uploads ADD COLUMN owns_key BOOLEAN NOT NULL DEFAULT true;

-- Before this migration a new version overwrote the older object: those rows no longer
-- own bytes of their own. Of any rows still sharing a key, the newest keeps it.
UPDATE file_uploads f SET owns_key = false
 WHERE f.replaced_by IS NOT NULL
    OR (f.status IN ('uploading', 'completed') AND f.s3_key <> '' AND EXISTS (
        SELECT 1 FROM file_uploads g
         WHERE g.storage_location_id = f.storage_location_id
           AND g.s3_key = f.s3_key
           AND g.id > f.id
           AND g.status IN ('uploading', 'completed')));

CREATE UNIQUE INDEX file_uploads_key_owner
    ON file_uploads (storage_location_id, s3_key)
 WHERE owns_key AND status IN ('uploading', 'completed') AND s3_key <> '';

-- The reconciler's candidates.
CREATE INDEX file_uploads_in_doubt ON file_uploads (updated_at)
 WHERE status = 'uploading' AND completing_since IS NOT NULL;
