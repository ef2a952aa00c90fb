-- The current version of a path in a cycle, found by index: a sync's manifest asks it for
-- every file it lists (unchanged, or a new version of it?).
CREATE INDEX file_uploads_current_path ON file_uploads (cycle_id, file_path)
    WHERE status = 'completed' AND replaced_by IS NULL AND deleted_at IS NULL;
