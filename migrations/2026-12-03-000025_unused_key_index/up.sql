-- Every new version of a file row (three per uploaded file: inserted, claimed, completed;
-- none of them a HOT update, the status and checksum being indexed) writes an entry into
-- each full index of the table. No query looks a key up alone: a key's owner is found by
-- location and key, through the unique index file_uploads_key_owner.
DROP INDEX idx_file_uploads_s3_key;
