DROP TRIGGER file_uploads_default_location ON file_uploads;
DROP FUNCTION file_uploads_default_location();
DROP TRIGGER projects_default_location ON projects;
DROP FUNCTION projects_default_location();
ALTER TABLE file_uploads DROP COLUMN storage_location_id;
ALTER TABLE projects DROP COLUMN storage_location_id;
DROP TABLE storage_locations;
