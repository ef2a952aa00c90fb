ALTER TABLE file_uploads DROP COLUMN refusal;
