-- An uploading row names the node and the boot (process start) that runs it, so a node
-- that restarts settles its own interrupted uploads at once instead of waiting for the
-- staleness window; other nodes' are settled when their progress stops.
ALTER TABLE file_uploads ADD COLUMN node_id VARCHAR(100), ADD COLUMN boot_id UUID;
CREATE INDEX idx_file_uploads_uploading_node ON file_uploads (node_id) WHERE status = 'uploading';
