DROP INDEX file_uploads_in_doubt;
DROP INDEX file_uploads_key_owner;
ALTER TABLE file_uploads DROP COLUMN owns_key;
ALTER TABLE file_uploads DROP COLUMN completing_since;
