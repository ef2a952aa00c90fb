-- A batch of thousands of files changes most of its cycle's rows within seconds, while
-- the planner's statistics (autovacuum looks once a minute at best) still say no row is
-- `completed`: the partial indexes of completed rows look empty, and reading one whole
-- is costed as nothing, so a file's duplicate and path lookups walked the cycle's
-- completed rows, once per file. A batch refreshes the statistics as it passes its 10th,
-- 100th and 1,000th stored file, when autovacuum's own rule says they are stale
-- (50 rows plus a tenth of the table changed since the last analyse). ANALYZE needs the
-- table's owner: the application role calls this function, which runs as its owner
-- and can do nothing else.
CREATE FUNCTION file_uploads_refresh_statistics() RETURNS BOOLEAN
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    known REAL;
    changed BIGINT;
BEGIN
    SELECT reltuples INTO known FROM pg_class WHERE oid = 'file_uploads'::regclass;
    SELECT n_mod_since_analyze INTO changed FROM pg_stat_user_tables
     WHERE relid = 'file_uploads'::regclass;
    -- reltuples is -1 until the table's first analyse.
    IF coalesce(changed, 0) < 50 + 0.1 * greatest(known, 0) THEN
        RETURN FALSE;
    END IF;
    ANALYZE file_uploads;
    RETURN TRUE;
END $$;
REVOKE EXECUTE ON FUNCTION file_uploads_refresh_statistics() FROM PUBLIC;

-- A file's status alone picks out nothing useful (a handful of values), yet the planner
-- took this index for the duplicate lookups whenever its statistics said no row was
-- `completed` yet (right after a manifest), and read every uploading row of the table
-- per file. The lookups have partial indexes of their own.
DROP INDEX idx_file_uploads_status;

-- The per-file lookups lead with what picks one file out: the checksum (duplicates,
-- claims) or the path (the current version). Led by the cycle, the three indexes were
-- interchangeable to the planner while its statistics knew no completed row, and it
-- answered checksum lookups through the path index, reading the whole cycle per file.
-- Listings of a cycle's current files keep idx_file_uploads_cycle_key.
DROP INDEX idx_file_uploads_cycle_checksum;
CREATE INDEX idx_file_uploads_cycle_checksum ON file_uploads (checksum, cycle_id)
    WHERE status = 'completed' AND replaced_by IS NULL AND deleted_at IS NULL;
DROP INDEX file_uploads_content_claims;
CREATE INDEX file_uploads_content_claims ON file_uploads (checksum, cycle_id)
    WHERE status = 'uploading' AND checksum IS NOT NULL;
DROP INDEX file_uploads_current_path;
CREATE INDEX file_uploads_current_path ON file_uploads (file_path, cycle_id)
    WHERE status = 'completed' AND replaced_by IS NULL AND deleted_at IS NULL;
