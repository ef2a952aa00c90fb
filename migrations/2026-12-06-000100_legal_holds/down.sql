DROP TABLE legal_holds;
DROP INDEX file_uploads_retiring;
ALTER TABLE file_uploads DROP CONSTRAINT file_uploads_tombstone;
ALTER TABLE file_uploads DROP COLUMN bytes_deleted_at;
ALTER TABLE file_uploads DROP COLUMN retired_reason;
ALTER TABLE file_uploads DROP COLUMN retired_at;
ALTER TABLE projects DROP CONSTRAINT projects_retention_days_range;
ALTER TABLE projects DROP COLUMN retention_days;
