DROP INDEX idx_sync_sessions_upload_link;
ALTER TABLE sync_sessions DROP COLUMN uploader_email;
ALTER TABLE sync_sessions DROP COLUMN uploader_name;
ALTER TABLE sync_sessions DROP COLUMN upload_link_id;
DROP TABLE upload_link_visits;
DROP TABLE upload_links;
DROP FUNCTION upload_links_company_matches();
