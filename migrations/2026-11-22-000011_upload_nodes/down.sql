DROP INDEX idx_file_uploads_uploading_node;
ALTER TABLE file_uploads DROP COLUMN boot_id, DROP COLUMN node_id;
