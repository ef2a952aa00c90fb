ALTER TABLE tus_uploads DROP COLUMN link_visit_id;
ALTER TABLE sync_sessions DROP COLUMN link_visit_id;
