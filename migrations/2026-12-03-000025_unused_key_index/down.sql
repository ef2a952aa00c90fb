CREATE INDEX idx_file_uploads_s3_key ON file_uploads (s3_key);
