-- A visitor of an upload link sends resumable uploads too. A batch and an upload are
-- theirs by the visit (the browser's cookie), as a member's are by the user: another
-- visitor of the same link, even with the same name and email, cannot join or resume them.
ALTER TABLE sync_sessions ADD COLUMN link_visit_id INTEGER REFERENCES upload_link_visits (id) ON DELETE SET NULL;
ALTER TABLE tus_uploads ADD COLUMN link_visit_id INTEGER REFERENCES upload_link_visits (id) ON DELETE SET NULL;
CREATE INDEX sync_sessions_link_visit_idx ON sync_sessions (link_visit_id) WHERE link_visit_id IS NOT NULL;
CREATE INDEX tus_uploads_link_visit_idx ON tus_uploads (link_visit_id) WHERE link_visit_id IS NOT NULL;
