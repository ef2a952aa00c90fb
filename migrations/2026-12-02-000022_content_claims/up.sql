-- Uploads that have claimed a content (their checksum is set while they are still
-- uploading: see FileUpload::claim_content), by cycle and checksum. Every file's
-- duplicate check looks for such a claim; without this index it read every uploading
-- row of the installation, so a sync of thousands of files slowed with each file.
CREATE INDEX file_uploads_content_claims ON file_uploads (cycle_id, checksum)
    WHERE status = 'uploading' AND checksum IS NOT NULL;
